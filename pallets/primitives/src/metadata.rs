//! Song metadata and royalty splits.

use alloc::vec::Vec;
use bounded_collections::{BoundedVec, ConstU32};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::sp_arithmetic::Permill;
use scale_info::TypeInfo;

/// Longest title, artist name or album name, in bytes of UTF-8.
pub const MAX_TEXT_LEN: u32 = 128;
/// Longest genre, in bytes of UTF-8.
pub const MAX_GENRE_LEN: u32 = 64;
/// Most beneficiaries a song's royalties can be split between (besides the artist).
pub const MAX_SPLITS: u32 = 8;

/// Bounded UTF-8 text of a metadata field.
pub type Text = BoundedVec<u8, ConstU32<MAX_TEXT_LEN>>;
/// Bounded UTF-8 genre.
pub type Genre = BoundedVec<u8, ConstU32<MAX_GENRE_LEN>>;

/// ID3-style metadata of a song, each field bounded.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct Metadata {
	pub title: Text,
	pub artist: Text,
	pub album: Text,
	pub genre: Genre,
	pub year: Option<u16>,
	pub track: Option<u16>,
}

impl Metadata {
	/// Builds metadata from strings, truncating each field at a character
	/// boundary to fit its bound.
	pub fn from_strs(
		title: &str,
		artist: &str,
		album: &str,
		genre: &str,
		year: Option<u16>,
		track: Option<u16>,
	) -> Metadata {
		Metadata {
			title: truncated(title),
			artist: truncated(artist),
			album: truncated(album),
			genre: truncated(genre),
			year,
			track,
		}
	}

	/// Whether every text field is valid UTF-8.
	pub fn is_valid_utf8(&self) -> bool {
		[&self.title[..], &self.artist[..], &self.album[..], &self.genre[..]]
			.iter()
			.all(|f| core::str::from_utf8(f).is_ok())
	}
}

/// `s` cut to at most `N` bytes without splitting a character.
pub fn truncated<const N: u32>(s: &str) -> BoundedVec<u8, ConstU32<N>> {
	let mut end = s.len().min(N as usize);
	while !s.is_char_boundary(end) {
		end = end.saturating_sub(1);
	}
	let bytes = s.as_bytes().get(..end).unwrap_or_default().to_vec();
	BoundedVec::truncate_from(bytes)
}

/// Royalty splits: at most [`MAX_SPLITS`] beneficiaries, each with a share;
/// the shares sum to at most 100 % and the remainder goes to the artist.
pub type RoyaltySplits<AccountId> = BoundedVec<(AccountId, Permill), ConstU32<MAX_SPLITS>>;

/// Why a set of royalty splits is not acceptable.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SplitError {
	/// The shares add up to more than 100 %.
	SharesExceedWhole,
	/// An account appears twice.
	DuplicateBeneficiary,
	/// A share of zero.
	ZeroShare,
}

/// Checks that splits are well formed.
pub fn validate_splits<AccountId: PartialEq>(
	splits: &[(AccountId, Permill)],
) -> Result<(), SplitError> {
	let mut total: u32 = 0;
	for (i, (who, share)) in splits.iter().enumerate() {
		if share.is_zero() {
			return Err(SplitError::ZeroShare);
		}
		if splits.iter().take(i).any(|(other, _)| other == who) {
			return Err(SplitError::DuplicateBeneficiary);
		}
		total = total.saturating_add(share.deconstruct());
	}
	if total > Permill::one().deconstruct() {
		return Err(SplitError::SharesExceedWhole);
	}
	Ok(())
}

/// Divides `amount` between the beneficiaries of `splits` (each gets its
/// share, rounded down) and the artist (the remainder). Entries with a zero
/// amount are left out; the amounts always add up to `amount` exactly.
pub fn distribute<AccountId: Clone + PartialEq>(
	amount: u128,
	artist: &AccountId,
	splits: &[(AccountId, Permill)],
) -> Vec<(AccountId, u128)> {
	let mut out: Vec<(AccountId, u128)> = Vec::with_capacity(splits.len().saturating_add(1));
	let mut remainder = amount;
	for (who, share) in splits {
		let part = share.mul_floor(amount).min(remainder);
		remainder = remainder.saturating_sub(part);
		if part > 0 {
			out.push((who.clone(), part));
		}
	}
	if remainder > 0 {
		match out.iter_mut().find(|(who, _)| who == artist) {
			Some(entry) => entry.1 = entry.1.saturating_add(remainder),
			None => out.push((artist.clone(), remainder)),
		}
	}
	out
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn truncation_keeps_characters_whole() {
		let long = "é".repeat(100); // 200 bytes
		let t: Text = truncated(&long);
		assert_eq!(t.len(), 128);
		assert!(core::str::from_utf8(&t).is_ok());
		let m = Metadata::from_strs("Song", "Artist", "Album", "Rock", Some(1999), Some(3));
		assert!(m.is_valid_utf8());
		assert_eq!(&m.title[..], b"Song");
	}

	#[test]
	fn splits_validate() {
		let p = Permill::from_percent;
		assert_eq!(validate_splits(&[(1u8, p(60)), (2, p(40))]), Ok(()));
		assert_eq!(
			validate_splits(&[(1u8, p(60)), (2, p(41))]),
			Err(SplitError::SharesExceedWhole)
		);
		assert_eq!(
			validate_splits(&[(1u8, p(10)), (1, p(10))]),
			Err(SplitError::DuplicateBeneficiary)
		);
		assert_eq!(validate_splits(&[(1u8, p(0))]), Err(SplitError::ZeroShare));
		assert_eq!(validate_splits::<u8>(&[]), Ok(()));
	}

	#[test]
	fn distribution_is_exact() {
		let p = Permill::from_percent;
		let unit = crate::UNIT;
		assert_eq!(distribute(unit, &0u8, &[]), vec![(0, unit)]);
		let d = distribute(unit, &0u8, &[(1, p(30)), (2, p(30))]);
		assert_eq!(d, vec![(1, unit * 3 / 10), (2, unit * 3 / 10), (0, unit * 4 / 10)]);
		// Odd amounts: the remainder of rounding goes to the artist, total exact.
		let d = distribute(
			10,
			&0u8,
			&[(1, Permill::from_parts(333_333)), (2, Permill::from_parts(333_333))],
		);
		assert_eq!(d.iter().map(|x| x.1).sum::<u128>(), 10);
		// 100 % to others: nothing left for the artist.
		assert_eq!(distribute(unit, &0u8, &[(1, p(100))]), vec![(1, unit)]);
		// The artist may also be listed as a beneficiary.
		assert_eq!(distribute(unit, &0u8, &[(0, p(50))]), vec![(0, unit)]);
	}
}
