use crate as pallet_songs;
use musicchain_primitives::{
	fingerprint::{CompressedFingerprint, Fingerprint},
	BoundedVec, Format, Metadata,
};
use polkadot_sdk::{
	frame_support::{
		derive_impl, parameter_types,
		traits::{ConstU128, ConstU32, ConstU64, IsInVec},
	},
	frame_system::{self, EnsureSignedBy},
	pallet_balances, pallet_timestamp,
	sp_runtime::{testing::UintAuthorityId, BuildStorage, Permill},
};

type Block = polkadot_sdk::sp_runtime::generic::Block<
	polkadot_sdk::sp_runtime::generic::Header<u64, polkadot_sdk::sp_runtime::traits::BlakeTwo256>,
	Extrinsic,
>;

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
	pub type Songs = pallet_songs;
	#[runtime::pallet_index(3)]
	pub type Balances = pallet_balances;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u128>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = u128;
	type AccountStore = System;
	type RuntimeHoldReason = RuntimeHoldReason;
}

/// What registering holds from an artist.
pub const DEPOSIT: u128 = 10_000;
/// What each file added to an unvetted song holds.
pub const VARIANT_DEPOSIT: u128 = 1_000;
/// What every account starts with.
pub const FUNDS: u128 = 1_000_000;

#[derive_impl(pallet_timestamp::config_preludes::TestDefaultConfig)]
impl pallet_timestamp::Config for Test {}

parameter_types! {
	pub Moderators: Vec<u64> = vec![100];
	pub const MatchThreshold: Permill = Permill::from_percent(85);
	pub const FingerprintTolerance: Permill = Permill::from_percent(10);
	/// What the registry told the royalty ledger, in order.
	pub static Vetted: Vec<VettingCall> = vec![];
}

/// A call of [`musicchain_primitives::traits::OnVetted`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VettingCall {
	Approved(u32),
	Rejected(u32),
	ArtistApproved(u64),
	PayeesChanging(u32),
}

pub struct VettingLog;
impl musicchain_primitives::traits::OnVetted<u64> for VettingLog {
	fn approved(song: u32) {
		Vetted::mutate(|v| v.push(VettingCall::Approved(song)));
	}
	fn rejected(song: u32) {
		Vetted::mutate(|v| v.push(VettingCall::Rejected(song)));
	}
	fn artist_approved(artist: &u64) {
		Vetted::mutate(|v| v.push(VettingCall::ArtistApproved(*artist)));
	}
	fn payees_changing(song: u32) {
		Vetted::mutate(|v| v.push(VettingCall::PayeesChanging(song)));
	}
}

pub const TIMEOUT: u64 = 20;

type TxExtension = frame_system::AuthorizeCall<Test>;
pub type Extrinsic = polkadot_sdk::sp_runtime::testing::TestXt<RuntimeCall, TxExtension>;

impl<C> frame_system::offchain::CreateTransactionBase<C> for Test
where
	RuntimeCall: From<C>,
{
	type RuntimeCall = RuntimeCall;
	type Extrinsic = Extrinsic;
}

impl<C> frame_system::offchain::CreateTransaction<C> for Test
where
	RuntimeCall: From<C>,
{
	type Extension = TxExtension;
	fn create_transaction(call: RuntimeCall, extension: TxExtension) -> Extrinsic {
		Extrinsic::new_transaction(call, extension)
	}
}

impl<C> frame_system::offchain::CreateAuthorizedTransaction<C> for Test
where
	RuntimeCall: From<C>,
{
	fn create_extension() -> TxExtension {
		TxExtension::new()
	}
}

parameter_types! {
	/// The current block authors.
	pub static AuthoritySet: Vec<UintAuthorityId> =
		vec![UintAuthorityId(1), UintAuthorityId(2), UintAuthorityId(3)];
}

impl pallet_songs::Config for Test {
	type ModeratorOrigin = EnsureSignedBy<IsInVec<Moderators>, u64>;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type SongDeposit = ConstU128<DEPOSIT>;
	type VariantDeposit = ConstU128<VARIANT_DEPOSIT>;
	type MinDurationMs = ConstU32<30_000>;
	type FingerprintTolerance = FingerprintTolerance;
	type MaxApprovalsPerCall = ConstU32<2>;
	type OnVetted = VettingLog;
	type Time = Timestamp;
	type VerdictTimeout = ConstU64<TIMEOUT>;
	type MaxPendingPerBlock = ConstU32<2>;
	type MaxVariants = ConstU32<3>;
	type MaxDurationMs = ConstU32<{ 6 * 3_600_000 }>;
	type AuthorityId = UintAuthorityId;
	type Authorities = AuthoritySet;
	type MaxAuthorities = ConstU32<8>;
	type MatchThreshold = MatchThreshold;
	type DurationToleranceMs = ConstU32<3_000>;
	type VerdictPriority = ConstU64<{ 1 << 20 }>;
	type WeightInfo = ();
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockBenchmarkHelper;
}

