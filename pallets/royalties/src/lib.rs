//! # Royalties
//!
//! Pays out settled plays (DESIGN §2.3) and keeps the artist escrow.
//!
//! A song the moderators have not approved (nor its artist) mints nothing
//! (DESIGN §2.6): its plays settle as pending [`Credits`] for the listener
//! and the server, and the artist's part as [`SongLedger::credited`] (split
//! per the song's splits when it is paid), none of which moves total
//! issuance or the burn curve. When the song is approved its credits are
//! paid out, [`Config::CreditPayoutsPerBlock`] accounts a block, through
//! [`Payouts`]; when it is rejected they are voided the same way.
//!
//! Per play of an approved song with `n` prior plays:
//! - `n < DiscoveryPlays` (discovery tier): the listener (discoverer), the
//!   server and the artist each get `Reward`, the artist's part split per
//!   the song's royalty splits (approval is the moderators' release).
//! - otherwise (mature tier): the listener burns the supply curve's quote
//!   (and cannot settle without paying it), the server and the artist get
//!   `Reward` as above.
//!
//! The artist's part is not paid play by play: a song has as many as
//! [`musicchain_primitives::MAX_SPLITS`] + 1 beneficiaries, and writing each
//! of their accounts on every play was most of a play's weight. It is
//! minted into the royalty account (with the block's escrow, below) and
//! added to what the song owes ([`SongLedger::owed`] in [`Ledger`], which
//! the play writes anyway for its count). Each time a song's debt passes a
//! multiple of [`Config::RoyaltyPayoutAt`] the song is queued
//! ([`RoyaltiesDue`]) and the next block pays it out to the artist and the
//! splits; its artist or a beneficiary may pay it out at once
//! (`pay_royalties`), and a change of splits pays the old beneficiaries
//! first.
//!
//! A share too small to open its beneficiary's account (below the
//! existential deposit) is escrowed instead, so it is never lost and never
//! blocks a payout; the moderator origin releases escrow to the account it
//! was held for (approving an artist releases the artist's).
//!
//! Discovery-tier mints (the plays of approved songs and the credits paid
//! out) count against a daily budget ([`DiscoveryBudget`], set at genesis
//! and by governance; a chain day is a UTC day of chain time). A play that
//! does not fit what is left of the day's budget settles as credits of its
//! song, paid out first thing when the budget allows (the next day), so
//! nothing is lost and the budget is never exceeded.
//!
//! Every mint goes through the supply pallet's cap check: a refused mint is an
//! event, and the play still counts.
//!
//! The royalty (escrow) account is minted into once per block: each play
//! adds the artist's part to [`PendingEscrow`] (reserved under the cap at
//! once, and the song's [`SongLedger::owed`] updated at once), and
//! `on_finalize` mints the block's total. The royalty account is the one
//! item every play would otherwise write; [`PendingEscrow`] lives only
//! within its block and never reaches the database, so it is whitelisted in
//! the benchmarks and the mint is charged once per block. Between blocks
//! the royalty account holds exactly what is owed: the songs' debts and the
//! escrow.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::vec::Vec;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

pub use weights::WeightInfo;

use musicchain_primitives::metadata::MAX_SPLITS;
use musicchain_primitives::{
	metadata::distribute,
	traits::{OnVetted, PlayReward, PlayableSong, SongCatalog, Tier},
	Permill, SongId,
};
use pallet_musicchain_plays::PlaySettlement;
use pallet_musicchain_supply::SupplyControl;
use polkadot_sdk::frame_support::storage::with_storage_layer;
use polkadot_sdk::{
	frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{Inspect, Mutate},
			tokens::{DepositConsequence, Preservation, Provenance},
			UnixTime,
		},
		PalletId,
	},
	sp_runtime::{traits::AccountIdConversion, DispatchError},
};

/// What the benchmarks need from the runtime that this pallet cannot do
/// itself: a song in the registry.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Registers a song with these splits (whose [`SongCatalog::payees`]
	/// then returns them) that owes `amount` ([`SongLedger::owed`]), held in
	/// the royalty account; returns its id.
	fn song_owing(splits: &[(AccountId, musicchain_primitives::Permill)], amount: u128) -> SongId;
}

#[polkadot_sdk::frame_support::pallet]
pub mod pallet {
	use super::*;
	use polkadot_sdk::frame_system::pallet_prelude::*;

