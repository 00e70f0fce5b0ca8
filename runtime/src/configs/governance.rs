//! The moderators' council: a collective whose majority is the moderator
//! origin (escrow release, hide/unhide), with membership managed by Root.

use crate::{AccountId, BlockNumber, Runtime, RuntimeCall, RuntimeEvent, RuntimeOrigin, DAYS};
use polkadot_sdk::{
	frame_support::{parameter_types, traits::ConstU32, weights::Weight},
	frame_system::EnsureRoot,
	pallet_collective::{self, EnsureProportionMoreThan, Instance1},
	pallet_membership, pallet_multisig,
	sp_runtime::Perbill,
};

/// A majority (more than half) of the moderators.
pub type ModeratorMajority = EnsureProportionMoreThan<AccountId, Instance1, 1, 2>;

/// Most moderators.
pub const MAX_MODERATORS: u32 = 32;

parameter_types! {
	pub const MotionDuration: BlockNumber = 3 * DAYS;
	pub MaxProposalWeight: Weight =
		Perbill::from_percent(50) * crate::configs::RuntimeBlockWeights::get().max_block;
}

impl pallet_collective::Config<Instance1> for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type MotionDuration = MotionDuration;
	type MaxProposals = ConstU32<100>;
	type MaxMembers = ConstU32<MAX_MODERATORS>;
	type DefaultVote = pallet_collective::MoreThanMajorityThenPrimeDefaultVote;
	type WeightInfo = pallet_collective::weights::SubstrateWeight<Runtime>;
	type SetMembersOrigin = EnsureRoot<AccountId>;
	type MaxProposalWeight = MaxProposalWeight;
	type DisapproveOrigin = EnsureRoot<AccountId>;
	type KillOrigin = EnsureRoot<AccountId>;
	type Consideration = ();
}

impl pallet_membership::Config<Instance1> for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type AddOrigin = EnsureRoot<AccountId>;
	type RemoveOrigin = EnsureRoot<AccountId>;
	type SwapOrigin = EnsureRoot<AccountId>;
	type ResetOrigin = EnsureRoot<AccountId>;
	type PrimeOrigin = EnsureRoot<AccountId>;
	type MembershipInitialized = crate::Moderators;
	type MembershipChanged = crate::Moderators;
	type MaxMembers = ConstU32<MAX_MODERATORS>;
	type WeightInfo = pallet_membership::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	// What a multisig operation holds while it collects approvals: a base
	// and a part per signatory, as for any storage an account opens.
	pub const MultisigDepositBase: crate::Balance = crate::UNIT;
	pub const MultisigDepositFactor: crate::Balance = crate::UNIT / 10;
}

/// Multisig accounts: on a public network the sudo key is the 2-of-3
/// multisig of the technical committee (see `genesis_config_presets`), so
/// Root takes two of its three members.
impl pallet_multisig::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type Currency = crate::Balances;
	type DepositBase = MultisigDepositBase;
	type DepositFactor = MultisigDepositFactor;
	type MaxSignatories = ConstU32<16>;
	type WeightInfo = pallet_multisig::weights::SubstrateWeight<Runtime>;
	type BlockNumberProvider = crate::System;
}
