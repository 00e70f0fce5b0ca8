//! # Songs
//!
//! The song registry (DESIGN §2.1): one record per recording, with its
//! variants (concrete files), metadata and royalty splits.
//!
//! A registration carries the compressed Chromaprint fingerprint; only its
//! BLAKE2-256 hash is kept in state, the bytes go to the node's offchain index
//! (key [`fingerprint_key`]) for the dedupe matcher. A new song is Pending
//! until a dedupe verdict arrives or `VerdictTimeout` blocks pass, when it
//! becomes Active. Moderators can hide a song from discovery; its plays keep
//! settling.
//!
//! Vetting (DESIGN §2.6): registering holds a deposit from the artist
//! ([`Config::SongDeposit`]); a song's plays earn pending credits, not
//! minted rewards, until the moderators approve it (or its artist, which
//! approves all of that account's songs, now and later). Approval returns
//! the deposit and has the royalty ledger pay the credits out
//! ([`Config::OnVetted`]); rejection burns the deposit, voids the credits,
//! and the song never earns again. Only plausible songs register: at least
//! [`Config::MinDurationMs`] long, with a fingerprint whose length fits the
//! duration. Only a song's artist adds files to it directly; anyone else's
//! file of the recording registers and is folded in by the dedupe verdict.
//!
//! Dedupe (one recording = one royalty entry): each block author's offchain
//! worker ([`offchain`]) keeps an inverted index of all indexed fingerprints
//! in its node's offchain storage, matches every pending song against it and
//! submits a signed [`Verdict`] through the authorized call
//! [`Pallet::submit_verdict`]. A verdict applies once more than half of the
//! current authorities submitted the same one ([`VerdictVotes`]), so no
//! single validator decides: `Unique` makes the song Active,
//! `DuplicateOf(X)` folds its file into song X as a variant and removes the
//! pending record, so no second royalty entry exists.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use types::*;
pub use weights::WeightInfo;

pub use musicchain_primitives::fingerprint::index::fingerprint_key;
use musicchain_primitives::{
	fingerprint::{codec::decompress, plausible_length, CompressedFingerprint},
	metadata::validate_splits,
	traits::{CatalogError, OnVetted, PlayableSong, SongCatalog},
	ContentHash, FingerprintHash, Metadata, Permill, RoyaltySplits, SongId,
};
use polkadot_sdk::{
	frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{InspectHold, MutateHold},
			tokens::{Fortitude, Precision},
			UnixTime,
		},
	},
	frame_system::offchain::CreateAuthorizedTransaction,
	sp_runtime::{traits::Saturating, RuntimeAppPublic},
};

pub mod migrations;
pub mod offchain;

/// `InvalidTransaction::Custom` code of a verdict whose target song cannot
/// absorb the pending one.
pub const INVALID_TARGET: u8 = 1;

/// What the benchmarks need from the runtime that this pallet cannot do
/// itself: keys of the benchmark's own making as the block authors.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AuthorityId> {
	/// Makes `ids` (at most [`Config::MaxAuthorities`]) the current block
	/// authors, so that [`Config::Authorities`] returns them from now on.
	/// The benchmarks generate them in the keystore
	/// (`RuntimeAppPublic::generate_pair`) and sign verdicts with them. In
	/// the musicchain runtime: pallet-aura's authorities.
	fn set_authorities(ids: &[AuthorityId]);

	/// Gives `song` pending credits in the royalty ledger, so that vetting
	/// it queues their payout (the costlier path of [`Config::OnVetted`]).
	fn credit_song(song: SongId);

	/// Gives `song` royalties owed and not paid out yet, so that changing
	/// its splits pays them out first (the costlier path of
	/// [`Config::OnVetted`]).
	fn owe_song(song: SongId);
}

#[polkadot_sdk::frame_support::pallet]
pub mod pallet {
	use super::*;
	use polkadot_sdk::frame_system::pallet_prelude::*;