/// Makes the benchmarks' generated keys the [`AuthoritySet`]. (`UintAuthorityId`
/// generates and signs without a keystore, so the mock registers none.)
#[cfg(feature = "runtime-benchmarks")]
pub struct MockBenchmarkHelper;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper<UintAuthorityId> for MockBenchmarkHelper {
	fn set_authorities(ids: &[UintAuthorityId]) {
		AuthoritySet::set(ids.to_vec());
	}

	fn credit_song(_song: u32) {}

	fn owe_song(_song: u32) {}
}

pub const ARTIST: u64 = 1;
/// Another artist.
pub const OTHER: u64 = 2;
pub const MODERATOR: u64 = 100;

/// Sub-fingerprints of a recording: pseudo-random, about 120 s long.
pub fn recording(seed: u32) -> Vec<u32> {
	let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
	(0..950)
		.map(|_| {
			s ^= s << 13;
			s ^= s >> 17;
			s ^= s << 5;
			s
		})
		.collect()
}

/// Another encoding of `recording(seed)`: starts `skip` items later and a
/// low bit differs in every fourth item.
pub fn reencoded(seed: u32, skip: usize) -> Vec<u32> {
	recording(seed)
		.into_iter()
		.skip(skip)
		.enumerate()
		.map(|(i, x)| if i % 4 == 0 { x ^ 1 } else { x })
		.collect()
}

pub fn compress(items: Vec<u32>) -> CompressedFingerprint {
	BoundedVec::truncate_from(Fingerprint { algorithm: 1, items }.compress())
}

/// A valid compressed fingerprint, unlike any other `seed`'s.
pub fn fingerprint(seed: u32) -> CompressedFingerprint {
	compress(recording(seed))
}

pub fn variant(byte: u8) -> crate::VariantInfo {
	crate::VariantInfo {
		content_hash: musicchain_primitives::ContentHash([byte; 32]),
		format: Format::Flac,
		size: 1_000_000,
		piece_size: 262_144,
		manifest_root: musicchain_primitives::ManifestRoot([byte ^ 0xff; 32]),
	}
}

pub fn metadata() -> Metadata {
	Metadata::from_strs("Title", "Artist", "Album", "Genre", Some(2026), Some(1))
}

/// Registers song `seed` by [`ARTIST`] with file `[seed; 32]`.
pub fn register(seed: u8) -> polkadot_sdk::sp_runtime::DispatchResult {
	register_file(fingerprint(u32::from(seed)), 240_000, seed)
}

/// Registers recording `seed` (240 s) as `who`, with file `[file; 32]`.
pub fn register_as(who: u64, seed: u32, file: u8) -> polkadot_sdk::sp_runtime::DispatchResult {
	Songs::register(
		RuntimeOrigin::signed(who),
		fingerprint(seed),
		240_000,
		metadata(),
		Default::default(),
		variant(file),
	)
}

/// Registers a file `[file; 32]` with this fingerprint and duration.
pub fn register_file(
	fingerprint: CompressedFingerprint,
	duration_ms: u32,
	file: u8,
) -> polkadot_sdk::sp_runtime::DispatchResult {
	Songs::register(
		RuntimeOrigin::signed(ARTIST),
		fingerprint,
		duration_ms,
		metadata(),
		Default::default(),
		variant(file),
	)
}

pub fn run_to(n: u64) {
	use polkadot_sdk::frame_support::traits::Hooks;
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Songs::on_initialize(next);
	}
}

/// A fresh mock chain at block 1 and chain time 2026-11-25.
pub fn new_ext() -> polkadot_sdk::sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap_or_default();
	pallet_balances::GenesisConfig::<Test> {
		balances: [ARTIST, OTHER, MODERATOR].iter().map(|who| (*who, FUNDS)).collect(),
		..Default::default()
	}
	.assimilate_storage(&mut t)
	.expect("balances genesis");
	let mut ext: polkadot_sdk::sp_io::TestExternalities = t.into();
	ext.execute_with(|| {
		System::set_block_number(1);
		pallet_timestamp::Now::<Test>::put(1_795_000_000_000u64);
	});
	// Part of the initial state: the benchmarks wipe everything uncommitted.
	ext.commit_all().expect("the mock state commits");
	ext
}

/// Runs a test, then checks the registry's invariants.
pub fn test(f: impl FnOnce()) {
	new_ext().execute_with(|| {
		f();
		Songs::do_try_state().expect("registry invariants hold");
	});
}
