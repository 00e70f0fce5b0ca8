//! # Plays
//!
//! Verifies play proofs (DESIGN §2.2). A serving peer signs a
//! [`SessionReceipt`] with the heartbeats it stamped during a play; the
//! listener submits it here. A receipt that passes every gate settles once
//! through [`Config::Settlement`] (the royalty rules) and the listener's fee
//! is refunded; a receipt that fails any gate is rejected with its own error, pays the
//! fee and changes nothing.
//!
//! Replay and rate-limit state is one entry per (listener, song) and one per
//! listener; entries that no receipt can touch any more are swept in
//! `on_idle`, so state stays proportional to the last day's plays.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

pub use weights::WeightInfo;

use musicchain_primitives::{
	metadata::MAX_SPLITS,
	receipt::{verify_heartbeats, PlayRules, PlayStats, ReceiptError},
	traits::{CatalogError, PlayReward, PlayableSong, SongCatalog, Tier},
	Permill, SessionReceipt, SongId,
};
use polkadot_sdk::{
	frame_support::{dispatch::PostDispatchInfo, pallet_prelude::*, traits::UnixTime},
	sp_runtime::{
		traits::{IdentifyAccount, Verify},
		DispatchError,
	},
};

/// Pays out a verified play (implemented by the royalties pallet).
pub trait PlaySettlement<AccountId> {
	/// Settles one verified play of `song`. An error aborts the submission.
	fn settle(
		song: SongId,
		payees: &PlayableSong<AccountId>,
		listener: &AccountId,
		server: &AccountId,
	) -> Result<PlayReward, DispatchError>;
}

/// What the benchmarks need from the runtime that this pallet cannot do
/// itself: a song to play and a clock to set.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Makes a song playable for rewards and returns its id and the content
	/// hash of one of its variants.
	///
	/// The song lasts `duration_ms` (at most 6 h), has exactly `splits`
	/// royalty splits (at most [`MAX_SPLITS`]; distinct beneficiaries that
	/// have no account or escrow yet, each share large enough to be paid
	/// something), and its next play settles in royalty tier `tier`, at its
	/// most expensive: in the musicchain runtime an Active song in the
	/// registry; for the mature tier, an issuance above the burn curve's
	/// floor and `listener` funded to pay the burn.
	fn playable_song(
		listener: &AccountId,
		duration_ms: u32,
		splits: u32,
		tier: Tier,
	) -> (SongId, musicchain_primitives::ContentHash);

	/// Sets chain time, as [`Config::Time`] reads it, to `now_ms`.
	fn set_time_ms(now_ms: u64);
}

/// Milliseconds in a day, for the daily play cap.
pub const DAY_MS: u64 = 86_400_000;

#[polkadot_sdk::frame_support::pallet]
pub mod pallet {
	use super::*;
	use polkadot_sdk::frame_system::pallet_prelude::*;

	#[pallet::pallet]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config {
		/// The song registry.
		type Songs: SongCatalog<Self::AccountId>;
		/// The royalty rules a verified play settles by.
		type Settlement: PlaySettlement<Self::AccountId>;
		/// Chain time (the timestamp pallet).
		type Time: UnixTime;
		/// The serving peer's signature over a receipt.
		type ReceiptSignature: Verify<Signer: IdentifyAccount<AccountId = Self::AccountId>>
			+ Parameter
			+ MaxEncodedLen
			+ DecodeWithMemTracking;
		/// Share of the song the distinct played ranges must cover.
		#[pallet::constant]
		type MinCoverage: Get<Permill>;
		/// Most audio one heartbeat may advance, in ms.
		#[pallet::constant]
		type MaxAdvanceMs: Get<u32>;
		/// Tolerance on every advance, in ms.
		#[pallet::constant]
		type GraceMs: Get<u32>;
		/// Receipts are accepted up to this long after their last heartbeat, in ms.
		#[pallet::constant]
		type MaxReceiptAgeMs: Get<u64>;
		/// Heartbeat stamps may be at most this far ahead of chain time, in ms.
		#[pallet::constant]
		type MaxFutureMs: Get<u64>;
		/// One rewarded play per listener and song per this period, in ms.
		#[pallet::constant]
		type CooldownMs: Get<u64>;
		/// Rewarded plays per listener per day.
		#[pallet::constant]
		type MaxPlaysPerDay: Get<u32>;
		/// Most heartbeats in one receipt.
		#[pallet::constant]
		type MaxHeartbeats: Get<u32>;
		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
		/// Sets up the benchmarks (see [`BenchmarkHelper`]).
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// The last settled receipt of a listener for a song: its nonce (replay
	/// guard) and its last heartbeat time (cooldown).
	#[pallet::storage]
	pub type LastPlay<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Twox64Concat,
		SongId,
		PlayMark,
		OptionQuery,
	>;