	/// The storage layout version: 1 added vetting ([`Vetting`],
	/// [`ApprovedArtists`], [`UnvettedSongs`], [`Deposits`]); see
	/// [`crate::migrations`].
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit of a song awaiting the moderators' approval.
		SongDeposit,
	}

	#[pallet::config]
	pub trait Config:
		CreateAuthorizedTransaction<Call<Self>> + polkadot_sdk::frame_system::Config
	{
		/// Who may hide, approve and reject songs (a majority of the
		/// moderators' council).
		type ModeratorOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// The native token, whose holds keep the registration deposits.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason, Balance = u128>
			+ polkadot_sdk::frame_support::traits::fungible::Mutate<Self::AccountId>;
		/// The runtime's hold reasons.
		type RuntimeHoldReason: From<HoldReason>;
		/// Held from the artist per registered song until the moderators
		/// decide: returned on approval, burned on rejection.
		#[pallet::constant]
		type SongDeposit: Get<u128>;
		/// Held from the artist per file added to a song that awaits the
		/// moderators, with the song's deposit: returned on approval,
		/// burned on rejection.
		#[pallet::constant]
		type VariantDeposit: Get<u128>;
		/// Shortest song, in ms.
		#[pallet::constant]
		type MinDurationMs: Get<u32>;
		/// How far a fingerprint's length may be from what the declared
		/// duration gives (see [`plausible_length`]).
		#[pallet::constant]
		type FingerprintTolerance: Get<Permill>;
		/// Songs one `approve_artist` call approves at most (call it again
		/// for the rest).
		#[pallet::constant]
		type MaxApprovalsPerCall: Get<u32>;
		/// The royalty ledger, told when a song or an artist is vetted.
		type OnVetted: OnVetted<Self::AccountId>;
		/// Chain time (the timestamp pallet).
		type Time: UnixTime;
		/// Blocks a Pending song waits for a dedupe verdict before it activates.
		#[pallet::constant]
		type VerdictTimeout: Get<BlockNumberFor<Self>>;
		/// Registrations whose verdict deadline falls in one block.
		#[pallet::constant]
		type MaxPendingPerBlock: Get<u32>;
		/// Files (encodings) per song.
		#[pallet::constant]
		type MaxVariants: Get<u32>;
		/// Longest song, in ms.
		#[pallet::constant]
		type MaxDurationMs: Get<u32>;
		/// The key block authors sign dedupe verdicts with (the runtime uses
		/// the Aura key, so every block author can judge without extra keys).
		type AuthorityId: Member
			+ Parameter
			+ RuntimeAppPublic
			+ Ord
			+ MaybeSerializeDeserialize
			+ MaxEncodedLen;
		/// The current block authors: only their verdicts count, and a
		/// verdict applies once more than half of them submitted it.
		type Authorities: Get<alloc::vec::Vec<Self::AuthorityId>>;
		/// Most block authors there can be (the bound of a song's votes).
		#[pallet::constant]
		type MaxAuthorities: Get<u32>;
		/// Least similarity (1 - bit error rate at the best alignment) of two
		/// fingerprints of one recording.
		#[pallet::constant]
		type MatchThreshold: Get<Permill>;
		/// Largest duration difference between two files of one recording, in ms.
		#[pallet::constant]
		type DurationToleranceMs: Get<u32>;
		/// Transaction-pool priority of verdicts.
		#[pallet::constant]
		type VerdictPriority: Get<TransactionPriority>;
		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
		/// Sets up the benchmarks (see [`BenchmarkHelper`]).
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AuthorityId>;
	}

	/// Song records.
	#[pallet::storage]
	pub type Songs<T: Config> = StorageMap<
		_,
		Twox64Concat,
		SongId,
		SongRecord<T::AccountId, BlockNumberFor<T>>,
		OptionQuery,
	>;

	/// The id the next registration gets.
	#[pallet::storage]
	pub type NextSongId<T: Config> = StorageValue<_, SongId, ValueQuery>;

	/// Songs by fingerprint hash (exact-match lookup).
	#[pallet::storage]
	pub type ByFingerprint<T: Config> =
		StorageMap<_, Identity, FingerprintHash, SongId, OptionQuery>;

	/// Variants by content hash.
	#[pallet::storage]
	pub type Variants<T: Config> = StorageMap<_, Identity, ContentHash, VariantRecord, OptionQuery>;

	/// Content hashes of each song's variants, in the order they were added.
	#[pallet::storage]
	pub type SongVariants<T: Config> =
		StorageMap<_, Twox64Concat, SongId, BoundedVec<ContentHash, T::MaxVariants>, ValueQuery>;

	/// Pending songs by the block their verdict times out in.
	#[pallet::storage]
	pub type PendingDeadlines<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<SongId, T::MaxPendingPerBlock>,
		ValueQuery,
	>;

	/// The moderators' decision on a song (absent: unvetted).
	#[pallet::storage]
	pub type Vetting<T: Config> = StorageMap<_, Twox64Concat, SongId, Decision, OptionQuery>;

	/// Artists the moderators approved: all their songs, now and later.
	#[pallet::storage]
	pub type ApprovedArtists<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, (), OptionQuery>;

	/// Each artist's songs that await the moderators (no [`Vetting`] and the
	/// artist not approved): what `approve_artist` goes through.
	#[pallet::storage]
	pub type UnvettedSongs<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, SongId, (), OptionQuery>;

	/// The dedupe verdicts submitted so far for each pending song, one per
	/// authority, until more than half of the current authorities agree
	/// (then the verdict applies and the votes go).
	#[pallet::storage]
	pub type VerdictVotes<T: Config> = StorageMap<
		_,
		Twox64Concat,
		SongId,
		BoundedVec<(T::AuthorityId, Outcome), T::MaxAuthorities>,
		ValueQuery,
	>;

	/// The deposit held for each song that awaits the moderators.
	#[pallet::storage]
	pub type Deposits<T: Config> =
		StorageMap<_, Twox64Concat, SongId, Deposit<T::AccountId>, OptionQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An authority submitted its dedupe verdict on a pending song;
		/// `agreeing` current authorities said the same so far, and it
		/// applies when more than half of the `authorities` do.
		VerdictVoted {
			song: SongId,
			authority: T::AuthorityId,
			outcome: Outcome,
			agreeing: u32,
			authorities: u32,
		},
		/// A song was registered and awaits its dedupe verdict.
		SongRegistered {
			song: SongId,
			artist: T::AccountId,
			fingerprint_hash: FingerprintHash,
			content_hash: ContentHash,
		},
		/// A pending song became active because no verdict came in time.
		SongActivated { song: SongId },
		/// More than half of the validators found no other recording like
		/// this one: it is Active. `authority` cast the deciding vote.
		SongVerified { song: SongId, authority: T::AuthorityId },
		/// A pending song was the same recording as `into`: its file is now a
		/// variant of `into` and the pending record is gone. `dropped` files
		/// did not fit `into`'s variant list.
		SongFolded {
			song: SongId,
			into: SongId,
			similarity_ppm: u32,
			dropped: u32,
			authority: T::AuthorityId,
		},
		/// A file was added to a song.
		VariantAdded { song: SongId, content_hash: ContentHash },
		/// The artist changed a song's metadata.
		MetadataUpdated { song: SongId },
		/// The artist changed a song's royalty splits.
		SplitsUpdated { song: SongId },
		/// The moderators hid a song from discovery.
		SongHidden { song: SongId },
		/// The moderators made a hidden song discoverable again.
		SongUnhidden { song: SongId },
		/// The moderators approved a song: its deposit was returned and its
		/// pending credits are paid out.
		SongApproved { song: SongId, deposit_returned: u128 },
		/// The moderators rejected a song: its deposit was burned, its
		/// pending credits are void, and it never earns again.
		SongRejected { song: SongId, deposit_burned: u128 },
		/// The moderators approved an artist: all of its songs, now and
		/// later. `songs` awaiting approval were approved by this call;
		/// `remaining` is whether more are left for another call.
		ArtistApproved { artist: T::AccountId, songs: u32, remaining: bool },
		/// The moderators settled a dispute: the song's royalties go to `to`.
		ArtistReassigned { song: SongId, from: T::AccountId, to: T::AccountId },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// No song with this id.
		NotFound,
		/// The fingerprint bytes are not a compressed Chromaprint fingerprint.
		InvalidFingerprint,
		/// A file with this content hash is already registered.
		VariantExists,
		/// The song has as many variants as allowed.
		TooManyVariants,
		/// Duration is zero or longer than allowed.
		InvalidDuration,
		/// A metadata field is not valid UTF-8.
		InvalidMetadata,
		/// Royalty split shares exceed 100 %.
		SplitsExceedWhole,
		/// A beneficiary appears twice in the splits.
		DuplicateBeneficiary,
		/// A split share of zero.
		ZeroShare,
		/// Piece size zero, or a file of zero bytes.
		InvalidVariant,
		/// Only the song's artist may do this.
		NotArtist,
		/// The song is pending its dedupe verdict.
		SongPending,
		/// The song is already hidden.
		AlreadyHidden,
		/// The song is not hidden.
		NotHidden,
		/// Too many registrations await their verdict in this block; try the next one.
		PendingQueueFull,
		/// Song ids are exhausted.
		IdsExhausted,
		/// The verdict is for a song that is not pending (already judged or timed out).
		NotPending,
		/// The verdict's fingerprint does not match the song's (another fork's verdict).
		StaleVerdict,
		/// The song a verdict folds into does not exist, is pending, is the
		/// song itself, or has another fingerprint than the verdict says.
		InvalidTarget,
		/// The song is shorter than the shortest allowed.
		TooShort,
		/// The fingerprint's length does not fit the declared duration.
		ImplausibleFingerprint,
		/// The artist's free balance cannot cover the registration deposit.
		CannotHoldDeposit,
		/// The song or artist is already approved.
		AlreadyApproved,
		/// The song was rejected; that decision is final.
		AlreadyRejected,
		/// Only an Active song can be hidden (a Pending one awaits its verdict).
		NotActive,
		/// The account already is the song's artist.
		AlreadyArtist,
		/// This authority already voted on the song (a vote is final).
		AlreadyVoted,
		/// More authorities than [`Config::MaxAuthorities`].
		TooManyAuthorities,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(n: BlockNumberFor<T>) -> Weight {
			let due = PendingDeadlines::<T>::take(n);
			let count = due.len() as u32;
			for song in due {
				VerdictVotes::<T>::remove(song);
				Songs::<T>::mutate(song, |r| {
					if let Some(r) = r.as_mut().filter(|r| r.status == SongStatus::Pending) {
						r.status = SongStatus::Active;
						Self::deposit_event(Event::SongActivated { song });
					}
				});
			}
			T::WeightInfo::activate_timed_out(count)
		}

		fn offchain_worker(n: BlockNumberFor<T>) {
			offchain::run::<T>(n);
		}

		fn integrity_test() {
			assert!(
				T::MinDurationMs::get() > 0 && T::MinDurationMs::get() <= T::MaxDurationMs::get(),
				"songs between the shortest and the longest allowed exist"
			);
			assert!(T::MaxApprovalsPerCall::get() > 0, "approving an artist approves songs");
			assert!(T::MaxVariants::get() > 0 && T::MaxPendingPerBlock::get() > 0);
			assert!(
				T::VerdictTimeout::get() > BlockNumberFor::<T>::from(0u32),
				"verdicts get time to arrive"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(
			_n: BlockNumberFor<T>,
		) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers a new song with its first file. The signer becomes the
		/// artist. The song is Pending until its dedupe verdict or timeout,
		/// and its plays earn pending credits until the moderators approve
		/// it; [`Config::SongDeposit`] is held from the artist until then
		/// (nothing is held from an approved artist).
		///
		/// # Errors
		/// - `InvalidFingerprint`, `InvalidDuration`, `InvalidMetadata`,
		///   `InvalidVariant`: malformed input.
		/// - `TooShort`, `ImplausibleFingerprint`: not a plausible song (shorter
		///   than [`Config::MinDurationMs`], or a fingerprint whose length
		///   does not fit the duration).
		/// - `CannotHoldDeposit`: the artist cannot cover the deposit.
		/// - `SplitsExceedWhole`, `DuplicateBeneficiary`, `ZeroShare`: bad splits.
		/// - `VariantExists`: this file is already registered.
		///
		/// A fingerprint that a song already has registers too: it is the
		/// way a file of someone else's song joins it (only the artist adds
		/// files directly), and the dedupe verdict folds it in.
		/// - `PendingQueueFull`, `IdsExhausted`: capacity.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::register(fingerprint.len() as u32, splits.len() as u32))]
		pub fn register(
			origin: OriginFor<T>,
			fingerprint: CompressedFingerprint,
			duration_ms: u32,
			metadata: Metadata,
			splits: RoyaltySplits<T::AccountId>,
			variant: VariantInfo,
		) -> DispatchResult {
			let artist = ensure_signed(origin)?;
			Self::do_register(artist, fingerprint, duration_ms, metadata, splits, variant)
		}

		/// Adds a file (another encoding of the same recording) to a song.
		/// Only the song's artist may; anyone else's file of the recording
		/// registers, and the dedupe verdict folds it in. While the song
		/// awaits the moderators, [`Config::VariantDeposit`] is held from the
		/// artist with the song's deposit.
		///
		/// # Errors
		/// - `NotFound`, `SongPending`: no such song, or not yet active.
		/// - `NotArtist`: the signer is not the song's artist.
		/// - `VariantExists`, `TooManyVariants`, `InvalidVariant`.
		/// - `CannotHoldDeposit`: the artist cannot cover the deposit.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::add_variant())]
		pub fn add_variant(
			origin: OriginFor<T>,
			song: SongId,
			variant: VariantInfo,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let record = Songs::<T>::get(song).ok_or(Error::<T>::NotFound)?;
			ensure!(record.artist == who, Error::<T>::NotArtist);
			ensure!(record.status != SongStatus::Pending, Error::<T>::SongPending);
			Self::insert_variant(song, variant)?;
			Self::hold_variant_deposit(song, &who)?;
			Self::deposit_event(Event::VariantAdded { song, content_hash: variant.content_hash });
			Ok(())
		}

		/// Replaces a song's metadata. Only the artist may.
		///
		/// # Errors
		/// - `NotFound`, `NotArtist`, `InvalidMetadata`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::update_metadata())]
		pub fn update_metadata(
			origin: OriginFor<T>,
			song: SongId,
			metadata: Metadata,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(metadata.is_valid_utf8(), Error::<T>::InvalidMetadata);
			Self::mutate_as_artist(&who, song, |r| r.metadata = metadata)?;
			Self::deposit_event(Event::MetadataUpdated { song });
			Ok(())
		}

		/// Replaces a song's royalty splits. Only the artist may. What the
		/// song owes its current artist and splits is paid to them first
		/// ([`Config::OnVetted`]), so a change never takes back what a
		/// beneficiary has earned.
		///
		/// # Errors
		/// - `NotFound`, `NotArtist`, `SplitsExceedWhole`,
		///   `DuplicateBeneficiary`, `ZeroShare`.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::update_splits(splits.len() as u32))]
		pub fn update_splits(
			origin: OriginFor<T>,
			song: SongId,
			splits: RoyaltySplits<T::AccountId>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::check_splits(&splits)?;
			let artist = Songs::<T>::get(song).ok_or(Error::<T>::NotFound)?.artist;
			ensure!(artist == who, Error::<T>::NotArtist);
			T::OnVetted::payees_changing(song);
			Self::mutate_as_artist(&who, song, |r| r.splits = splits)?;
			Self::deposit_event(Event::SplitsUpdated { song });
			Ok(())
		}

		/// Hides an Active song from discovery (takedown). Its plays keep
		/// settling. A Pending song cannot be hidden: it awaits its dedupe
		/// verdict, which hiding would skip.
		///
		/// # Errors
		/// - `BadOrigin` unless the moderator origin; `NotFound`;
		///   `AlreadyHidden`; `NotActive` for a Pending song.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::set_hidden())]
		pub fn hide(origin: OriginFor<T>, song: SongId) -> DispatchResult {
			T::ModeratorOrigin::ensure_origin(origin)?;
			Self::set_hidden(song, true)?;
			Self::deposit_event(Event::SongHidden { song });
			Ok(())
		}

		/// Makes a hidden song discoverable again.
		///
		/// # Errors
		/// - `BadOrigin` unless the moderator origin; `NotFound`; `NotHidden`.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::set_hidden())]
		pub fn unhide(origin: OriginFor<T>, song: SongId) -> DispatchResult {
			T::ModeratorOrigin::ensure_origin(origin)?;
			Self::set_hidden(song, false)?;
			Self::deposit_event(Event::SongUnhidden { song });
			Ok(())
		}

		/// Records a block author's dedupe verdict on a pending song, and
		/// applies it once more than half of the current authorities
		/// submitted the same one. Each authority votes once per song: a
		/// vote is final, so no authority can fill blocks with free votes.
		/// Sent by the offchain worker; authorized by
		/// [`Pallet::authorize_verdict`] (a current authority's signature),
		/// so no account pays for it.
		///
		/// # Errors
		/// - `NotPending`, `StaleVerdict`, `InvalidTarget`: the verdict no
		///   longer applies to the chain's state.
		/// - `AlreadyVoted`: this authority already voted on the song.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::submit_verdict())]
		#[pallet::weight_of_authorize(T::WeightInfo::authorize_verdict())]
		#[pallet::authorize(Pallet::<T>::authorize_verdict)]
		pub fn submit_verdict(
			origin: OriginFor<T>,
			verdict: Verdict<T::AuthorityId>,
			// Checked in `authorize_verdict`.
			_signature: <T::AuthorityId as RuntimeAppPublic>::Signature,
		) -> DispatchResult {
			polkadot_sdk::frame_system::ensure_authorized(origin)?;
			let record = Self::check_verdict(&verdict)?;
			let tally = Self::tally(&verdict)?;
			if tally.agreeing.saturating_mul(2) <= tally.authorities {
				VerdictVotes::<T>::insert(verdict.song, tally.votes);
				Self::deposit_event(Event::VerdictVoted {
					song: verdict.song,
					authority: verdict.authority,
					outcome: verdict.outcome,
					agreeing: tally.agreeing,
					authorities: tally.authorities,
				});
				return Ok(());
			}
			VerdictVotes::<T>::remove(verdict.song);
			Self::remove_deadline(verdict.song, record.registered_at);
			match verdict.outcome {
				Outcome::Unique => {
					Songs::<T>::mutate(verdict.song, |r| {
						if let Some(r) = r {
							r.status = SongStatus::Active;
						}
					});
					Self::deposit_event(Event::SongVerified {
						song: verdict.song,
						authority: verdict.authority,
					});
				},
				Outcome::DuplicateOf { song: into, similarity_ppm, .. } => {
					let dropped = Self::fold(verdict.song, &record, into);
					Self::deposit_event(Event::SongFolded {
						song: verdict.song,
						into,
						similarity_ppm,
						dropped,
						authority: verdict.authority,
					});
				},
			}
			Ok(())
		}

		/// Approves a song: its deposit is returned, its pending credits are
		/// paid out (a bounded number per block), and its later plays are
		/// paid directly.
		///
		/// # Errors
		/// - `BadOrigin` unless the moderator origin; `NotFound`;
		///   `SongPending` (approve after the dedupe verdict, which may fold
		///   it into another song); `AlreadyApproved`; `AlreadyRejected`.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::approve_song())]
		pub fn approve_song(origin: OriginFor<T>, song: SongId) -> DispatchResult {
			T::ModeratorOrigin::ensure_origin(origin)?;
			let record = Songs::<T>::get(song).ok_or(Error::<T>::NotFound)?;
			ensure!(record.status != SongStatus::Pending, Error::<T>::SongPending);
			match Self::vetting(song, &record.artist) {
				Some(Decision::Approved) => Err(Error::<T>::AlreadyApproved.into()),
				Some(Decision::Rejected) => Err(Error::<T>::AlreadyRejected.into()),
				None => {
					let deposit_returned = Self::approve(song, &record.artist);
					Self::deposit_event(Event::SongApproved { song, deposit_returned });
					Ok(())
				},
			}
		}

		/// Rejects a song: its deposit is burned, its pending credits are
		/// void, it is hidden if it was Active, and it never earns again. A
		/// song approved earlier (or through its artist) can still be
		/// rejected; what it was paid stays paid. Its files and its
		/// fingerprint are freed: whoever really has the recording registers
		/// them anew (a squatter cannot keep a file or a recording from its
		/// artist by registering it first).
		///
		/// # Errors
		/// - `BadOrigin` unless the moderator origin; `NotFound`;
		///   `AlreadyRejected`.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::reject_song())]
		pub fn reject_song(origin: OriginFor<T>, song: SongId) -> DispatchResult {
			T::ModeratorOrigin::ensure_origin(origin)?;
			let deposit_burned = Self::reject(song)?;
			Self::deposit_event(Event::SongRejected { song, deposit_burned });
			Ok(())
		}

		/// Approves an artist: every song of `artist`, registered now or
		/// later, is approved (unless rejected). This call approves up to
		/// [`Config::MaxApprovalsPerCall`] of its waiting songs (deposits
		/// returned, credits paid out); call it again while the event says
		/// `remaining`. Royalties escrowed for the artist before approvals
		/// existed are released to it.
		///
		/// # Errors
		/// - `BadOrigin` unless the moderator origin; `AlreadyApproved`
		///   when the artist is approved and has no song left waiting.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::approve_artist(T::MaxApprovalsPerCall::get()))]
		pub fn approve_artist(
			origin: OriginFor<T>,
			artist: T::AccountId,
		) -> DispatchResultWithPostInfo {
			T::ModeratorOrigin::ensure_origin(origin)?;
			let was_approved = ApprovedArtists::<T>::contains_key(&artist);
			let limit = T::MaxApprovalsPerCall::get() as usize;
			let waiting: alloc::vec::Vec<SongId> = UnvettedSongs::<T>::iter_key_prefix(&artist)
				.take(limit.saturating_add(1))
				.collect();
			ensure!(!was_approved || !waiting.is_empty(), Error::<T>::AlreadyApproved);
			ApprovedArtists::<T>::insert(&artist, ());
			if !was_approved {
				T::OnVetted::artist_approved(&artist);
			}
			let remaining = waiting.len() > limit;
			let mut songs = 0u32;
			for song in waiting.into_iter().take(limit) {
				Self::approve(song, &artist);
				songs = songs.saturating_add(1);
			}
			Self::deposit_event(Event::ArtistApproved { artist, songs, remaining });
			Ok(Some(T::WeightInfo::approve_artist(songs)).into())
		}

		/// Settles a dispute over who made a song: from now on `artist` is
		/// its artist (its royalties, splits and metadata are the new
		/// artist's, with what the song owes and has not paid out yet). Its
		/// vetting follows the new artist's approval unless the song was
		/// decided on its own; a deposit stays with whoever paid it and goes
		/// back to them on approval.
		///
		/// # Errors
		/// - `BadOrigin` unless the moderator origin; `NotFound`;
		///   `AlreadyArtist` when `artist` already is.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::reassign_artist())]
		pub fn reassign_artist(
			origin: OriginFor<T>,
			song: SongId,
			artist: T::AccountId,
		) -> DispatchResult {
			T::ModeratorOrigin::ensure_origin(origin)?;
			let from = Songs::<T>::try_mutate(song, |r| {
				let r = r.as_mut().ok_or(Error::<T>::NotFound)?;
				ensure!(r.artist != artist, Error::<T>::AlreadyArtist);
				Ok::<_, Error<T>>(core::mem::replace(&mut r.artist, artist.clone()))
			})?;
			if UnvettedSongs::<T>::take(&from, song).is_some()
				&& !ApprovedArtists::<T>::contains_key(&artist)
			{
				UnvettedSongs::<T>::insert(&artist, song, ());
			}
			if Vetting::<T>::get(song).is_none() && ApprovedArtists::<T>::contains_key(&artist) {
				// The new artist is approved: so is the song now.
				Self::approve(song, &artist);
			}
			Self::deposit_event(Event::ArtistReassigned { song, from, to: artist });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The moderators' decision that applies to `song` of `artist`: its
	/// own, else approved when its artist is.
	pub fn vetting(song: SongId, artist: &T::AccountId) -> Option<Decision> {
		Vetting::<T>::get(song)
			.or_else(|| ApprovedArtists::<T>::contains_key(artist).then_some(Decision::Approved))
	}

	/// Adds [`Config::VariantDeposit`] to the deposit of `song` of `artist`
	/// while the song awaits the moderators. A song whose deposit a former
	/// artist paid (see `reassign_artist`) keeps its one payer: the new
	/// artist's files add nothing to it.
	fn hold_variant_deposit(song: SongId, artist: &T::AccountId) -> DispatchResult {
		let amount = T::VariantDeposit::get();
		if amount == 0 || Self::vetting(song, artist).is_some() {
			return Ok(());
		}
		let mut deposit =
			Deposits::<T>::get(song).unwrap_or(Deposit { who: artist.clone(), amount: 0 });
		if deposit.who != *artist {
			return Ok(());
		}
		deposit.amount = deposit.amount.checked_add(amount).ok_or(DispatchError::Arithmetic(
			polkadot_sdk::sp_runtime::ArithmeticError::Overflow,
		))?;
		T::Currency::hold(&HoldReason::SongDeposit.into(), artist, amount)
			.map_err(|_| Error::<T>::CannotHoldDeposit)?;
		Deposits::<T>::insert(song, deposit);
		Ok(())
	}

	/// Returns the deposit held for `song`, if any; returns the amount.
	fn return_deposit(song: SongId) -> u128 {
		let Some(deposit) = Deposits::<T>::take(song) else { return 0 };
		T::Currency::release(
			&HoldReason::SongDeposit.into(),
			&deposit.who,
			deposit.amount,
			Precision::BestEffort,
		)
		.unwrap_or_default()
	}

	/// Marks `song` of `artist` approved: returns its deposit (the amount is
	/// returned) and has its credits paid out.
	fn approve(song: SongId, artist: &T::AccountId) -> u128 {
		Vetting::<T>::insert(song, Decision::Approved);
		UnvettedSongs::<T>::remove(artist, song);
		let returned = Self::return_deposit(song);
		T::OnVetted::approved(song);
		returned
	}

	/// Marks `song` rejected: burns its deposit (the amount is returned),
	/// voids its credits and hides it if it was Active.
	fn reject(song: SongId) -> Result<u128, DispatchError> {
		let record = Songs::<T>::get(song).ok_or(Error::<T>::NotFound)?;
		ensure!(Vetting::<T>::get(song) != Some(Decision::Rejected), Error::<T>::AlreadyRejected);
		Vetting::<T>::insert(song, Decision::Rejected);
		UnvettedSongs::<T>::remove(&record.artist, song);
		if record.status == SongStatus::Pending {
			// Nothing is left to judge.
			Self::remove_deadline(song, record.registered_at);
			VerdictVotes::<T>::remove(song);
		}
		if record.status != SongStatus::Hidden {
			Songs::<T>::mutate(song, |r| {
				if let Some(r) = r {
					r.status = SongStatus::Hidden;
				}
			});
		}
		for file in SongVariants::<T>::take(song) {
			Variants::<T>::remove(file);
		}
		if ByFingerprint::<T>::get(record.fingerprint_hash) == Some(song) {
			ByFingerprint::<T>::remove(record.fingerprint_hash);
		}
		let burned = match Deposits::<T>::take(song) {
			Some(deposit) => T::Currency::burn_held(
				&HoldReason::SongDeposit.into(),
				&deposit.who,
				deposit.amount,
				Precision::BestEffort,
				Fortitude::Force,
			)
			.unwrap_or_default(),
			None => 0,
		};
		T::OnVetted::rejected(song);
		Ok(burned)
	}

	fn check_splits(splits: &[(T::AccountId, musicchain_primitives::Permill)]) -> DispatchResult {
		use musicchain_primitives::SplitError;
		validate_splits(splits).map_err(|e| match e {
			SplitError::SharesExceedWhole => Error::<T>::SplitsExceedWhole,
			SplitError::DuplicateBeneficiary => Error::<T>::DuplicateBeneficiary,
			SplitError::ZeroShare => Error::<T>::ZeroShare,
		})?;
		Ok(())
	}

	/// Hides (`true`) or unhides a song, refusing a change to the state it
	/// is already in.
	fn set_hidden(song: SongId, hidden: bool) -> DispatchResult {
		Songs::<T>::try_mutate(song, |r| {
			let r = r.as_mut().ok_or(Error::<T>::NotFound)?;
			let is_hidden = r.status == SongStatus::Hidden;
			ensure!(!(hidden && is_hidden), Error::<T>::AlreadyHidden);
			ensure!(hidden || is_hidden, Error::<T>::NotHidden);
			ensure!(r.status != SongStatus::Pending, Error::<T>::NotActive);
			r.status = if hidden { SongStatus::Hidden } else { SongStatus::Active };
			Ok(())
		})
	}

	fn mutate_as_artist(
		who: &T::AccountId,
		song: SongId,
		f: impl FnOnce(
			&mut SongRecord<
				T::AccountId,
				polkadot_sdk::frame_system::pallet_prelude::BlockNumberFor<T>,
			>,
		),
	) -> DispatchResult {
		Songs::<T>::try_mutate(song, |r| {
			let r = r.as_mut().ok_or(Error::<T>::NotFound)?;
			ensure!(r.artist == *who, Error::<T>::NotArtist);
			f(r);
			Ok(())
		})
	}

	fn insert_variant(song: SongId, v: VariantInfo) -> DispatchResult {
		ensure!(v.piece_size > 0 && v.size > 0, Error::<T>::InvalidVariant);
		ensure!(!Variants::<T>::contains_key(v.content_hash), Error::<T>::VariantExists);
		SongVariants::<T>::try_mutate(song, |list| list.try_push(v.content_hash))
			.map_err(|_| Error::<T>::TooManyVariants)?;
		Variants::<T>::insert(
			v.content_hash,
			VariantRecord {
				song,
				format: v.format,
				size: v.size,
				piece_size: v.piece_size,
				manifest_root: v.manifest_root,
			},
		);
		Ok(())
	}

	fn do_register(
		artist: T::AccountId,
		fingerprint: CompressedFingerprint,
		duration_ms: u32,
		metadata: Metadata,
		splits: RoyaltySplits<T::AccountId>,
		variant: VariantInfo,
	) -> DispatchResult {
		let items = decompress(&fingerprint).map_err(|_| Error::<T>::InvalidFingerprint)?.items;
		ensure!(
			duration_ms > 0 && duration_ms <= T::MaxDurationMs::get(),
			Error::<T>::InvalidDuration
		);
		ensure!(duration_ms >= T::MinDurationMs::get(), Error::<T>::TooShort);
		ensure!(
			plausible_length(items.len(), duration_ms, T::FingerprintTolerance::get()),
			Error::<T>::ImplausibleFingerprint
		);
		ensure!(metadata.is_valid_utf8(), Error::<T>::InvalidMetadata);
		Self::check_splits(&splits)?;
		let fingerprint_hash = FingerprintHash(musicchain_primitives::blake2_256(&fingerprint));
		// A known fingerprint keeps finding its song; the verdict folds this
		// registration into it.
		let known_fingerprint = ByFingerprint::<T>::contains_key(fingerprint_hash);

		let song = NextSongId::<T>::get();
		let next = song.checked_add(1).ok_or(Error::<T>::IdsExhausted)?;
		let now = polkadot_sdk::frame_system::Pallet::<T>::block_number();
		let deadline = now.saturating_add(T::VerdictTimeout::get());
		PendingDeadlines::<T>::try_mutate(deadline, |due| due.try_push(song))
			.map_err(|_| Error::<T>::PendingQueueFull)?;
		Self::insert_variant(song, variant)?;
		if ApprovedArtists::<T>::contains_key(&artist) {
			// Recorded on the song itself, so that a play reads one
			// decision, not the song's and then its artist's.
			Vetting::<T>::insert(song, Decision::Approved);
		} else {
			let amount = T::SongDeposit::get();
			if amount > 0 {
				T::Currency::hold(&HoldReason::SongDeposit.into(), &artist, amount)
					.map_err(|_| Error::<T>::CannotHoldDeposit)?;
				Deposits::<T>::insert(song, Deposit { who: artist.clone(), amount });
			}
			UnvettedSongs::<T>::insert(&artist, song, ());
		}

		Songs::<T>::insert(
			song,
			SongRecord {
				artist: artist.clone(),
				status: SongStatus::Pending,
				fingerprint_hash,
				duration_ms,
				metadata,
				splits,
				registered_at: now,
				registered_ms: u64::try_from(T::Time::now().as_millis()).unwrap_or(u64::MAX),
			},
		);
		if !known_fingerprint {
			ByFingerprint::<T>::insert(fingerprint_hash, song);
		}
		NextSongId::<T>::put(next);
		polkadot_sdk::sp_io::offchain_index::set(&fingerprint_key(&fingerprint_hash), &fingerprint);
		Self::deposit_event(Event::SongRegistered {
			song,
			artist,
			fingerprint_hash,
			content_hash: variant.content_hash,
		});
		Ok(())
	}
}

/// The votes on a pending song with one more counted (see [`Pallet::tally`]).
pub struct Tally<T: Config> {
	/// The votes to keep: current authorities' only, one each.
	pub votes: BoundedVec<(T::AuthorityId, Outcome), T::MaxAuthorities>,
	/// Votes that agree with the one counted, itself included.
	pub agreeing: u32,
	/// Current authorities.
	pub authorities: u32,
}

/// A song record of this runtime.
pub type SongRecordOf<T> = SongRecord<
	<T as polkadot_sdk::frame_system::Config>::AccountId,
	polkadot_sdk::frame_system::pallet_prelude::BlockNumberFor<T>,
>;

impl<T: Config> Pallet<T> {
	/// The genesis hash, which verdict signatures are bound to.
	pub fn genesis_hash() -> T::Hash {
		polkadot_sdk::frame_system::Pallet::<T>::block_hash(
			polkadot_sdk::frame_system::pallet_prelude::BlockNumberFor::<T>::default(),
		)
	}

	/// Whether `verdict` still applies to the current state; returns the
	/// pending song's record.
	pub fn check_verdict(verdict: &Verdict<T::AuthorityId>) -> Result<SongRecordOf<T>, Error<T>> {
		let record = Songs::<T>::get(verdict.song)
			.filter(|r| r.status == SongStatus::Pending)
			.ok_or(Error::<T>::NotPending)?;
		ensure!(record.fingerprint_hash == verdict.fingerprint_hash, Error::<T>::StaleVerdict);
		if let Outcome::DuplicateOf { song: into, fingerprint_hash, .. } = verdict.outcome {
			let target = Songs::<T>::get(into).ok_or(Error::<T>::InvalidTarget)?;
			// A rejected song's files were freed; nothing folds into it.
			ensure!(
				into != verdict.song
					&& target.status != SongStatus::Pending
					&& target.fingerprint_hash == fingerprint_hash
					&& Vetting::<T>::get(into) != Some(Decision::Rejected),
				Error::<T>::InvalidTarget
			);
		}
		Ok(record)
	}

	/// The votes on `verdict`'s song with `verdict` counted (the votes of
	/// current authorities only), unless its authority voted already.
	pub fn tally(verdict: &Verdict<T::AuthorityId>) -> Result<Tally<T>, Error<T>> {
		let authorities = T::Authorities::get();
		let mut votes = VerdictVotes::<T>::get(verdict.song);
		ensure!(!votes.iter().any(|(who, _)| *who == verdict.authority), Error::<T>::AlreadyVoted);
		votes.retain(|(who, _)| authorities.contains(who));
		votes
			.try_push((verdict.authority.clone(), verdict.outcome))
			.map_err(|_| Error::<T>::TooManyAuthorities)?;
		let agreeing = votes.iter().filter(|(_, o)| o.agrees_with(&verdict.outcome)).count();
		Ok(Tally {
			votes,
			agreeing: u32::try_from(agreeing).unwrap_or(u32::MAX),
			authorities: u32::try_from(authorities.len()).unwrap_or(u32::MAX),
		})
	}

	/// Transaction validity of a `submit_verdict` call: the verdict applies,
	/// it is signed by a current authority that has not submitted it yet,
	/// and each authority has one verdict per song in the pool at a time.
	pub fn authorize_verdict(
		_source: TransactionSource,
		verdict: &Verdict<T::AuthorityId>,
		signature: &<T::AuthorityId as RuntimeAppPublic>::Signature,
	) -> TransactionValidityWithRefund {
		Self::check_verdict(verdict).map_err(|e| match e {
			Error::<T>::InvalidTarget => InvalidTransaction::Custom(INVALID_TARGET),
			_ => InvalidTransaction::Stale,
		})?;
		if !T::Authorities::get().contains(&verdict.authority) {
			return Err(InvalidTransaction::BadSigner.into());
		}
		let payload = verdict.signing_payload(Self::genesis_hash().as_ref());
		if !verdict.authority.verify(&payload, signature) {
			return Err(InvalidTransaction::BadProof.into());
		}
		Self::tally(verdict).map_err(|_| InvalidTransaction::Stale)?;
		ValidTransaction::with_tag_prefix("MusicchainVerdict")
			.priority(T::VerdictPriority::get())
			.and_provides((verdict.song, &verdict.authority))
			.longevity(offchain::RESEND_AFTER_BLOCKS.into())
			.propagate(true)
			.build()
			.map(|v| (v, Weight::zero()))
	}

	/// The registry's invariants: every song is found by its fingerprint,
	/// every file points at a song that lists it and back, and every pending
	/// song has a verdict deadline.
	pub fn do_try_state() -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
		let next = NextSongId::<T>::get();
		for (song, record) in Songs::<T>::iter() {
			ensure!(song < next, "a song id at or above NextSongId");
			if Vetting::<T>::get(song) == Some(Decision::Rejected) {
				// Its files and fingerprint were freed.
				ensure!(SongVariants::<T>::get(song).is_empty(), "a rejected song keeps files");
				ensure!(record.status == SongStatus::Hidden, "a rejected song not hidden");
				continue;
			}
			// Found by its fingerprint, or (a registration of a fingerprint
			// already known, awaiting its fold, or activated by the timeout)
			// sharing it with the song that is.
			let found = ByFingerprint::<T>::get(record.fingerprint_hash)
				.ok_or("a song is not found by its fingerprint")?;
			ensure!(
				found == song
					|| Songs::<T>::get(found)
						.is_some_and(|r| r.fingerprint_hash == record.fingerprint_hash),
				"a song's fingerprint finds a song with another fingerprint"
			);
			let files = SongVariants::<T>::get(song);
			ensure!(!files.is_empty(), "a song without files");
			for file in files {
				ensure!(
					Variants::<T>::get(file).is_some_and(|v| v.song == song),
					"a song lists a file that points elsewhere"
				);
			}
			if record.status != SongStatus::Pending {
				ensure!(!VerdictVotes::<T>::contains_key(song), "votes on a song not pending");
			} else {
				let deadline = record.registered_at.saturating_add(T::VerdictTimeout::get());
				ensure!(
					PendingDeadlines::<T>::get(deadline).contains(&song),
					"a pending song without a deadline"
				);
			}
		}
		for (file, variant) in Variants::<T>::iter() {
			ensure!(
				SongVariants::<T>::get(variant.song).contains(&file),
				"a file whose song does not list it"
			);
		}
		for (_, fingerprint_song) in ByFingerprint::<T>::iter() {
			ensure!(Songs::<T>::contains_key(fingerprint_song), "a fingerprint of no song");
		}
		let mut held = alloc::collections::BTreeMap::<T::AccountId, u128>::new();
		for (song, deposit) in Deposits::<T>::iter() {
			let record = Songs::<T>::get(song).ok_or("a deposit for no song")?;
			ensure!(Self::vetting(song, &record.artist).is_none(), "a vetted song holds a deposit");
			let total = held.entry(deposit.who).or_default();
			*total = total.checked_add(deposit.amount).ok_or("deposits overflow")?;
		}
		for (who, total) in held {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::SongDeposit.into(), &who) == total,
				"an account's held deposit is not the sum of its songs' deposits"
			);
		}
		for (artist, song, ()) in UnvettedSongs::<T>::iter() {
			let record = Songs::<T>::get(song).ok_or("an unvetted entry of no song")?;
			ensure!(record.artist == artist, "an unvetted entry under another artist");
			ensure!(Self::vetting(song, &artist).is_none(), "a vetted song listed as unvetted");
		}
		Ok(())
	}

	fn remove_deadline(
		song: SongId,
		registered_at: polkadot_sdk::frame_system::pallet_prelude::BlockNumberFor<T>,
	) {
		let deadline = registered_at.saturating_add(T::VerdictTimeout::get());
		PendingDeadlines::<T>::mutate_exists(deadline, |due| {
			if let Some(list) = due {
				list.retain(|s| *s != song);
				if list.is_empty() {
					*due = None;
				}
			}
		});
	}

	/// Moves the pending `song`'s files to `into` and removes `song`; its
	/// fingerprint now finds `into`. Returns how many files did not fit.
	fn fold(song: SongId, record: &SongRecordOf<T>, into: SongId) -> u32 {
		let mut dropped = 0u32;
		for content_hash in SongVariants::<T>::take(song) {
			if SongVariants::<T>::try_mutate(into, |list| list.try_push(content_hash)).is_ok() {
				Variants::<T>::mutate(content_hash, |v| {
					if let Some(v) = v {
						v.song = into;
					}
				});
			} else {
				Variants::<T>::remove(content_hash);
				dropped = dropped.saturating_add(1);
			}
		}
		Songs::<T>::remove(song);
		VerdictVotes::<T>::remove(song);
		ByFingerprint::<T>::insert(record.fingerprint_hash, into);
		// The registration was another file of a known recording, not a
		// new song: nothing is left to vet, and its deposit goes back.
		Vetting::<T>::remove(song);
		UnvettedSongs::<T>::remove(&record.artist, song);
		Self::return_deposit(song);
		dropped
	}
}

impl<T: Config> SongCatalog<T::AccountId> for Pallet<T> {
	fn playable(
		song: SongId,
		content_hash: &ContentHash,
	) -> Result<PlayableSong<T::AccountId>, CatalogError> {
		let record = Songs::<T>::get(song).ok_or(CatalogError::UnknownSong)?;
		if record.status == SongStatus::Pending {
			return Err(CatalogError::NotActive);
		}
		// (A rejected song's files are freed: say why it does not play.)
		let approved = match Self::vetting(song, &record.artist) {
			Some(Decision::Rejected) => return Err(CatalogError::Rejected),
			Some(Decision::Approved) => true,
			None => false,
		};
		if Variants::<T>::get(content_hash).is_none_or(|v| v.song != song) {
			return Err(CatalogError::NotAVariant);
		}
		Ok(PlayableSong {
			artist: record.artist,
			duration_ms: record.duration_ms,
			splits: record.splits.into_inner(),
			hidden: record.status == SongStatus::Hidden,
			approved,
		})
	}

	fn payees(song: SongId) -> Option<(T::AccountId, alloc::vec::Vec<(T::AccountId, Permill)>)> {
		Songs::<T>::get(song).map(|r| (r.artist, r.splits.into_inner()))
	}
}
