use crate as pallet_supply;
use musicchain_primitives::UNIT;
use polkadot_sdk::{
	frame_support::{derive_impl, parameter_types},
	frame_system, pallet_balances,
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
	pub type Supply = pallet_supply;
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
	type ExistentialDeposit = polkadot_sdk::frame_support::traits::ConstU128<{ UNIT / 1000 }>;
}

parameter_types! {
	pub const Floor: u128 = 1_000_000_000 * UNIT;
	pub const Cap: u128 = 2_000_000_000 * UNIT;
	pub const MaxBurn: u128 = 1_000 * UNIT;
}

impl pallet_supply::Config for Test {
	type Currency = Balances;
	type Floor = Floor;
	type Cap = Cap;
	type MaxBurn = MaxBurn;
	type Pending = polkadot_sdk::frame_support::traits::ConstU128<0>;
}

/// Externalities where account 1 holds `issuance` (the whole supply).
pub fn new_test_ext(issuance: u128) -> polkadot_sdk::sp_io::TestExternalities {
	let mut t = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap_or_default();
	pallet_balances::GenesisConfig::<Test> { balances: vec![(1, issuance)], ..Default::default() }
		.assimilate_storage(&mut t)
		.unwrap_or_default();
	let mut ext: polkadot_sdk::sp_io::TestExternalities = t.into();
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs `f` and then checks the pallet's invariants.
pub fn test(issuance: u128, f: impl FnOnce()) {
	new_test_ext(issuance).execute_with(|| {
		f();
		Supply::do_try_state().expect("supply invariants hold");
	});
}
