use crate as pallet_songs;
use musicchain_primitives::{
	fingerprint::{CompressedFingerprint, Fingerprint},
	BoundedVec, Format, Metadata,
};
use polkadot_sdk::{
	frame_support::{
		derive_impl, parameter_types,
		traits::{ConstU32, ConstU64, IsInVec},
	},
	frame_system::{self, EnsureSignedBy},
	pallet_timestamp,
	sp_runtime::BuildStorage,
};

type Block = frame_system::mocking::MockBlock<Test>;

#[polkadot_sdk::frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(RuntimeCall, RuntimeEvent, RuntimeError, RuntimeOrigin, RuntimeTask)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(2)]
	pub type Songs = pallet_songs;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

#[derive_impl(pallet_timestamp::config_preludes::TestDefaultConfig)]
impl pallet_timestamp::Config for Test {}

parameter_types! {
	pub Moderators: Vec<u64> = vec![100];
}

pub const TIMEOUT: u64 = 10;

impl pallet_songs::Config for Test {
	type ModeratorOrigin = EnsureSignedBy<IsInVec<Moderators>, u64>;
	type Time = Timestamp;
	type VerdictTimeout = ConstU64<TIMEOUT>;
	type MaxPendingPerBlock = ConstU32<2>;
	type MaxVariants = ConstU32<3>;
	type MaxDurationMs = ConstU32<{ 6 * 3_600_000 }>;
	type WeightInfo = ();
}

pub const ARTIST: u64 = 1;
pub const MODERATOR: u64 = 100;

/// A valid compressed fingerprint distinct per `seed`.
pub fn fingerprint(seed: u32) -> CompressedFingerprint {
	let items = (0..200u32).map(|i| i.wrapping_mul(2_654_435_761) ^ seed).collect();
	BoundedVec::truncate_from(Fingerprint { algorithm: 1, items }.compress())
}

pub fn variant(byte: u8) -> crate::VariantInfo {
	crate::VariantInfo {
		content_hash: [byte; 32],
		format: Format::Flac,
		size: 1_000_000,
		piece_size: 262_144,
		manifest_root: [byte ^ 0xff; 32],
	}
}

pub fn metadata() -> Metadata {
	Metadata::from_strs("Title", "Artist", "Album", "Genre", Some(2026), Some(1))
}

/// Registers song `seed` by [`ARTIST`] with file `[seed; 32]`.
pub fn register(seed: u8) -> polkadot_sdk::sp_runtime::DispatchResult {
	Songs::register(
		RuntimeOrigin::signed(ARTIST),
		fingerprint(u32::from(seed)),
		240_000,
		metadata(),
		Default::default(),
		variant(seed),
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

pub fn test(f: impl FnOnce()) {
	let t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap_or_default();
	let mut ext: polkadot_sdk::sp_io::TestExternalities = t.into();
	ext.execute_with(|| {
		System::set_block_number(1);
		pallet_timestamp::Now::<Test>::put(1_795_000_000_000u64);
		f()
	});
}
