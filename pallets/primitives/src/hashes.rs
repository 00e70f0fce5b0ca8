//! The three 32-byte hashes that name things, as their own types so that
//! one cannot be passed for another: [`ContentHash`] (one file's bytes),
//! [`FingerprintHash`] (one recording's compressed fingerprint) and
//! [`ManifestRoot`] (one file's piece list).
//!
//! Each encodes exactly as `[u8; 32]` (SCALE and serde), and its type
//! information is that of `[u8; 32]`, so the chain's metadata, storage and
//! calls, and what wallets and explorers show, are the same as with bare
//! arrays.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::{Type, TypeInfo};

macro_rules! hash32 {
	($(#[$doc:meta])* $name:ident) => {
		$(#[$doc])*
		#[derive(
			Clone,
			Copy,
			Default,
			PartialEq,
			Eq,
			PartialOrd,
			Ord,
			Hash,
			Encode,
			Decode,
			DecodeWithMemTracking,
			MaxEncodedLen,
		)]
		#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
		pub struct $name(pub [u8; 32]);

		impl $name {
			pub const fn new(bytes: [u8; 32]) -> Self {
				$name(bytes)
			}

			pub const fn as_bytes(&self) -> &[u8; 32] {
				&self.0
			}
		}

		impl TypeInfo for $name {
			type Identity = [u8; 32];
			fn type_info() -> Type {
				<[u8; 32]>::type_info()
			}
		}

		impl From<[u8; 32]> for $name {
			fn from(bytes: [u8; 32]) -> Self {
				$name(bytes)
			}
		}

		impl TryFrom<&[u8]> for $name {
			type Error = core::array::TryFromSliceError;
			fn try_from(bytes: &[u8]) -> Result<Self, Self::Error> {
				<[u8; 32]>::try_from(bytes).map($name)
			}
		}

		impl From<$name> for [u8; 32] {
			fn from(hash: $name) -> Self {
				hash.0
			}
		}

		impl AsRef<[u8]> for $name {
			fn as_ref(&self) -> &[u8] {
				&self.0
			}
		}

		impl PartialEq<[u8; 32]> for $name {
			fn eq(&self, other: &[u8; 32]) -> bool {
				self.0 == *other
			}
		}

		/// Lower-case hex, as the client prints hashes.
		impl core::fmt::Display for $name {
			fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
				for b in self.0 {
					write!(f, "{b:02x}")?;
				}
				Ok(())
			}
		}

		impl core::fmt::Debug for $name {
			fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
				write!(f, "{}(0x{self})", stringify!($name))
			}
		}
	};
}

hash32!(
	/// SHA-256 of a file's bytes: identifies one concrete encoding (a variant).
	ContentHash
);
hash32!(
	/// BLAKE2-256 of a compressed Chromaprint fingerprint.
	FingerprintHash
);
hash32!(
	/// SHA-256 over the ordered list of a file's per-piece SHA-256 digests.
	ManifestRoot
);

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_hash_encodes_as_its_bytes() {
		let bytes = [0xab; 32];
		let hash = ContentHash(bytes);
		assert_eq!(hash.encode(), bytes.encode());
		assert_eq!(ContentHash::decode(&mut &bytes.encode()[..]), Ok(hash));
		assert_eq!(ContentHash::max_encoded_len(), 32);
		assert_eq!(ContentHash::type_info(), <[u8; 32]>::type_info());
		assert_eq!(hash.to_string(), "ab".repeat(32));
		assert_eq!(
			format!("{:?}", ManifestRoot([1; 32])),
			format!("ManifestRoot(0x{})", "01".repeat(32))
		);
	}
}