	/// Rewarded plays of a listener on one day (chain time, UTC).
	#[pallet::storage]
	pub type DailyPlays<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, DayCount, OptionQuery>;

	/// Where the `on_idle` sweep of expired [`LastPlay`] entries resumes.
	#[pallet::storage]
	pub type SweepCursor<T: Config> = StorageValue<_, BoundedVec<u8, ConstU32<128>>, OptionQuery>;

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A play was verified and settled.
		PlaySettled {
			song: SongId,
			listener: T::AccountId,
			server: T::AccountId,
			/// Distinct milliseconds of the song heard.
			heard_ms: u32,
			reward: PlayReward,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The transaction's signer is not the receipt's listener.
		SignerNotListener,
		/// The listener and the server are the same account.
		SelfServe,
		/// The receipt carries more heartbeats than allowed.
		TooManyHeartbeats,
		/// No song with this id.
		UnknownSong,
		/// The song is still awaiting its dedupe verdict.
		SongNotActive,
		/// The content hash is not a variant of the song.
		NotAVariant,
		/// The last heartbeat is older than the accepted receipt age.
		ReceiptExpired,
		/// A heartbeat is stamped further in the future than allowed.
		ReceiptFromFuture,
		/// This listener already settled a receipt with this nonce.
		ReplayedReceipt,
		/// The server's signature does not match the receipt on this chain.
		BadServerSignature,
		/// The receipt holds no heartbeat.
		NoHeartbeats,
		/// Heartbeat time stamps are not strictly increasing.
		HeartbeatsOutOfOrder,
		/// A heartbeat range is empty, reversed, or past the end of the song.
		InvalidHeartbeatRange,
		/// The session was shorter in wall time than the share of the song claimed.
		InstantCompletion,
		/// A heartbeat advanced more audio than wall time allows.
		FastForward,
		/// The same part was played over and over: too few distinct seconds.
		RepeatedCoverage,
		/// Less than the required share of the song was played.
		InsufficientCoverage,
		/// This listener was rewarded for this song within the cooldown.
		CooldownActive,
		/// This listener reached the daily cap of rewarded plays.
		DailyLimitReached,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_idle(_n: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::sweep(remaining)
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Submits a server-signed receipt of a play by the signer.
		///
		/// A valid play settles through the royalty rules and is free: the
		/// fee the transaction payment extension took up front is refunded
		/// in full (`Pays::No`). An invalid one pays the fee and changes
		/// nothing. The receipt is verified once, here: a `feeless_if` check
		/// in the extension would verify every signature twice, so the
		/// signer needs a balance that covers the fee for a moment (a few
		/// thousandths of a MUSIC) instead. The declared weight assumes the
		/// most royalty splits a song can have and the costlier royalty
		/// tier; a settled play is charged for the splits its song really
		/// has and the tier it settled in (see [`Pallet::submit_weight`]).
		///
		/// # Errors
		/// - `SignerNotListener`, `SelfServe`: wrong parties.
		/// - `TooManyHeartbeats`, `NoHeartbeats`, `HeartbeatsOutOfOrder`,
		///   `InvalidHeartbeatRange`: malformed heartbeats.
		/// - `UnknownSong`, `SongNotActive`, `NotAVariant`: the song or file.
		/// - `ReceiptExpired`, `ReceiptFromFuture`: the receipt's age.
		/// - `ReplayedReceipt`, `BadServerSignature`: replay or forgery.
		/// - `InstantCompletion`, `FastForward`, `RepeatedCoverage`,
		///   `InsufficientCoverage`: the heartbeats do not prove half the song.
		/// - `CooldownActive`, `DailyLimitReached`: rate limits.
		/// - Settlement errors (e.g. the listener cannot pay the burn).
		#[pallet::call_index(0)]
		#[pallet::weight(Pallet::<T>::submit_weight(receipt.heartbeats.len(), MAX_SPLITS, None))]
		pub fn submit(
			origin: OriginFor<T>,
			receipt: SessionReceipt<T::AccountId>,
			server_signature: T::ReceiptSignature,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let verified = Self::check(&who, &receipt, &server_signature)?;
			let splits = u32::try_from(verified.song.splits.len()).unwrap_or(u32::MAX);
			let heartbeats = receipt.heartbeats.len();
			let tier = Self::settle(receipt, verified)?;
			let weight = Self::submit_weight(heartbeats, splits.min(MAX_SPLITS), Some(tier));
			Ok(PostDispatchInfo { actual_weight: Some(weight), pays_fee: Pays::No })
		}
	}
}

/// A listener's last settled receipt for a song.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct PlayMark {
	pub nonce: u64,
	pub at_ms: u64,
}

