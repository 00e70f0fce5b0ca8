use crate as pallet_royalties;
use musicchain_primitives::{
	traits::{CatalogError, PlayableSong, SongCatalog},
	ContentHash, Permill, SongId, UNIT,
};
use polkadot_sdk::frame_support::traits::fungible::Inspect as _;
#[cfg(feature = "runtime-benchmarks")]
use polkadot_sdk::frame_support::traits::fungible::Mutate as _;
use polkadot_sdk::{
	frame_support::{derive_impl, parameter_types, traits::ConstU128, PalletId},
	frame_system::{self, EnsureSignedBy},
	pallet_balances,
	sp_io::TestExternalities,
	sp_runtime::BuildStorage,
};

type Block = frame_system::mocking::MockBlock<Test>;

#[polkadot_sdk::frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeTask,
		RuntimeHoldReason,
		RuntimeFreezeReason
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(2)]
	pub type Supply = pallet_musicchain_supply;
	#[runtime::pallet_index(3)]
	pub type Royalties = pallet_royalties;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u128>;
}

pub const ED: u128 = UNIT / 1_000;

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = u128;
	type AccountStore = System;
	type ExistentialDeposit = ConstU128<ED>;
}

parameter_types! {
	pub const Floor: u128 = 1_000_000_000 * UNIT;
	pub const Cap: u128 = 2_000_000_000 * UNIT;
	pub const MaxBurn: u128 = 1_000 * UNIT;
	pub const RoyaltiesPalletId: PalletId = PalletId(*b"mc/royal");
	pub const Moderator: u64 = 100;
	pub Moderators: Vec<u64> = vec![100];
}

impl pallet_musicchain_supply::Config for Test {
	type Currency = Balances;
	type Floor = Floor;
	type Cap = Cap;
	type MaxBurn = MaxBurn;
	type Pending = pallet_royalties::PendingEscrowOf<Test>;
}

impl pallet_royalties::Config for Test {
	type Currency = Balances;
	type Supply = Supply;
	type ModeratorOrigin =
		EnsureSignedBy<polkadot_sdk::frame_support::traits::IsInVec<Moderators>, u64>;
	type PalletId = RoyaltiesPalletId;
	type DiscoveryPlays = polkadot_sdk::frame_support::traits::ConstU32<10_000>;
	type Reward = ConstU128<UNIT>;
	type CreditPayoutsPerBlock = polkadot_sdk::frame_support::traits::ConstU32<9>;
	type Time = MockTime;
	type BudgetOrigin = frame_system::EnsureRoot<u64>;
	type DefaultDiscoveryBudget = ConstU128<{ 1_000 * UNIT }>;
	type RoyaltyPayoutAt = ConstU128<{ 3 * UNIT }>;
	type MaxRoyaltiesDue = polkadot_sdk::frame_support::traits::ConstU32<2>;
	type Songs = MockSongs;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockSongs;
}

/// A song's artist and splits.
pub type Payees = (u64, Vec<(u64, Permill)>);

polkadot_sdk::frame_support::parameter_types! {
	/// Who each song pays; a song not in it pays [`ARTIST`] alone.
	pub static SongPayees: std::collections::BTreeMap<SongId, Payees> = Default::default();
}

/// The registry: only the songs' payees.
pub struct MockSongs;
impl SongCatalog<u64> for MockSongs {
	fn playable(_: SongId, _: &ContentHash) -> Result<PlayableSong<u64>, CatalogError> {
		Err(CatalogError::UnknownSong)
	}
	fn payees(song: SongId) -> Option<Payees> {
		Some(SongPayees::get().get(&song).cloned().unwrap_or((ARTIST, vec![])))
	}
}

/// Makes `song` pay `artist` and `splits`.
pub fn set_payees(song: SongId, artist: u64, splits: Vec<(u64, Permill)>) {
	SongPayees::mutate(|p| p.insert(song, (artist, splits)));
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<u64> for MockSongs {
	fn song_owing(splits: &[(u64, Permill)], amount: u128) -> SongId {
		set_payees(7, ARTIST, splits.to_vec());
		let _ = Balances::mint_into(&Royalties::account_id(), amount);
		crate::Ledger::<Test>::mutate(7, |l| l.owed = amount);
		7
	}
}

polkadot_sdk::frame_support::parameter_types! {
	/// Chain time, in ms: 2026-11-25 unless a test moves it.
	pub static NowMs: u64 = 1_795_000_000_000;
}

/// Chain time from [`NowMs`].
pub struct MockTime;
impl polkadot_sdk::frame_support::traits::UnixTime for MockTime {
	fn now() -> core::time::Duration {
		core::time::Duration::from_millis(NowMs::get())
	}
}

pub const LISTENER: u64 = 1;
pub const SERVER: u64 = 2;
pub const ARTIST: u64 = 3;
pub const CO_WRITER: u64 = 4;

pub const LISTENER_FUNDS: u128 = 2_000 * UNIT;

/// Total issuance the benchmarks run at: far below the floor, so every mint
/// is allowed.
#[cfg(feature = "runtime-benchmarks")]
pub const BENCH_ISSUANCE: u128 = 10_000 * UNIT;

/// A fresh mock chain at block 1 with total issuance `issuance` (the
/// listener holds [`LISTENER_FUNDS`], the escrow account its ED, account 10
/// the rest).
pub fn new_test_ext(issuance: u128) -> TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap_or_default();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![(10, issuance - ED - LISTENER_FUNDS), (LISTENER, LISTENER_FUNDS)],
		..Default::default()
	}
	.assimilate_storage(&mut t)
	.unwrap_or_default();
	pallet_royalties::GenesisConfig::<Test>::default()
		.assimilate_storage(&mut t)
		.unwrap_or_default();
	let mut ext = TestExternalities::new(t);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs `f` on [`new_test_ext`], then checks the invariants.
pub fn test(issuance: u128, f: impl FnOnce()) {
	new_test_ext(issuance).execute_with(|| {
		f();
		Royalties::do_try_state().expect("royalty invariants hold");
		Supply::do_try_state().expect("supply invariants hold");
		// Nobody sends the royalty account tokens in these tests, so it
		// holds exactly what is owed (escrow and the songs' debts) on top of
		// its existential deposit.
		let owed = Royalties::total_escrow().unwrap_or(0) + Royalties::total_owed().unwrap_or(0);
		assert_eq!(Royalties::held(), owed, "held == escrow + songs' debts");
		// And once the block's mint is done, the account alone holds it.
		Royalties::flush_escrow();
		let held = Balances::balance(&Royalties::account_id()) - Balances::minimum_balance();
		assert_eq!(held, owed, "minted == escrow + songs' debts");
	});
}
