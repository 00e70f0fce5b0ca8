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
//! `on_idle`, so state stays proportional to the last day's plays. Rate
//! limits count in chain time, never in the server's stamps.
//!
//! Serving is bonded (DESIGN §2.6): only an account that holds a serving
//! bond ([`Config::ServingBond`], under a hold) can countersign a rewarded
//! receipt, and each server settles at most [`Config::MaxServerPlaysPerDay`]
//! plays a day. Unbonding takes [`Config::UnbondingPeriod`], during which
//! the server cannot countersign and the moderators can still slash the
//! bond. Valid plays are free, so [`CheckPlayShare`] keeps them to
//! [`Config::MaxPlayShare`] of a block's normal weight: other transactions
//! are never crowded out.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod extension;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

pub use extension::CheckPlayShare;
pub use weights::WeightInfo;

use musicchain_primitives::{
	metadata::MAX_SPLITS,
	receipt::{verify_heartbeats, PlayRules, PlayStats, ReceiptError},
	traits::{CatalogError, PlayReward, PlayableSong, SongCatalog, Tier},
	Permill, SessionReceipt, SongId,
};
use polkadot_sdk::{
	frame_support::{
		dispatch::PostDispatchInfo,
		pallet_prelude::*,
		traits::{
			fungible::MutateHold,
			tokens::{Fortitude, Precision},
			UnixTime,
		},
	},
	frame_system::pallet_prelude::BlockNumberFor,
	sp_runtime::{
		traits::{IdentifyAccount, Saturating, Verify},
		DispatchError, Perbill,
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
	/// something), is approved by the moderators or not (`approved`), and
	/// its next play settles in royalty tier `tier`, at its most expensive:
	/// in the musicchain runtime an Active song in the registry; for the
	/// mature tier, an issuance above the burn curve's floor and `listener`
	/// funded to pay the burn.
	fn playable_song(
		listener: &AccountId,
		duration_ms: u32,
		splits: u32,
		tier: Tier,
		approved: bool,
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

	/// The storage layout version: 1 added serving bonds, which started
	/// empty, and counts [`LastPlay`] in chain time; 2 keeps a server's
	/// daily count in its [`Bond`] (version 1 had a map of its own, which
	/// every play read besides the bond).
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(2);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// A serving bond.
		ServingBond,
	}

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config {
		/// The native token, whose holds keep the serving bonds.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason, Balance = u128>
			+ polkadot_sdk::frame_support::traits::fungible::Mutate<Self::AccountId>;
		/// The runtime's hold reasons.
		type RuntimeHoldReason: From<HoldReason>;
		/// Who may slash a serving bond (a majority of the moderators' council).
		type ModeratorOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// What a server holds to countersign rewarded receipts.
		#[pallet::constant]
		type ServingBond: Get<u128>;
		/// Blocks from `unbond` until the bond can be withdrawn (and may
		/// still be slashed).
		#[pallet::constant]
		type UnbondingPeriod: Get<BlockNumberFor<Self>>;
		/// Rewarded plays one server countersigns per day (chain time).
		#[pallet::constant]
		type MaxServerPlaysPerDay: Get<u32>;
		/// Share of a block's normal weight that plays may fill.
		#[pallet::constant]
		type MaxPlayShare: Get<Perbill>;
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
	/// guard) and the chain time it settled at (cooldown).
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

	/// Serving bonds, by server, with the rewarded plays each countersigned
	/// today.
	#[pallet::storage]
	pub type Bonds<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, Bond<BlockNumberFor<T>>, OptionQuery>;

	/// Weight of the plays in this block so far (see [`CheckPlayShare`]).
	/// Lives within its block: `on_finalize` takes it, so it never reaches
	/// the database.
	#[pallet::storage]
	#[pallet::whitelist_storage]
	pub type BlockPlayWeight<T: Config> = StorageValue<_, Weight, ValueQuery>;

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
		/// An account bonded to serve.
		Bonded { server: T::AccountId, amount: u128 },
		/// A server started unbonding; it can withdraw at block `at`.
		Unbonding { server: T::AccountId, at: BlockNumberFor<T> },
		/// A server's bond was returned.
		BondWithdrawn { server: T::AccountId, amount: u128 },
		/// The moderators slashed a server's bond (burned).
		BondSlashed { server: T::AccountId, amount: u128 },
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
		/// The moderators rejected the song: it earns nothing.
		SongRejected,
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
		/// The server holds no serving bond (or is unbonding): it cannot
		/// countersign a rewarded receipt.
		ServerNotBonded,
		/// The server reached its daily cap of rewarded plays.
		ServerDailyLimitReached,
		/// The account already holds a serving bond.
		AlreadyBonded,
		/// The account's free balance cannot cover the serving bond.
		CannotHoldBond,
		/// The account holds no serving bond.
		NotBonded,
		/// The bond is already unbonding.
		AlreadyUnbonding,
		/// The bond is not unbonding, or its unbonding period has not passed.
		BondLocked,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// [`BlockPlayWeight`]'s one read per block (it is whitelisted).
		fn on_initialize(_n: BlockNumberFor<T>) -> Weight {
			T::DbWeight::get().reads(1)
		}

		fn on_finalize(_n: BlockNumberFor<T>) {
			BlockPlayWeight::<T>::kill();
		}

		fn on_idle(_n: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::sweep(remaining)
		}

		fn integrity_test() {
			assert!(
				T::MaxAdvanceMs::get() > 0 && T::MinCoverage::get() > Permill::zero(),
				"a play must hear something"
			);
			assert!(
				T::CooldownMs::get() >= T::MaxFutureMs::get(),
				"a receipt's future stamps must not outrun the cooldown"
			);
			assert!(
				T::MaxServerPlaysPerDay::get() > 0 && T::MaxPlaysPerDay::get() > 0,
				"plays must be able to settle"
			);
			assert!(
				T::MaxPlayShare::get() > Perbill::zero() && T::MaxPlayShare::get() < Perbill::one(),
				"plays take some of a block, never all of it"
			);
			assert!(T::ServingBond::get() > 0, "serving is bonded");
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
		/// - `UnknownSong`, `SongNotActive`, `NotAVariant`, `SongRejected`:
		///   the song or file.
		/// - `ReceiptExpired`, `ReceiptFromFuture`: the receipt's age.
		/// - `ReplayedReceipt`, `BadServerSignature`: replay or forgery.
		/// - `InstantCompletion`, `FastForward`, `RepeatedCoverage`,
		///   `InsufficientCoverage`: the heartbeats do not prove half the song.
		/// - `ServerNotBonded`: the server holds no serving bond.
		/// - `CooldownActive`, `DailyLimitReached`, `ServerDailyLimitReached`:
		///   rate limits.
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
			let reward = Self::settle(receipt, verified)?;
			let weight = Self::submit_weight(heartbeats, splits.min(MAX_SPLITS), Some(reward));
			Ok(PostDispatchInfo { actual_weight: Some(weight), pays_fee: Pays::No })
		}

		/// Holds [`Config::ServingBond`] from the signer, who can then
		/// countersign rewarded receipts.
		///
		/// # Errors
		/// - `AlreadyBonded`: the signer holds a bond (or is unbonding).
		/// - `CannotHoldBond`: the free balance does not cover it.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::bond())]
		pub fn bond(origin: OriginFor<T>) -> DispatchResult {
			let server = ensure_signed(origin)?;
			ensure!(!Bonds::<T>::contains_key(&server), Error::<T>::AlreadyBonded);
			let amount = T::ServingBond::get();
			T::Currency::hold(&HoldReason::ServingBond.into(), &server, amount)
				.map_err(|_| Error::<T>::CannotHoldBond)?;
			Bonds::<T>::insert(
				&server,
				Bond { amount, unbonding_at: None, served: DayCount::default() },
			);
			Self::deposit_event(Event::Bonded { server, amount });
			Ok(())
		}

		/// Starts unbonding: from now on the signer cannot countersign
		/// rewarded receipts; after [`Config::UnbondingPeriod`] blocks
		/// `withdraw_bond` returns the bond. Until then it can be slashed.
		///
		/// # Errors
		/// - `NotBonded`, `AlreadyUnbonding`.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::unbond())]
		pub fn unbond(origin: OriginFor<T>) -> DispatchResult {
			let server = ensure_signed(origin)?;
			let at = polkadot_sdk::frame_system::Pallet::<T>::block_number()
				.saturating_add(T::UnbondingPeriod::get());
			Bonds::<T>::try_mutate(&server, |bond| {
				let bond = bond.as_mut().ok_or(Error::<T>::NotBonded)?;
				ensure!(bond.unbonding_at.is_none(), Error::<T>::AlreadyUnbonding);
				bond.unbonding_at = Some(at);
				Ok::<_, Error<T>>(())
			})?;
			Self::deposit_event(Event::Unbonding { server, at });
			Ok(())
		}

		/// Returns an unbonded bond once its unbonding period has passed.
		///
		/// # Errors
		/// - `NotBonded`; `BondLocked` before the period ends (or without
		///   `unbond` first).
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::withdraw_bond())]
		pub fn withdraw_bond(origin: OriginFor<T>) -> DispatchResult {
			let server = ensure_signed(origin)?;
			let bond = Bonds::<T>::get(&server).ok_or(Error::<T>::NotBonded)?;
			let now = polkadot_sdk::frame_system::Pallet::<T>::block_number();
			ensure!(bond.unbonding_at.is_some_and(|at| now >= at), Error::<T>::BondLocked);
			let amount = T::Currency::release(
				&HoldReason::ServingBond.into(),
				&server,
				bond.amount,
				Precision::BestEffort,
			)?;
			Bonds::<T>::remove(&server);
			Self::deposit_event(Event::BondWithdrawn { server, amount });
			Ok(())
		}

		/// Burns a server's bond (bonded or unbonding): it can no longer
		/// countersign rewarded receipts until it bonds again.
		///
		/// # Errors
		/// - `BadOrigin` unless the moderator origin; `NotBonded`.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::slash_bond())]
		pub fn slash_bond(origin: OriginFor<T>, server: T::AccountId) -> DispatchResult {
			T::ModeratorOrigin::ensure_origin(origin)?;
			let bond = Bonds::<T>::take(&server).ok_or(Error::<T>::NotBonded)?;
			let amount = T::Currency::burn_held(
				&HoldReason::ServingBond.into(),
				&server,
				bond.amount,
				Precision::BestEffort,
				Fortitude::Force,
			)?;
			Self::deposit_event(Event::BondSlashed { server, amount });
			Ok(())
		}
	}
}