/// Rewarded plays on one day.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct DayCount {
	pub day: u32,
	pub count: u32,
}

/// A receipt that passed every gate.
pub struct VerifiedPlay<AccountId> {
	pub song: PlayableSong<AccountId>,
	pub stats: PlayStats,
	pub at_ms: u64,
	pub day: u32,
	pub day_count: u32,
}

impl<T: Config> Pallet<T> {
	/// The rules heartbeats are judged by.
	pub fn rules() -> PlayRules {
		PlayRules {
			min_coverage: T::MinCoverage::get(),
			max_advance_ms: T::MaxAdvanceMs::get(),
			grace_ms: T::GraceMs::get(),
		}
	}

	/// Weight of `submit` with `heartbeats` heartbeats for a song with
	/// `splits` royalty splits settling in `tier` (`None`: whichever tier
	/// costs more).
	pub fn submit_weight(heartbeats: usize, splits: u32, tier: Option<Tier>) -> Weight {
		let h = u32::try_from(heartbeats).unwrap_or(u32::MAX);
		let in_tier = |tier| match tier {
			Tier::Discovery => T::WeightInfo::submit_discovery(h, splits),
			Tier::Mature => T::WeightInfo::submit_mature(h, splits),
		};
		match tier {
			Some(tier) => in_tier(tier),
			None => in_tier(Tier::Discovery).max(in_tier(Tier::Mature)),
		}
	}

	fn now_ms() -> u64 {
		u64::try_from(T::Time::now().as_millis()).unwrap_or(u64::MAX)
	}

	/// Every gate of DESIGN §2.2, without changing state.
	pub fn check(
		who: &T::AccountId,
		receipt: &SessionReceipt<T::AccountId>,
		server_signature: &T::ReceiptSignature,
	) -> Result<VerifiedPlay<T::AccountId>, Error<T>> {
		ensure!(*who == receipt.listener, Error::<T>::SignerNotListener);
		ensure!(receipt.listener != receipt.server, Error::<T>::SelfServe);
		ensure!(
			receipt.heartbeats.len() <= T::MaxHeartbeats::get() as usize,
			Error::<T>::TooManyHeartbeats
		);
		let song =
			T::Songs::playable(receipt.song, &receipt.content_hash).map_err(|e| match e {
				CatalogError::UnknownSong => Error::<T>::UnknownSong,
				CatalogError::NotActive => Error::<T>::SongNotActive,
				CatalogError::NotAVariant => Error::<T>::NotAVariant,
			})?;

		let now = Self::now_ms();
		let latest =
			receipt.heartbeats.iter().map(|h| h.at_ms).max().ok_or(Error::<T>::NoHeartbeats)?;
		let last_at = receipt.last_at_ms().ok_or(Error::<T>::NoHeartbeats)?;
		ensure!(latest <= now.saturating_add(T::MaxFutureMs::get()), Error::<T>::ReceiptFromFuture);
		ensure!(
			last_at.saturating_add(T::MaxReceiptAgeMs::get()) >= now,
			Error::<T>::ReceiptExpired
		);

		let previous = LastPlay::<T>::get(&receipt.listener, receipt.song);
		ensure!(previous.is_none_or(|p| p.nonce != receipt.nonce), Error::<T>::ReplayedReceipt);

		let genesis = polkadot_sdk::frame_system::Pallet::<T>::block_hash(
			polkadot_sdk::frame_system::pallet_prelude::BlockNumberFor::<T>::default(),
		);
		let payload = receipt.signing_payload(genesis.as_ref());
		ensure!(
			server_signature.verify(&payload[..], &receipt.server),
			Error::<T>::BadServerSignature
		);

		let stats = verify_heartbeats(&receipt.heartbeats, song.duration_ms, &Self::rules())
			.map_err(|e| match e {
				ReceiptError::NoHeartbeats => Error::<T>::NoHeartbeats,
				ReceiptError::HeartbeatsOutOfOrder => Error::<T>::HeartbeatsOutOfOrder,
				ReceiptError::InvalidRange => Error::<T>::InvalidHeartbeatRange,
				ReceiptError::InstantCompletion => Error::<T>::InstantCompletion,
				ReceiptError::FastForward => Error::<T>::FastForward,
				ReceiptError::RepeatedCoverage => Error::<T>::RepeatedCoverage,
				ReceiptError::InsufficientCoverage => Error::<T>::InsufficientCoverage,
			})?;

		ensure!(
			previous.is_none_or(|p| last_at >= p.at_ms.saturating_add(T::CooldownMs::get())),
			Error::<T>::CooldownActive
		);
		let day = u32::try_from(now / DAY_MS).unwrap_or(u32::MAX);
		let day_count = match DailyPlays::<T>::get(&receipt.listener) {
			Some(d) if d.day == day => d.count,
			_ => 0,
		};
		ensure!(day_count < T::MaxPlaysPerDay::get(), Error::<T>::DailyLimitReached);

		Ok(VerifiedPlay { song, stats, at_ms: last_at, day, day_count })
	}