	/// The storage layout version (1: pending credits and payouts, which
	/// need no migration: both start empty; 2: a song's play count became
	/// its [`Ledger`]).
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(2);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: polkadot_sdk::frame_system::Config {
		/// The native token.
		type Currency: Mutate<Self::AccountId, Balance = u128>;
		/// Mints and burns under the issuance cap.
		type Supply: SupplyControl<Self::AccountId>;
		/// Who may release escrow (a majority of the moderators' council).
		type ModeratorOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// The account that holds the escrow.
		#[pallet::constant]
		type PalletId: Get<PalletId>;
		/// Plays per song in the discovery tier.
		#[pallet::constant]
		type DiscoveryPlays: Get<u32>;
		/// What each party earns per play.
		#[pallet::constant]
		type Reward: Get<u128>;
		/// Credits (one account's of one song) paid out or voided per block.
		/// More than [`MAX_SPLITS`]: a song's artist and all its splits are
		/// paid in one block.
		#[pallet::constant]
		type CreditPayoutsPerBlock: Get<u32>;
		/// A song's royalties are queued to be paid out each time what it
		/// owes passes a multiple of this.
		#[pallet::constant]
		type RoyaltyPayoutAt: Get<u128>;
		/// Songs queued for payout at once (all of them are paid out the
		/// next block; a song that finds the queue full is queued when its
		/// debt passes the next multiple, or paid out on demand).
		#[pallet::constant]
		type MaxRoyaltiesDue: Get<u32>;
		/// Who each song pays (its artist and splits).
		type Songs: SongCatalog<Self::AccountId>;
		/// Chain time, for the days of the discovery budget.
		type Time: UnixTime;
		/// Who may change the daily discovery budget (governance: Root).
		type BudgetOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// The daily discovery budget of a chain whose genesis sets none.
		#[pallet::constant]
		type DefaultDiscoveryBudget: Get<u128>;
		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
		/// Sets up the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// Each song's settled plays and what it owes its artist and splits.
	#[pallet::storage]
	pub type Ledger<T: Config> = StorageMap<_, Twox64Concat, SongId, SongLedger, ValueQuery>;

	/// Songs whose royalties the next block pays out (see
	/// [`Config::RoyaltyPayoutAt`]). Written by the plays that pass a
	/// payout mark and emptied by the next `on_initialize`: whitelisted in
	/// the benchmarks and charged once per block there, like
	/// [`DiscoveryMinted`].
	#[pallet::storage]
	#[pallet::whitelist_storage]
	pub type RoyaltiesDue<T: Config> =
		StorageValue<_, BoundedVec<SongId, T::MaxRoyaltiesDue>, ValueQuery>;

	/// Escrowed royalties owed to each beneficiary.
	#[pallet::storage]
	pub type Escrow<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u128, ValueQuery>;

	/// Pending credits: what plays of a song that is not approved owe each
	/// account (listener, server, artist and split beneficiaries). Not
	/// minted: paid out when the song is approved, void when it is rejected.
	#[pallet::storage]
	pub type Credits<T: Config> =
		StorageDoubleMap<_, Twox64Concat, SongId, Blake2_128Concat, T::AccountId, u128, ValueQuery>;

	/// Songs whose credits are being paid out (approved) or voided
	/// (rejected), [`Config::CreditPayoutsPerBlock`] credits a block.
	#[pallet::storage]
	pub type Payouts<T: Config> = StorageMap<_, Twox64Concat, SongId, Payout, OptionQuery>;

	/// The most MUSIC discovery-tier plays (and the credits paid out) may
	/// mint per chain day.
	///
	/// Every discovery play reads it, and [`DiscoveryMinted`], which every
	/// such play writes: both are whitelisted in the benchmarks and charged
	/// once per block in `on_initialize` (a value written many times in a
	/// block reaches the database once, when the block is committed).
	#[pallet::storage]
	#[pallet::whitelist_storage]
	pub type DiscoveryBudget<T: Config> =
		StorageValue<_, u128, ValueQuery, T::DefaultDiscoveryBudget>;

	/// What discovery-tier plays minted on the current chain day (charged
	/// per block, see [`DiscoveryBudget`]).
	#[pallet::storage]
	#[pallet::whitelist_storage]
	pub type DiscoveryMinted<T: Config> = StorageValue<_, DayTotal, ValueQuery>;

	/// Escrow of this block's plays, not yet minted into the escrow account
	/// (`on_finalize` mints it, and takes it: it is always empty between
	/// blocks).
	#[pallet::storage]
	#[pallet::whitelist_storage]
	pub type PendingEscrow<T: Config> = StorageValue<_, u128, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(polkadot_sdk::frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The daily discovery budget; `None`: [`Config::DefaultDiscoveryBudget`].
		pub discovery_budget: Option<u128>,
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			// The escrow account exists from genesis with the existential
			// deposit, so escrow of any size can be credited to it.
			let account = Pallet::<T>::account_id();
			let ed = T::Currency::minimum_balance();
			if T::Currency::balance(&account) < ed {
				let _ = T::Currency::mint_into(&account, ed);
			}
			if let Some(budget) = self.discovery_budget {
				DiscoveryBudget::<T>::put(budget);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// What a song owed its artist and splits was paid out: `paid` to
		/// their accounts (a `RoyaltyPaid` each), `escrowed` held for
		/// beneficiaries whose share could not open their account (see
		/// [`Escrow`]).
		RoyaltiesPaid { song: SongId, paid: u128, escrowed: u128 },
		/// One beneficiary's share of a song's royalties was paid.
		RoyaltyPaid { song: SongId, beneficiary: T::AccountId, amount: u128 },
		/// Escrow was released to the account it was held for.
		EscrowReleased { beneficiary: T::AccountId, amount: u128 },
		/// Credits of an approved song were paid out to `accounts` accounts
		/// (`amount` in all; mints the issuance cap refused are not in it);
		/// `complete` when none is left.
		CreditsPaid { song: SongId, accounts: u32, amount: u128, complete: bool },
		/// Credits of a rejected song were voided; `complete` when none is left.
		CreditsVoided { song: SongId, accounts: u32, amount: u128, complete: bool },
		/// Governance set the daily discovery budget.
		DiscoveryBudgetSet { budget: u128 },
	}

	#[pallet::error]
	pub enum Error<T> {
		/// Nothing is escrowed for this account.
		NothingEscrowed,
		/// Escrow bookkeeping would overflow.
		Overflow,
		/// The song owes no royalties now.
		NothingOwed,
		/// No song with that id.
		UnknownSong,
		/// Only the song's artist and split beneficiaries may pay it out.
		NotAPayee,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Pays out the songs in [`RoyaltiesDue`] and the queued credits.
		/// Charges up front the block's escrow mint in `on_finalize`, with
		/// the first read of [`PendingEscrow`], the block's one read of the
		/// discovery budget, one read and write of what it minted and of
		/// [`RoyaltiesDue`] (all four whitelisted in the benchmarks, where
		/// they are always in the overlay).
		fn on_initialize(_n: BlockNumberFor<T>) -> Weight {
			T::WeightInfo::flush_escrow()
				.saturating_add(T::DbWeight::get().reads_writes(4, 2))
				.saturating_add(Self::pay_due())
				.saturating_add(Self::settle_payouts(T::CreditPayoutsPerBlock::get()))
		}

		fn on_finalize(_n: BlockNumberFor<T>) {
			Self::flush_escrow();
		}

		fn integrity_test() {
			assert!(T::Reward::get() > 0, "a play earns something");
			assert!(
				T::CreditPayoutsPerBlock::get() > MAX_SPLITS,
				"a block pays a song's artist and all its splits"
			);
			assert!(
				T::RoyaltyPayoutAt::get() >= T::Reward::get(),
				"a payout batches at least one play's royalties"
			);
			assert!(T::MaxRoyaltiesDue::get() > 0, "songs can be queued for payout");
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
		/// Releases everything escrowed for `beneficiary` to `beneficiary`.
		///
		/// # Errors
		/// - `BadOrigin` unless called by the moderator origin.
		/// - `NothingEscrowed` when no escrow is held for `beneficiary`.
		/// - A token error when the transfer is impossible (e.g. the amount
		///   is below the existential deposit of a new account).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::release_escrow())]
		pub fn release_escrow(origin: OriginFor<T>, beneficiary: T::AccountId) -> DispatchResult {
			T::ModeratorOrigin::ensure_origin(origin)?;
			Self::do_release(&beneficiary)
		}

		/// Sets the daily discovery budget, from the current chain day on.
		///
		/// # Errors
		/// - `BadOrigin` unless the budget origin (Root).
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::set_discovery_budget())]
		pub fn set_discovery_budget(origin: OriginFor<T>, budget: u128) -> DispatchResult {
			T::BudgetOrigin::ensure_origin(origin)?;
			DiscoveryBudget::<T>::put(budget);
			Self::deposit_event(Event::DiscoveryBudgetSet { budget });
			Ok(())
		}

		/// Pays out what `song` owes its artist and split beneficiaries
		/// now, without waiting for its next payout mark. Only they may:
		/// paying out early decides when a small share is escrowed rather
		/// than paid.
		///
		/// # Errors
		/// - `UnknownSong`; `NotAPayee` unless the caller is the song's
		///   artist or one of its split beneficiaries; `NothingOwed` when the
		///   song owes nothing.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::pay_royalties(MAX_SPLITS))]
		pub fn pay_royalties(origin: OriginFor<T>, song: SongId) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			let (artist, splits) = T::Songs::payees(song).ok_or(Error::<T>::UnknownSong)?;
			ensure!(
				who == artist || splits.iter().any(|(beneficiary, _)| *beneficiary == who),
				Error::<T>::NotAPayee
			);
			ensure!(Ledger::<T>::get(song).owed > 0, Error::<T>::NothingOwed);
			Self::pay_owed(song, &artist, &splits)?;
			Ok(Some(T::WeightInfo::pay_royalties(splits_count(&splits))).into())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The account holding the escrow.
	pub fn account_id() -> T::AccountId {
		T::PalletId::get().into_account_truncating()
	}

	/// The tier the next play of `song` settles in.
	pub fn tier_of(song: SongId) -> Tier {
		Self::tier_after(Ledger::<T>::get(song).plays)
	}

	/// The tier of a play with `prior_plays` settled plays before it.
	fn tier_after(prior_plays: u32) -> Tier {
		if prior_plays < T::DiscoveryPlays::get() {
			Tier::Discovery
		} else {
			Tier::Mature
		}
	}

	/// Whether `amount` can be minted straight into `who`'s account (it
	/// exists, or `amount` is enough to open it).
	fn can_receive(who: &T::AccountId, amount: u128) -> bool {
		T::Currency::can_deposit(who, amount, Provenance::Minted) == DepositConsequence::Success
	}

	/// Mints this block's pending escrow into the escrow account.
	pub fn flush_escrow() {
		let pending = PendingEscrow::<T>::take();
		if pending == 0 {
			return;
		}
		// Cannot fail: the account exists (opened at genesis, never reaped),
		// the amount was reserved under the cap, and `escrow` checked that
		// the account can take it.
		if let Err(e) = T::Currency::mint_into(&Self::account_id(), pending) {
			log::error!(target: "royalties", "escrow of {pending} could not be minted: {e:?}");
		}
	}

	fn do_release(beneficiary: &T::AccountId) -> DispatchResult {
		let amount = Escrow::<T>::get(beneficiary);
		ensure!(amount > 0, Error::<T>::NothingEscrowed);
		// What this block escrowed is in the account before it pays out.
		Self::flush_escrow();
		T::Currency::transfer(&Self::account_id(), beneficiary, amount, Preservation::Preserve)?;
		Escrow::<T>::remove(beneficiary);
		Self::deposit_event(Event::EscrowReleased { beneficiary: beneficiary.clone(), amount });
		Ok(())
	}

	/// Escrows `shares` of a royalty: their sum reserved under the cap and
	/// added to [`PendingEscrow`] (minted into the escrow account at the end
	/// of the block), and each beneficiary's entry. Returns the amount
	/// escrowed, or `None` when the issuance cap refused it.
	fn escrow(shares: &[(T::AccountId, u128)]) -> Result<Option<u128>, DispatchError> {
		let total = shares
			.iter()
			.try_fold(0u128, |acc, (_, amount)| acc.checked_add(*amount))
			.ok_or(Error::<T>::Overflow)?;
		if total == 0 {
			return Ok(Some(0));
		}
		let pending = PendingEscrow::<T>::get().checked_add(total).ok_or(Error::<T>::Overflow)?;
		if !T::Supply::reserve_capped(&Self::account_id(), total) {
			return Ok(None);
		}
		// So that the block's mint cannot fail (the escrow account exists
		// from genesis, so only an overflow could make it).
		ensure!(
			T::Currency::can_deposit(&Self::account_id(), pending, Provenance::Minted)
				== DepositConsequence::Success,
			Error::<T>::Overflow
		);
		PendingEscrow::<T>::put(pending);
		for (beneficiary, amount) in shares {
			Self::hold_for(beneficiary, *amount)?;
		}
		Ok(Some(total))
	}

	/// Adds `amount` to what the royalty account holds for `who`.
	fn hold_for(who: &T::AccountId, amount: u128) -> DispatchResult {
		Escrow::<T>::try_mutate(who, |held| {
			*held = held.checked_add(amount).ok_or(Error::<T>::Overflow)?;
			Ok(())
		})
	}

	/// Everything escrowed and not yet released: the sum of [`Escrow`].
	/// Not kept in state (a total would be one more write per play); with
	/// [`Pallet::total_owed`] it is what the royalty account holds beyond
	/// its existential deposit, and [`Pallet::do_try_state`] checks that.
	pub fn total_escrow() -> Option<u128> {
		Escrow::<T>::iter_values().try_fold(0u128, |acc, v| acc.checked_add(v))
	}

	/// What all songs owe their artists and splits and have not paid out:
	/// the sum of [`SongLedger::owed`].
	pub fn total_owed() -> Option<u128> {
		Ledger::<T>::iter_values().try_fold(0u128, |acc, l| acc.checked_add(l.owed))
	}

	/// What the escrow account holds beyond its existential deposit, with
	/// this block's escrow that is still to be minted into it.
	pub fn held() -> u128 {
		T::Currency::balance(&Self::account_id())
			.saturating_sub(T::Currency::minimum_balance())
			.saturating_add(PendingEscrow::<T>::get())
	}

	/// Invariant: the royalty account holds what is owed, the songs' debts
	/// and the escrow (with the block's pending mint), on top of the
	/// existential deposit it was opened with at genesis (more only if
	/// someone sent it tokens).
	pub fn do_try_state() -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
		let owed = Self::total_escrow()
			.and_then(|escrow| escrow.checked_add(Self::total_owed()?))
			.ok_or("royalties owed overflow")?;
		ensure!(Self::held() >= owed, "royalty account holds less than is owed");
		for (_, _, credit) in Credits::<T>::iter() {
			ensure!(credit > 0, "an empty credit entry");
		}
		Ok(())
	}
}

/// A song's settled plays and what it owes the artist and the splits.
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
pub struct SongLedger {
	/// Settled plays.
	pub plays: u32,
	/// The artist's part of plays while the song was approved: minted into
	/// the royalty account and paid out to the artist and splits in
	/// batches (see [`Config::RoyaltyPayoutAt`]).
	pub owed: u128,
	/// The artist's part of plays while it was not approved (or past the
	/// day's discovery budget): not minted; paid out with the song's
	/// [`Credits`] when it is approved, void when it is rejected.
	pub credited: u128,
}

/// MUSIC minted on one chain day.
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
pub struct DayTotal {
	pub day: u32,
	pub minted: u128,
}

/// What becomes of a song's pending credits.
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
pub enum Payout {
	/// The song was approved: pay them.
	Pay,
	/// The song was rejected: void them.
	Void,
}

impl<T: Config> Pallet<T> {
	/// Adds `amount` to `who`'s pending credit for `song`.
	fn credit(song: SongId, who: &T::AccountId, amount: u128) -> Result<(), DispatchError> {
		Credits::<T>::try_mutate(song, who, |owed| {
			*owed = owed.checked_add(amount).ok_or(Error::<T>::Overflow)?;
			Ok(())
		})
	}

