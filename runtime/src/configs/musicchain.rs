//! The musicchain pallets and their constants (DESIGN §2).

use super::governance::ModeratorMajority;
use crate::{
	AuraId, Balances, Royalties, Runtime, RuntimeHoldReason, Signature, Songs, Supply, Timestamp,
	MINUTES, UNIT,
};
use musicchain_primitives::Permill;
use polkadot_sdk::sp_runtime::Perbill;
use polkadot_sdk::{
	frame_support::{
		parameter_types,
		traits::{ConstU128, ConstU32, ConstU64, Get},
		PalletId,
	},
	pallet_aura,
	sp_runtime::transaction_validity::TransactionPriority,
};

/// Milliseconds in an hour.
const HOUR_MS: u64 = 3_600_000;

parameter_types! {
	// Supply (DESIGN §2.4).
	pub const Floor: u128 = 1_000_000_000 * UNIT;
	pub const Cap: u128 = 2_000_000_000 * UNIT;
	pub const MaxBurn: u128 = 1_000 * UNIT;

	// Songs (DESIGN §2.1).
	pub const VerdictTimeout: u32 = 10 * MINUTES;
	pub const MatchThreshold: Permill = Permill::from_percent(85);
	pub const VerdictPriority: TransactionPriority = TransactionPriority::MAX / 2;
	/// How far a fingerprint's length may be from what its declared
	/// duration gives (DESIGN §2.6).
	pub const FingerprintTolerance: Permill = Permill::from_percent(10);

	// Plays (DESIGN §2.2).
	pub const MinCoverage: Permill = Permill::from_percent(50);

	// Royalties (DESIGN §2.3, §2.6).
	pub const RoyaltiesPalletId: PalletId = PalletId(*b"mc/royal");
	/// MUSIC discovery-tier plays may mint per chain day: 1,000,000 (the
	/// 1e9 floor of the burn curve is then years away).
	pub const DiscoveryBudget: u128 = 1_000_000 * UNIT;

	// Plays (DESIGN §2.6).
	/// Plays may fill at most half of a block's normal weight.
	pub const MaxPlayShare: Perbill = Perbill::from_percent(50);
}

impl pallet_musicchain_supply::Config for Runtime {
	type Currency = Balances;
	type Floor = Floor;
	type Cap = Cap;
	type MaxBurn = MaxBurn;
	type Pending = pallet_musicchain_royalties::PendingEscrowOf<Runtime>;
}

/// The current Aura authorities: the only keys whose dedupe verdicts count.
pub struct AuraAuthorities;
impl Get<alloc::vec::Vec<AuraId>> for AuraAuthorities {
	fn get() -> alloc::vec::Vec<AuraId> {
		pallet_aura::Authorities::<Runtime>::get().into_inner()
	}
}

impl pallet_musicchain_songs::Config for Runtime {
	type ModeratorOrigin = ModeratorMajority;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type SongDeposit = ConstU128<{ 10 * UNIT }>;
	type VariantDeposit = ConstU128<UNIT>;
	type MinDurationMs = ConstU32<30_000>;
	type FingerprintTolerance = FingerprintTolerance;
	type MaxApprovalsPerCall = ConstU32<64>;
	type OnVetted = Royalties;
	type Time = Timestamp;
	type VerdictTimeout = VerdictTimeout;
	type MaxPendingPerBlock = ConstU32<64>;
	type MaxVariants = ConstU32<32>;
	type MaxDurationMs = ConstU32<{ 6 * 3_600_000 }>;
	type AuthorityId = AuraId;
	type Authorities = AuraAuthorities;
	type MaxAuthorities = <Runtime as pallet_aura::Config>::MaxAuthorities;
	type MatchThreshold = MatchThreshold;
	type DurationToleranceMs = ConstU32<3_000>;
	type VerdictPriority = VerdictPriority;
	type WeightInfo = pallet_musicchain_songs::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmarks::SongsBenchmarkHelper;
}

impl pallet_musicchain_plays::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type ModeratorOrigin = ModeratorMajority;
	type ServingBond = ConstU128<{ 100 * UNIT }>;
	type UnbondingPeriod = ConstU32<{ 7 * crate::DAYS }>;
	type MaxServerPlaysPerDay = ConstU32<5_000>;
	type MaxPlayShare = MaxPlayShare;
	type Songs = Songs;
	type Settlement = Royalties;
	type Time = Timestamp;
	type ReceiptSignature = Signature;
	type MinCoverage = MinCoverage;
	type MaxAdvanceMs = ConstU32<10_000>;
	type GraceMs = ConstU32<500>;
	type MaxReceiptAgeMs = ConstU64<{ 24 * HOUR_MS }>;
	type MaxFutureMs = ConstU64<120_000>;
	type CooldownMs = ConstU64<{ 24 * HOUR_MS }>;
	type MaxPlaysPerDay = ConstU32<500>;
	type MaxHeartbeats = ConstU32<{ musicchain_primitives::receipt::MAX_HEARTBEATS }>;
	type WeightInfo = pallet_musicchain_plays::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmarks::PlaysBenchmarkHelper;
}

impl pallet_musicchain_royalties::Config for Runtime {
	type Currency = Balances;
	type Supply = Supply;
	type ModeratorOrigin = ModeratorMajority;
	type PalletId = RoyaltiesPalletId;
	type DiscoveryPlays = ConstU32<10_000>;
	type Reward = ConstU128<UNIT>;
	type CreditPayoutsPerBlock = ConstU32<256>;
	type Time = Timestamp;
	type BudgetOrigin = polkadot_sdk::frame_system::EnsureRoot<crate::AccountId>;
	type DefaultDiscoveryBudget = DiscoveryBudget;
	// The artist's part of 20 plays a payout.
	type RoyaltyPayoutAt = ConstU128<{ 20 * UNIT }>;
	type MaxRoyaltiesDue = ConstU32<64>;
	type Songs = Songs;
	type WeightInfo = pallet_musicchain_royalties::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = crate::benchmarks::RoyaltiesBenchmarkHelper;
}
