//! The cubic burn curve: what a listener burns per mature-tier play.

use primitive_types::{U256, U512};

/// Parameters of the supply curve, in the chain's smallest unit.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SupplyCurve {
	/// At or below this total issuance nothing is burned.
	pub floor: u128,
	/// Issuance never exceeds this; at or above it the burn is `max_burn`.
	pub cap: u128,
	/// The burn at the cap.
	pub max_burn: u128,
}

/// `floor(max_burn * (S - floor)^3 / (cap - floor)^3)` for `floor < S < cap`,
/// `0` at or below the floor and `max_burn` at or above the cap. Exact: the
/// product is formed in 512-bit integers, so no input overflows or rounds
/// before the single final division.
pub fn burn_quote(supply: u128, curve: &SupplyCurve) -> u128 {
	if supply <= curve.floor || curve.cap <= curve.floor {
		return 0;
	}
	if supply >= curve.cap {
		return curve.max_burn;
	}
	let d = U256::from(supply - curve.floor);
	let span = U256::from(curve.cap - curve.floor);
	// d, span < 2^128, so their cubes fit in 384 bits; B * d^3 < 2^512.
	let d3 = d.full_mul(d);
	let d3 = mul_512(d3, d);
	let numerator = mul_512(d3, U256::from(curve.max_burn));
	// span > 0: cap > floor was checked above.
	let denominator = mul_512(span.full_mul(span), span);
	let q = numerator / denominator;
	// q <= max_burn because d < span, so it fits in u128.
	u128::try_from(q).unwrap_or(curve.max_burn).min(curve.max_burn)
}

/// `a * b` for `a < 2^384`, `b < 2^128` (the only products used above);
/// wraps only outside that domain, which `burn_quote` never reaches.
fn mul_512(a: U512, b: U256) -> U512 {
	a.overflowing_mul(U512::from(b)).0
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::UNIT;
	use proptest::prelude::*;

	fn curve() -> SupplyCurve {
		SupplyCurve {
			floor: 1_000_000_000 * UNIT,
			cap: 2_000_000_000 * UNIT,
			max_burn: 1_000 * UNIT,
		}
	}

	#[test]
	fn design_figures() {
		let c = curve();
		assert_eq!(burn_quote(0, &c), 0);
		assert_eq!(burn_quote(c.floor, &c), 0);
		assert_eq!(burn_quote(c.floor + 1, &c), 0);
		assert_eq!(burn_quote(1_500_000_000 * UNIT, &c), 125 * UNIT);
		assert_eq!(burn_quote(1_800_000_000 * UNIT, &c), 512 * UNIT);
		assert_eq!(burn_quote(c.cap, &c), 1_000 * UNIT);
		assert_eq!(burn_quote(u128::MAX, &c), 1_000 * UNIT);
		assert_eq!(burn_quote(c.cap - 1, &c), 1_000 * UNIT - 1);
	}

	proptest! {
		#[test]
		fn monotone_and_bounded(a in 0u128..=3_000_000_000 * UNIT, b in 0u128..=3_000_000_000 * UNIT) {
			let c = curve();
			let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
			prop_assert!(burn_quote(lo, &c) <= burn_quote(hi, &c));
			prop_assert!(burn_quote(hi, &c) <= c.max_burn);
		}

		#[test]
		fn extreme_parameters_never_panic(s in any::<u128>(), f in any::<u128>(), cap in any::<u128>(), m in any::<u128>()) {
			let c = SupplyCurve { floor: f, cap, max_burn: m };
			prop_assert!(burn_quote(s, &c) <= m);
		}
	}
}