	/// Pays `amount` to `who`: minted into its account when it can take
	/// it, else escrowed. Returns whether the issuance cap let it through.
	fn pay(who: &T::AccountId, amount: u128) -> Result<bool, DispatchError> {
		if Self::can_receive(who, amount) {
			T::Supply::mint_capped(who, amount)
		} else {
			Ok(Self::escrow(&[(who.clone(), amount)])?.is_some())
		}
	}

	/// Pays out or voids up to `limit` credits of the songs in [`Payouts`],
	/// one song after another: first the listeners' and servers' credits,
	/// then the artist's part, split per the song's splits (each
	/// beneficiary counts as one credit). A payout stops where the day's
	/// discovery budget does, paying the credit it reached in part: the
	/// rest waits for the next day. Returns the weight used.
	pub fn settle_payouts(limit: u32) -> Weight {
		let per_credit = T::WeightInfo::pay_credit();
		let mut weight = T::DbWeight::get().reads(1);
		let mut left = limit;
		while left > 0 {
			let Some((song, payout)) = Payouts::<T>::iter().next() else { break };
			let (mut accounts, mut amount, mut budget_spent) = (0u32, 0u128, false);
			let batch: Vec<_> = Credits::<T>::iter_prefix(song).take(left as usize).collect();
			for (who, owed) in batch {
				let part = match payout {
					Payout::Pay => Self::spend_budget(owed, true),
					Payout::Void => owed,
				};
				if part < owed {
					budget_spent = true;
					if part == 0 {
						break;
					}
					Credits::<T>::insert(song, &who, owed.saturating_sub(part));
				} else {
					Credits::<T>::remove(song, &who);
				}
				accounts = accounts.saturating_add(1);
				let paid = match payout {
					Payout::Pay => Self::pay(&who, part).unwrap_or_else(|e| {
						log::error!(target: "royalties", "credit of {part} for song {song} not paid: {e:?}");
						false
					}),
					Payout::Void => true,
				};
				if paid {
					amount = amount.saturating_add(part);
				}
				if budget_spent {
					break;
				}
			}
			left = left.saturating_sub(accounts);
			let mut complete = !budget_spent && Credits::<T>::iter_prefix(song).next().is_none();
			if complete {
				let (artists, artists_amount, done) = Self::settle_credited(song, payout, left);
				left = left.saturating_sub(artists);
				accounts = accounts.saturating_add(artists);
				amount = amount.saturating_add(artists_amount);
				complete = done;
			}
			if complete {
				Payouts::<T>::remove(song);
			}
			weight = weight
				.saturating_add(per_credit.saturating_mul(u64::from(accounts)))
				.saturating_add(T::DbWeight::get().reads_writes(4, 2));
			Self::deposit_event(match payout {
				Payout::Pay => Event::CreditsPaid { song, accounts, amount, complete },
				Payout::Void => Event::CreditsVoided { song, accounts, amount, complete },
			});
			if !complete {
				break;
			}
		}
		weight
	}