/// A server's bond.
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
pub struct Bond<BlockNumber> {
	/// Held from the server.
	pub amount: u128,
	/// When unbonding, the block from which it can be withdrawn.
	pub unbonding_at: Option<BlockNumber>,
	/// Rewarded plays the server countersigned on its last day of serving
	/// (chain time, UTC).
	pub served: DayCount,
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
	/// Chain time (unix ms) of the block the play settled in.
	pub at_ms: u64,
}

/// Rewarded plays on one day.
#[derive(
	Clone,
	Copy,
	Default,
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
pub struct VerifiedPlay<AccountId, BlockNumber> {
	pub song: PlayableSong<AccountId>,
	pub stats: PlayStats,
	/// Chain time of the settlement.
	pub at_ms: u64,
	pub day: u32,
	pub day_count: u32,
	/// The server's bond, with this play counted.
	pub bond: Bond<BlockNumber>,
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
	/// `splits` royalty splits that settled as `reward` says (`None`:
	/// whichever settlement costs most). A play credited in the discovery
	/// tier is charged as measured by `submit_credited`; one credited in the
	/// mature tier burns like a mature play and credits instead of minting,
	/// and is charged as a mature play.
	///
	/// The settlements are measured with one heartbeat; what each further
	/// heartbeat costs (the signature over a longer receipt, the coverage
	/// union) is measured once, by `check_receipt`, and added. A single fit
	/// over 1 to `MaxHeartbeats` heartbeats would extrapolate the intercept,
	/// which is what a 5-minute play costs, from a range 80 times longer.
	pub fn submit_weight(heartbeats: usize, splits: u32, reward: Option<PlayReward>) -> Weight {
		let h = u32::try_from(heartbeats).unwrap_or(u32::MAX);
		let per_heartbeat =
			T::WeightInfo::check_receipt(h.max(1)).saturating_sub(T::WeightInfo::check_receipt(1));
		let in_tier = |tier| match tier {
			Tier::Discovery => T::WeightInfo::submit_discovery(splits),
			Tier::Mature => T::WeightInfo::submit_mature(splits),
		};
		let credited = T::WeightInfo::submit_credited(splits);
		let settlement = match reward {
			Some(r) if r.credited && r.tier == Tier::Discovery => credited,
			Some(r) => in_tier(r.tier),
			None => in_tier(Tier::Discovery).max(in_tier(Tier::Mature)).max(credited),
		};
		settlement.saturating_add(per_heartbeat)
	}

