use crate::{self as pallet_plays, PlaySettlement};
use core::cell::RefCell;
use musicchain_primitives::{
	receipt::realtime_heartbeats,
	traits::{CatalogError, PlayReward, PlayableSong, SongCatalog, Tier},
	BoundedVec, ContentHash, SessionReceipt, SongId, UNIT,
};
use polkadot_sdk::{
	frame_support::{
		derive_impl, parameter_types,
		traits::{ConstU128, ConstU32, ConstU64},
	},
	frame_system, pallet_balances, pallet_timestamp,
	sp_core::{sr25519, Pair, H256},
	sp_io::TestExternalities,
	sp_keyring::Sr25519Keyring,
	sp_keystore::{testing::MemoryKeystore, KeystoreExt},
	sp_runtime::{
		traits::IdentityLookup, AccountId32, BuildStorage, DispatchError, MultiSignature, Perbill,
		Permill,
	},
};

type Block = frame_system::mocking::MockBlock<Test>;
pub type AccountId = AccountId32;

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
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(2)]
	pub type Plays = pallet_plays;
	#[runtime::pallet_index(3)]
	pub type Balances = pallet_balances;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = IdentityLookup<AccountId>;
	type AccountData = pallet_balances::AccountData<u128>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = u128;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

/// What a server bonds.
pub const BOND: u128 = 100 * UNIT;
/// What every dev key starts with.
pub const FUNDS: u128 = 1_000 * UNIT;
/// Blocks from `unbond` to `withdraw_bond`.
pub const UNBONDING: u64 = 10;

#[derive_impl(pallet_timestamp::config_preludes::TestDefaultConfig)]
impl pallet_timestamp::Config for Test {}

/// Chain time at the start of every test: 2026-11-25, in ms.
pub const NOW: u64 = 1_795_000_000_000;
pub const SONG: SongId = 7;
pub const DURATION: u32 = 240_000;
pub const FILE: ContentHash = ContentHash([0xaa; 32]);
pub const GENESIS: [u8; 32] = [0x42; 32];

thread_local! {
	/// Songs in the mock catalog.
	pub static SONGS: RefCell<Vec<MockSong>> = RefCell::new(vec![MockSong::new(SONG, FILE)]);
	/// Every settlement made, in order.
	pub static SETTLED: RefCell<Vec<(SongId, AccountId, AccountId)>> = const { RefCell::new(Vec::new()) };
	/// When set, settlements fail with this error.
	pub static SETTLE_FAILS: RefCell<Option<&'static str>> = const { RefCell::new(None) };
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Status {
	Pending,
	Active,
	Hidden,
}

/// A song of the mock catalog with one variant.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct MockSong {
	pub id: SongId,
	pub file: ContentHash,
	pub status: Status,
	pub duration_ms: u32,
	pub splits: Vec<(AccountId, Permill)>,
}

impl MockSong {
	/// An Active song of [`DURATION`] without royalty splits.
	pub fn new(id: SongId, file: ContentHash) -> Self {
		MockSong { id, file, status: Status::Active, duration_ms: DURATION, splits: vec![] }
	}
}

pub struct MockCatalog;
impl SongCatalog<AccountId> for MockCatalog {
	fn playable(
		song: SongId,
		content_hash: &ContentHash,
	) -> Result<PlayableSong<AccountId>, CatalogError> {
		SONGS.with(|s| {
			let s = s.borrow();
			let found = s.iter().find(|x| x.id == song).ok_or(CatalogError::UnknownSong)?;
			if found.status == Status::Pending {
				return Err(CatalogError::NotActive);
			}
			if !s.iter().any(|x| x.id == song && x.file == *content_hash) {
				return Err(CatalogError::NotAVariant);
			}
			Ok(PlayableSong {
				artist: Sr25519Keyring::Eve.to_account_id(),
				duration_ms: found.duration_ms,
				splits: found.splits.clone(),
				hidden: found.status == Status::Hidden,
				approved: true,
			})
		})
	}

	fn payees(song: SongId) -> Option<(AccountId, Vec<(AccountId, Permill)>)> {
		SONGS.with(|s| {
			let s = s.borrow();
			let found = s.iter().find(|x| x.id == song)?;
			Some((Sr25519Keyring::Eve.to_account_id(), found.splits.clone()))
		})
	}
}

pub struct MockSettlement;
impl PlaySettlement<AccountId> for MockSettlement {
	fn settle(
		song: SongId,
		_payees: &PlayableSong<AccountId>,
		listener: &AccountId,
		server: &AccountId,
	) -> Result<PlayReward, DispatchError> {
		if let Some(e) = SETTLE_FAILS.with(|f| *f.borrow()) {
			return Err(DispatchError::Other(e));
		}
		SETTLED.with(|s| s.borrow_mut().push((song, listener.clone(), server.clone())));
		Ok(PlayReward {
			tier: Tier::Discovery,
			prior_plays: 0,
			listener: UNIT,
			server: UNIT,
			artist: UNIT,
			credited: false,
			burned: 0,
			refused_mints: 0,
		})
	}
}

parameter_types! {
	pub const MinCoverage: Permill = Permill::from_percent(50);
	pub const MaxAdvanceMs: u32 = 10_000;
	pub const GraceMs: u32 = 500;
	pub const MaxReceiptAgeMs: u64 = 24 * 3_600_000;
	pub const MaxFutureMs: u64 = 120_000;
	pub const CooldownMs: u64 = 24 * 3_600_000;
	pub const MaxPlaysPerDay: u32 = 500;
	pub const MaxServerPlaysPerDay: u32 = 3;
	pub const MaxPlayShare: Perbill = Perbill::from_percent(25);
}