	/// Pays or voids the artist's part of `song`'s credits,
	/// [`SongLedger::credited`]. A payment is split per the song's current
	/// splits, all of its shares in one block (within `limit` accounts), and
	/// takes what the day's discovery budget allows: the rest waits for the
	/// next day. Returns the accounts paid, the amount paid or voided, and
	/// whether nothing is left.
	fn settle_credited(song: SongId, payout: Payout, limit: u32) -> (u32, u128, bool) {
		let mut ledger = Ledger::<T>::get(song);
		if ledger.credited == 0 {
			return (0, 0, true);
		}
		let mut amount = 0u128;
		let mut accounts = 0u32;
		match payout {
			Payout::Void => amount = core::mem::take(&mut ledger.credited),
			Payout::Pay => {
				let Some((artist, splits)) = T::Songs::payees(song) else {
					log::error!(target: "royalties", "credits of song {song}, which has no payees, not paid");
					return (0, 0, true);
				};
				if splits_count(&splits) >= limit {
					return (0, 0, false);
				}
				let part = Self::spend_budget(ledger.credited, true);
				if part == 0 {
					return (0, 0, false);
				}
				for (who, share) in distribute(part, &artist, &splits) {
					accounts = accounts.saturating_add(1);
					match Self::pay(&who, share) {
						Ok(true) => amount = amount.saturating_add(share),
						Ok(false) => {},
						Err(e) => log::error!(
							target: "royalties",
							"credit of {share} for song {song} not paid: {e:?}"
						),
					}
				}
				ledger.credited = ledger.credited.saturating_sub(part);
			},
		}
		let complete = ledger.credited == 0;
		Ledger::<T>::insert(song, ledger);
		(accounts, amount, complete)
	}