	fn now_ms() -> u64 {
		u64::try_from(T::Time::now().as_millis()).unwrap_or(u64::MAX)
	}

	/// Every gate of DESIGN §2.2, without changing state.
	pub fn check(
		who: &T::AccountId,
		receipt: &SessionReceipt<T::AccountId>,
		server_signature: &T::ReceiptSignature,
	) -> Result<VerifiedPlay<T::AccountId, BlockNumberFor<T>>, Error<T>> {
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
				CatalogError::Rejected => Error::<T>::SongRejected,
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

		let bond = Bonds::<T>::get(&receipt.server)
			.filter(|b| b.unbonding_at.is_none())
			.ok_or(Error::<T>::ServerNotBonded)?;
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

		// Rate limits count in chain time: the receipt's stamps are the
		// server's word, and a server can stamp whatever it likes.
		ensure!(
			previous.is_none_or(|p| now >= p.at_ms.saturating_add(T::CooldownMs::get())),
			Error::<T>::CooldownActive
		);
		let day = u32::try_from(now / DAY_MS).unwrap_or(u32::MAX);
		let day_count = match DailyPlays::<T>::get(&receipt.listener) {
			Some(d) if d.day == day => d.count,
			_ => 0,
		};
		ensure!(day_count < T::MaxPlaysPerDay::get(), Error::<T>::DailyLimitReached);
		let server_count = if bond.served.day == day { bond.served.count } else { 0 };
		ensure!(server_count < T::MaxServerPlaysPerDay::get(), Error::<T>::ServerDailyLimitReached);
		let bond = Bond { served: DayCount { day, count: server_count.saturating_add(1) }, ..bond };

		Ok(VerifiedPlay { song, stats, at_ms: now, day, day_count, bond })
	}

