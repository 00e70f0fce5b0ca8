//! # Supply
//!
//! The token's issuance rules: a hard cap on total issuance, and the cubic
//! burn curve a listener pays per mature-tier play (DESIGN §2.4).
//!
//! The pallet has no calls and no storage: it owns the rules, and other
//! pallets mint and burn through the [`SupplyControl`] trait, so the cap is
//! checked in one place.

#![cfg_attr(not(feature = "std"), no_std)]

pub use pallet::*;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

use musicchain_primitives::{burn_quote, SupplyCurve};
use polkadot_sdk::{
	frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{Inspect, Mutate},
			tokens::{Fortitude, Precision, Preservation},
		},
	},
	sp_runtime::DispatchError,
};

/// Minting and burning under the supply rules.
pub trait SupplyControl<AccountId> {
	/// What a listener burns per mature-tier play at the current issuance.
	fn burn_quote() -> u128;
	/// Mints `amount` to `who` unless total issuance (with what is pending)
	/// would exceed the cap. Returns whether the mint happened; a refusal is
	/// not an error (the caller's action still counts) and emits `MintRefused`.
	fn mint_capped(who: &AccountId, amount: u128) -> Result<bool, DispatchError>;
	/// Whether `amount` more for `who` fits under the cap, counting what is
	/// pending; emits `MintRefused` when it does not. Mints nothing: a caller
	/// that is told yes mints it before its block ends and reports it through
	/// [`Config::Pending`] until then.
	fn reserve_capped(who: &AccountId, amount: u128) -> bool;
	/// Burns exactly `amount` from `who`'s free balance, keeping the account
	/// alive. Fails with `CannotPayBurn` when the balance does not allow it.
	fn burn(who: &AccountId, amount: u128) -> Result<(), DispatchError>;
}

#[polkadot_sdk::frame_support::pallet]
pub mod pallet {
	use super::*;
	use polkadot_sdk::frame_system::pallet_prelude::*;

	/// The storage layout version (the pallet has no storage of its own).
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config {
		/// The native token.
		type Currency: Mutate<Self::AccountId, Balance = u128>;
		/// At or below this total issuance listeners burn nothing.
		#[pallet::constant]
		type Floor: Get<u128>;
		/// Total issuance never exceeds this.
		#[pallet::constant]
		type Cap: Get<u128>;
		/// The burn per play at the cap.
		#[pallet::constant]
		type MaxBurn: Get<u128>;
		/// Issuance promised in this block and minted at its end (the
		/// royalties pallet's escrow of the block's plays): the cap and the
		/// burn curve count it as issued.
		type Pending: Get<u128>;
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A mint was refused because total issuance would have exceeded the cap.
		MintRefused { who: T::AccountId, amount: u128, issuance: u128 },
		/// Tokens were burned from an account.
		Burned { who: T::AccountId, amount: u128 },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account cannot pay the burn and stay alive.
		CannotPayBurn,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(
				T::Floor::get() < T::Cap::get(),
				"the burn curve rises between the floor and the cap"
			);
			assert!(T::MaxBurn::get() > 0, "past the floor, listeners burn");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(
			_n: BlockNumberFor<T>,
		) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The curve parameters of this runtime.
	pub fn curve() -> SupplyCurve {
		SupplyCurve { floor: T::Floor::get(), cap: T::Cap::get(), max_burn: T::MaxBurn::get() }
	}

	/// Current total issuance, with what is pending in this block.
	pub fn issuance() -> u128 {
		T::Currency::total_issuance().saturating_add(T::Pending::get())
	}

	/// Whether `amount` more fits under the cap; emits `MintRefused` if not.
	fn within_cap(who: &T::AccountId, amount: u128) -> bool {
		let issuance = Self::issuance();
		let within_cap = issuance.checked_add(amount).is_some_and(|after| after <= T::Cap::get());
		if !within_cap {
			Self::deposit_event(Event::MintRefused { who: who.clone(), amount, issuance });
		}
		within_cap
	}

	/// Invariant: issuance never exceeds the cap.
	pub fn do_try_state() -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
		ensure!(Self::issuance() <= T::Cap::get(), "total issuance is above the cap");
		Ok(())
	}
}

impl<T: Config> SupplyControl<T::AccountId> for Pallet<T> {
	fn burn_quote() -> u128 {
		burn_quote(Self::issuance(), &Self::curve())
	}

	fn mint_capped(who: &T::AccountId, amount: u128) -> Result<bool, DispatchError> {
		if !Self::within_cap(who, amount) {
			return Ok(false);
		}
		T::Currency::mint_into(who, amount)?;
		Ok(true)
	}

	fn reserve_capped(who: &T::AccountId, amount: u128) -> bool {
		Self::within_cap(who, amount)
	}

	fn burn(who: &T::AccountId, amount: u128) -> Result<(), DispatchError> {
		if amount == 0 {
			return Ok(());
		}
		T::Currency::burn_from(
			who,
			amount,
			Preservation::Preserve,
			Precision::Exact,
			Fortitude::Polite,
		)
		.map_err(|_| Error::<T>::CannotPayBurn)?;
		Self::deposit_event(Event::Burned { who: who.clone(), amount });
		Ok(())
	}
}