	/// Pays out what `song` owes to `artist` and `splits`: each share into
	/// its beneficiary's account, or held in the royalty account for the
	/// beneficiary (escrowed) when it is too small to open the account.
	fn pay_owed(
		song: SongId,
		artist: &T::AccountId,
		splits: &[(T::AccountId, Permill)],
	) -> DispatchResult {
		let mut ledger = Ledger::<T>::get(song);
		if ledger.owed == 0 {
			return Ok(());
		}
		// What this block's plays owe is in the account before it pays out.
		Self::flush_escrow();
		let account = Self::account_id();
		let (mut paid, mut escrowed) = (0u128, 0u128);
		for (beneficiary, amount) in distribute(ledger.owed, artist, splits) {
			let transferred = T::Currency::can_deposit(&beneficiary, amount, Provenance::Extant)
				== DepositConsequence::Success
				&& T::Currency::transfer(&account, &beneficiary, amount, Preservation::Preserve)
					.is_ok();
			if transferred {
				paid = paid.saturating_add(amount);
				Self::deposit_event(Event::RoyaltyPaid { song, beneficiary, amount });
			} else {
				Self::hold_for(&beneficiary, amount)?;
				escrowed = escrowed.saturating_add(amount);
			}
		}
		ledger.owed = 0;
		Ledger::<T>::insert(song, ledger);
		Self::deposit_event(Event::RoyaltiesPaid { song, paid, escrowed });
		Ok(())
	}