	/// Pays out a verified play and records it; returns what it paid.
	fn settle(
		receipt: SessionReceipt<T::AccountId>,
		play: VerifiedPlay<T::AccountId, BlockNumberFor<T>>,
	) -> Result<PlayReward, DispatchError> {
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
		Bonds::<T>::insert(&receipt.server, play.bond);
		Self::deposit_event(Event::PlaySettled {
			song: receipt.song,
			listener: receipt.listener,
			server: receipt.server,
			heard_ms: play.stats.unique_ms,
			reward,
		});
		Ok(reward)
	}

	/// The plays' invariants: no day counts more plays than its cap, and
	/// every bond is held.
	pub fn do_try_state() -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
		use polkadot_sdk::frame_support::traits::fungible::InspectHold;
		for (_, d) in DailyPlays::<T>::iter() {
			ensure!(d.count <= T::MaxPlaysPerDay::get(), "a listener above the daily cap");
		}
		for (server, bond) in Bonds::<T>::iter() {
			ensure!(
				bond.served.count <= T::MaxServerPlaysPerDay::get(),
				"a server above the daily cap"
			);
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::ServingBond.into(), &server)
					== bond.amount,
				"a bond that is not held"
			);
		}
		ensure!(
			BlockPlayWeight::<T>::get().all_lte(Self::play_weight_limit()),
			"plays above their share of the block"
		);
		Ok(())
	}

	/// The weight all plays of a block may add up to: [`Config::MaxPlayShare`]
	/// of the block's normal weight.
	pub fn play_weight_limit() -> Weight {
		let weights = T::BlockWeights::get();
		let normal = weights
			.get(polkadot_sdk::frame_support::dispatch::DispatchClass::Normal)
			.max_total
			.unwrap_or(weights.max_block);
		Weight::from_parts(
			T::MaxPlayShare::get().mul_floor(normal.ref_time()),
			T::MaxPlayShare::get().mul_floor(normal.proof_size()),
		)
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

/// Storage migrations of the play proofs.
pub mod migrations {
	use super::*;
	use polkadot_sdk::frame_support::{
		migrations::VersionedMigration, traits::UncheckedOnRuntimeUpgrade,
	};

	/// A version bump whose new storage starts empty: nothing to move.
	pub struct NothingToMove;

	impl UncheckedOnRuntimeUpgrade for NothingToMove {
		fn on_runtime_upgrade() -> Weight {
			Weight::zero()
		}
	}

	/// Version 0 to 1 adds serving bonds, which start empty. [`LastPlay`]
	/// marks written before hold a receipt's last stamp instead of the
	/// settling block's time; both are within a minute or two of each other
	/// for an honest server, and the marks expire within a day, so they
	/// stay as they are.
	pub type MigrateToV1<T> = VersionedMigration<
		0,
		1,
		NothingToMove,
		Pallet<T>,
		<T as polkadot_sdk::frame_system::Config>::DbWeight,
	>;
	/// Version 1 to 2 moves each server's daily count from its own map
	/// into the server's [`Bond`] (one read less per play).
	pub mod v2 {
		use super::*;
		use polkadot_sdk::frame_support::storage_alias;

		/// A bond as version 1 stored it.
		#[derive(Encode, Decode)]
		pub struct OldBond<BlockNumber> {
			pub amount: u128,
			pub unbonding_at: Option<BlockNumber>,
		}

		/// Version 1's daily counts of the servers.
		#[storage_alias]
		pub type ServerDailyPlays<T: Config> = StorageMap<
			Pallet<T>,
			Blake2_128Concat,
			<T as polkadot_sdk::frame_system::Config>::AccountId,
			DayCount,
			OptionQuery,
		>;

		/// Rewrites every bond with its server's count, then removes the
		/// counts' map. One entry per bonded server (each holds 100 MUSIC),
		/// so the bonds are few enough to move in one block.
		pub struct Inner<T>(core::marker::PhantomData<T>);

		impl<T: Config> UncheckedOnRuntimeUpgrade for Inner<T> {
			fn on_runtime_upgrade() -> Weight {
				let mut bonds = 0u64;
				Bonds::<T>::translate::<OldBond<BlockNumberFor<T>>, _>(|server, old| {
					bonds = bonds.saturating_add(1);
					let served = ServerDailyPlays::<T>::take(&server).unwrap_or_default();
					Some(Bond { amount: old.amount, unbonding_at: old.unbonding_at, served })
				});
				// Counts of servers without a bond (none, by version 1's
				// try_state) go with the map.
				let stale = ServerDailyPlays::<T>::clear(u32::MAX, None);
				T::DbWeight::get().reads_writes(
					bonds.saturating_mul(2).saturating_add(u64::from(stale.loops)),
					bonds.saturating_mul(2).saturating_add(u64::from(stale.unique)),
				)
			}
		}

		/// The versioned migration from 1 to 2.
		pub type MigrateToV2<T> = VersionedMigration<
			1,
			2,
			Inner<T>,
			Pallet<T>,
			<T as polkadot_sdk::frame_system::Config>::DbWeight,
		>;
	}
}