impl pallet_plays::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ModeratorOrigin = frame_system::EnsureRoot<AccountId>;
	type ServingBond = ConstU128<BOND>;
	type UnbondingPeriod = ConstU64<UNBONDING>;
	type MaxServerPlaysPerDay = MaxServerPlaysPerDay;
	type MaxPlayShare = MaxPlayShare;
	type Songs = MockCatalog;
	type Settlement = MockSettlement;
	type Time = Timestamp;
	type ReceiptSignature = MultiSignature;
	type MinCoverage = MinCoverage;
	type MaxAdvanceMs = MaxAdvanceMs;
	type GraceMs = GraceMs;
	type MaxReceiptAgeMs = MaxReceiptAgeMs;
	type MaxFutureMs = MaxFutureMs;
	type CooldownMs = CooldownMs;
	type MaxPlaysPerDay = MaxPlaysPerDay;
	type MaxHeartbeats = ConstU32<100>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockBenchmarkHelper;
}

/// Adds songs to the mock catalog and sets the timestamp pallet's time.
#[cfg(feature = "runtime-benchmarks")]
pub struct MockBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<AccountId> for MockBenchmarkHelper {
	fn playable_song(
		_listener: &AccountId,
		duration_ms: u32,
		splits: u32,
		_tier: musicchain_primitives::traits::Tier,
		_approved: bool,
	) -> (SongId, ContentHash) {
		const BENCH_SONG: SongId = 1_000;
		const BENCH_FILE: ContentHash = ContentHash([0xbb; 32]);
		let splits = (0..splits)
			.map(|i| (AccountId::new([0x10 + i as u8; 32]), Permill::from_percent(10)))
			.collect();
		SONGS.with(|s| {
			let mut s = s.borrow_mut();
			s.retain(|x| x.id != BENCH_SONG);
			s.push(MockSong { duration_ms, splits, ..MockSong::new(BENCH_SONG, BENCH_FILE) });
		});
		(BENCH_SONG, BENCH_FILE)
	}

	fn set_time_ms(now_ms: u64) {
		pallet_timestamp::Now::<Test>::put(now_ms);
	}
}

pub fn listener() -> AccountId {
	Sr25519Keyring::Alice.to_account_id()
}
pub fn server() -> AccountId {
	Sr25519Keyring::Bob.to_account_id()
}

/// A fresh mock chain at block 1 and chain time [`NOW`], with the mock
/// genesis hash, the catalog holding only [`SONG`], and a keystore (the
/// benchmarks sign receipts with a key generated in it).
pub fn new_test_ext() -> TestExternalities {
	SETTLED.with(|s| s.borrow_mut().clear());
	SETTLE_FAILS.with(|s| *s.borrow_mut() = None);
	SONGS.with(|s| *s.borrow_mut() = vec![MockSong::new(SONG, FILE)]);
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap_or_default();
	pallet_balances::GenesisConfig::<Test> {
		balances: Sr25519Keyring::iter().map(|k| (k.to_account_id(), FUNDS)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut t)
	.expect("balances genesis");
	let mut ext = TestExternalities::new(t);
	ext.register_extension(KeystoreExt::new(MemoryKeystore::new()));
	ext.execute_with(|| {
		System::set_block_number(1);
		frame_system::BlockHash::<Test>::insert(0, H256(GENESIS));
		pallet_timestamp::Now::<Test>::put(NOW);
		// The server (Bob) holds a serving bond.
		Plays::bond(RuntimeOrigin::signed(server())).expect("Bob bonds");
	});
	// Part of the initial state: the benchmarks wipe everything uncommitted.
	ext.commit_all().expect("the mock state commits");
	ext
}

/// Runs `f` on [`new_test_ext`], then checks the invariants.
pub fn test(f: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		f();
		Plays::do_try_state().expect("play invariants hold");
	})
}

/// A receipt of a real-time play of `[from, to)` ending just before [`NOW`].
pub fn receipt_for(ranges: &[(u32, u32)], nonce: u64) -> SessionReceipt<AccountId> {
	let total: u64 = ranges.iter().map(|(a, b)| u64::from(b - a)).sum();
	let mut at = NOW - total - 60_000;
	let mut heartbeats = Vec::new();
	for &(a, b) in ranges {
		let hb = realtime_heartbeats(a, b, at, 5_000);
		at = hb.last().map(|h| h.at_ms).unwrap_or(at) + 1;
		heartbeats.extend(hb);
	}
	SessionReceipt {
		listener: listener(),
		server: server(),
		song: SONG,
		content_hash: FILE,
		nonce,
		heartbeats: BoundedVec::truncate_from(heartbeats),
	}
}

/// `key`'s signature over `receipt` for a chain with `genesis`.
pub fn sign_with(
	key: Sr25519Keyring,
	receipt: &SessionReceipt<AccountId>,
	genesis: &[u8],
) -> MultiSignature {
	let sig: sr25519::Signature = key.pair().sign(&receipt.signing_payload(genesis));
	sig.into()
}

/// The server's (Bob's) signature for this chain.
pub fn sign(receipt: &SessionReceipt<AccountId>) -> MultiSignature {
	sign_with(Sr25519Keyring::Bob, receipt, &GENESIS)
}

pub fn settled_count() -> usize {
	SETTLED.with(|s| s.borrow().len())
}