	/// Pays out what `song` owes, per its payees now, within a storage
	/// layer (a failure changes nothing). Returns its number of splits, for
	/// the weight.
	fn pay_song(song: SongId) -> u32 {
		with_storage_layer(|| {
			let (artist, splits) = T::Songs::payees(song).ok_or(Error::<T>::UnknownSong)?;
			Self::pay_owed(song, &artist, &splits)?;
			Ok::<_, DispatchError>(splits_count(&splits))
		})
		.unwrap_or_else(|e| {
			log::error!(target: "royalties", "royalties of song {song} not paid out: {e:?}");
			MAX_SPLITS
		})
	}

	/// Pays out the songs queued in [`RoyaltiesDue`] (`on_initialize`).
	/// Returns the weight used.
	pub fn pay_due() -> Weight {
		RoyaltiesDue::<T>::take().into_iter().fold(Weight::zero(), |weight, song| {
			weight.saturating_add(T::WeightInfo::pay_royalties(Self::pay_song(song)))
		})
	}

	/// Adds `amount`, the artist's part of a play of an approved song, to
	/// what `song` owes: reserved under the cap and minted into the royalty
	/// account with the block's escrow. Queues the song's payout when its
	/// debt passes a multiple of [`Config::RoyaltyPayoutAt`]. Returns
	/// whether the cap let it through.
	fn owe(
		song: SongId,
		ledger: &mut SongLedger,
		artist: &T::AccountId,
		amount: u128,
	) -> Result<bool, DispatchError> {
		let pending = PendingEscrow::<T>::get().checked_add(amount).ok_or(Error::<T>::Overflow)?;
		let before = ledger.owed;
		let after = before.checked_add(amount).ok_or(Error::<T>::Overflow)?;
		// (No overflow check of the account's balance, as `escrow` makes:
		// the cap keeps every balance far below `u128::MAX`.)
		if !T::Supply::reserve_capped(artist, amount) {
			return Ok(false);
		}
		PendingEscrow::<T>::put(pending);
		ledger.owed = after;
		let mark = T::RoyaltyPayoutAt::get().max(1);
		if before / mark < after / mark {
			// A full queue skips the song this time: it is queued at its
			// next mark, or paid on demand; nothing is lost.
			let _ = RoyaltiesDue::<T>::try_mutate(|due| {
				if due.contains(&song) {
					return Err(song);
				}
				due.try_push(song)
			});
		}
		Ok(true)
	}