	/// Pays out a verified play and records it; returns the tier it settled in.
	fn settle(
		receipt: SessionReceipt<T::AccountId>,
		play: VerifiedPlay<T::AccountId>,
	) -> Result<Tier, DispatchError> {
		let reward =
			T::Settlement::settle(receipt.song, &play.song, &receipt.listener, &receipt.server)?;
		LastPlay::<T>::insert(
			&receipt.listener,
			receipt.song,
			PlayMark { nonce: receipt.nonce, at_ms: play.at_ms },
		);
		DailyPlays::<T>::insert(
			&receipt.listener,
			DayCount { day: play.day, count: play.day_count.saturating_add(1) },
		);
		Self::deposit_event(Event::PlaySettled {
			song: receipt.song,
			listener: receipt.listener,
			server: receipt.server,
			heard_ms: play.stats.unique_ms,
			reward,
		});
		Ok(reward.tier)
	}

	/// Removes replay and rate-limit entries no receipt can touch any more:
	/// a [`LastPlay`] older than both the cooldown and the receipt age plus a
	/// day (any receipt it could guard against is expired), and [`DailyPlays`]
	/// of past days. Resumes where the last sweep stopped; stops within `remaining`.
	pub fn sweep(remaining: Weight) -> Weight {
		let per_entry = T::WeightInfo::sweep_entry();
		let base = T::DbWeight::get().reads_writes(1, 1);
		let Some(budget) = remaining.checked_sub(&base) else { return Weight::zero() };
		let max_entries = budget.ref_time().checked_div(per_entry.ref_time().max(1)).unwrap_or(0);
		let max_entries = max_entries.min(256) as usize;
		if max_entries == 0 {
			return Weight::zero();
		}
		let now = Self::now_ms();
		// A receipt may be submitted up to MaxReceiptAgeMs after its last
		// heartbeat, so the day its play was counted on can be a day later
		// than `at_ms`. Keeping each mark one more day means the listener's
		// DailyPlays entry is already stale when the mark is removed, and the
		// visit that removes the last mark removes it too (no orphans).
		let keep_ms = T::CooldownMs::get().max(T::MaxReceiptAgeMs::get()).saturating_add(DAY_MS);
		let today = u32::try_from(now / DAY_MS).unwrap_or(u32::MAX);

		let cursor = SweepCursor::<T>::get();
		let mut iter = match &cursor {
			Some(raw) => LastPlay::<T>::iter_from(raw.to_vec()),
			None => LastPlay::<T>::iter(),
		};
		let mut visited = 0usize;
		let mut last_key = None;
		for (listener, song, mark) in iter.by_ref().take(max_entries) {
			visited += 1;
			if mark.at_ms.saturating_add(keep_ms) < now {
				LastPlay::<T>::remove(&listener, song);
			}
			if DailyPlays::<T>::get(&listener).is_some_and(|d| d.day < today) {
				DailyPlays::<T>::remove(&listener);
			}
			last_key = Some(LastPlay::<T>::hashed_key_for(&listener, song));
		}
		match last_key.and_then(|k| BoundedVec::try_from(k).ok()) {
			Some(k) if visited == max_entries => SweepCursor::<T>::put(k),
			_ => SweepCursor::<T>::kill(),
		}
		base.saturating_add(per_entry.saturating_mul(visited.max(1) as u64))
	}
}