	/// The current chain day (UTC days since the epoch).
	fn today() -> u32 {
		let ms = u64::try_from(T::Time::now().as_millis()).unwrap_or(u64::MAX);
		u32::try_from(ms / pallet_musicchain_plays::DAY_MS).unwrap_or(u32::MAX)
	}

	/// What has been minted against today's discovery budget.
	fn minted_today() -> DayTotal {
		let today = Self::today();
		let minted = DiscoveryMinted::<T>::get();
		if minted.day == today {
			minted
		} else {
			DayTotal { day: today, minted: 0 }
		}
	}

	/// What today's discovery budget still allows.
	pub fn budget_left() -> u128 {
		DiscoveryBudget::<T>::get().saturating_sub(Self::minted_today().minted)
	}

	/// Counts `amount` against today's discovery budget if it fits, or
	/// (`partly`) as much of it as fits; returns what was counted.
	fn spend_budget(amount: u128, partly: bool) -> u128 {
		let mut today = Self::minted_today();
		let left = DiscoveryBudget::<T>::get().saturating_sub(today.minted);
		let counted = if amount <= left {
			amount
		} else if partly {
			left
		} else {
			0
		};
		if counted > 0 {
			today.minted = today.minted.saturating_add(counted);
			DiscoveryMinted::<T>::put(today);
		}
		counted
	}

	/// Queues `song`'s credits, if it has any, to be paid or voided.
	fn queue_payout(song: SongId, payout: Payout) {
		if Credits::<T>::iter_prefix(song).next().is_some() || Ledger::<T>::get(song).credited > 0 {
			Payouts::<T>::insert(song, payout);
		}
	}
}

impl<T: Config> OnVetted<T::AccountId> for Pallet<T> {
	fn approved(song: SongId) {
		Self::queue_payout(song, Payout::Pay);
	}

	fn rejected(song: SongId) {
		Self::queue_payout(song, Payout::Void);
	}

	/// Royalties escrowed for the artist before approvals existed are
	/// released to it: approving the artist is that release.
	fn artist_approved(artist: &T::AccountId) {
		if Escrow::<T>::get(artist) > 0 {
			if let Err(e) = Self::do_release(artist) {
				log::warn!(target: "royalties", "escrow of an approved artist not released: {e:?}");
			}
		}
	}

	/// What the song owes is paid to its artist and splits of now, before
	/// they change.
	fn payees_changing(song: SongId) {
		if Ledger::<T>::get(song).owed > 0 {
			Self::pay_song(song);
		}
	}
}

/// The number of `splits`, for the weight.
fn splits_count<S>(splits: &[S]) -> u32 {
	u32::try_from(splits.len()).unwrap_or(MAX_SPLITS)
}

/// This block's pending escrow, for the supply pallet's `Pending`.
pub struct PendingEscrowOf<T>(core::marker::PhantomData<T>);

impl<T: Config> Get<u128> for PendingEscrowOf<T> {
	fn get() -> u128 {
		PendingEscrow::<T>::get()
	}
}

impl<T: Config> PlaySettlement<T::AccountId> for Pallet<T> {
	fn settle(
		song: SongId,
		payees: &PlayableSong<T::AccountId>,
		listener: &T::AccountId,
		server: &T::AccountId,
	) -> Result<PlayReward, DispatchError> {
		let mut ledger = Ledger::<T>::get(song);
		let prior_plays = ledger.plays;
		let reward = T::Reward::get();
		let tier = Self::tier_after(prior_plays);
		let mut out = PlayReward {
			tier,
			prior_plays,
			listener: 0,
			server: 0,
			artist: 0,
			credited: false,
			burned: 0,
			refused_mints: 0,
		};
		ledger.plays = prior_plays.saturating_add(1);
		// All three discovery rewards, or none, within the day's budget;
		// past it they wait as credits of the song, paid when it allows.
		let rewards = reward.saturating_mul(3);
		let over_budget = tier == Tier::Discovery
			&& payees.approved
			&& Self::spend_budget(rewards, false) < rewards;
		if over_budget {
			Payouts::<T>::insert(song, Payout::Pay);
		}
		if tier == Tier::Mature {
			let burn = T::Supply::burn_quote();
			T::Supply::burn(listener, burn)?;
			out.burned = burn;
		}
		if !payees.approved || over_budget {
			// Not approved (or past the day's budget): nothing is minted;
			// every reward is a credit.
			out.credited = true;
			if tier == Tier::Discovery {
				Self::credit(song, listener, reward)?;
				out.listener = reward;
			}
			Self::credit(song, server, reward)?;
			out.server = reward;
			ledger.credited = ledger.credited.checked_add(reward).ok_or(Error::<T>::Overflow)?;
			out.artist = reward;
			Ledger::<T>::insert(song, ledger);
			return Ok(out);
		}
		let mut refused = 0u8;
		let mut count = |minted: bool, amount: u128, into: &mut u128| {
			if minted {
				*into = into.saturating_add(amount);
			} else {
				refused = refused.saturating_add(1);
			}
		};
		if tier == Tier::Discovery {
			count(T::Supply::mint_capped(listener, reward)?, reward, &mut out.listener);
		}
		count(T::Supply::mint_capped(server, reward)?, reward, &mut out.server);
		// The artist's part: owed by the song, paid out in a batch.
		count(Self::owe(song, &mut ledger, &payees.artist, reward)?, reward, &mut out.artist);
		out.refused_mints = refused;
		Ledger::<T>::insert(song, ledger);
		Ok(out)
	}
}

/// Storage migrations of the royalty ledger.
pub mod migrations {
	use super::*;
	use pallet_musicchain_plays::migrations::NothingToMove;
	use polkadot_sdk::frame_support::migrations::VersionedMigration;

	/// Version 0 to 1 adds [`Credits`], [`Payouts`] and the discovery budget,
	/// which start empty (the budget at its default): nothing to move.
	/// [`Escrow`] keeps what was escrowed before; approving an artist
	/// releases the artist's.
	pub type MigrateToV1<T> = VersionedMigration<
		0,
		1,
		NothingToMove,
		Pallet<T>,
		<T as polkadot_sdk::frame_system::Config>::DbWeight,
	>;
	/// Version 1 to 2 makes each song's play count its [`Ledger`], which
	/// also holds what the song owes its artist and splits (the artist's
	/// part of a play was paid play by play before: nothing is owed yet).
	pub mod v2 {
		use super::*;
		use polkadot_sdk::frame_support::{storage_alias, traits::UncheckedOnRuntimeUpgrade};

		/// Version 1's play counts.
		#[storage_alias]
		pub type PlayCount<T: Config> =
			StorageMap<Pallet<T>, Twox64Concat, SongId, u32, OptionQuery>;

		/// Moves every count into its song's ledger. One entry per song
		/// that has been played; a chain young enough to run version 1
		/// has few enough to move in one block.
		pub struct Inner<T>(core::marker::PhantomData<T>);

		impl<T: Config> UncheckedOnRuntimeUpgrade for Inner<T> {
			fn on_runtime_upgrade() -> Weight {
				let mut songs = 0u64;
				for (song, plays) in PlayCount::<T>::drain() {
					songs = songs.saturating_add(1);
					Ledger::<T>::insert(song, SongLedger { plays, owed: 0, credited: 0 });
				}
				T::DbWeight::get().reads_writes(songs, songs.saturating_mul(2))
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
