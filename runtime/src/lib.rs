//! # The musicchain runtime
//!
//! The chain is the song catalog and the royalty ledger (DESIGN §2): the
//! four musicchain pallets (songs, plays, royalties, supply) with Aura block
//! production, GRANDPA finality, balances and fees, sudo, and the
//! moderators' council (a collective whose majority is the moderator
//! origin, membership managed by Root).
//!
//! Token: MUSIC, 12 decimals. Blocks every 6 s.

#![cfg_attr(not(feature = "std"), no_std)]
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

pub mod apis;
#[cfg(feature = "runtime-benchmarks")]
pub mod benchmarks;
pub mod configs;
pub mod genesis_config_presets;
pub mod weights;

use polkadot_sdk::{
	sp_runtime::{
		generic, impl_opaque_keys,
		traits::{BlakeTwo256, IdentifyAccount, Verify},
		MultiAddress, MultiSignature,
	},
	sp_version::RuntimeVersion,
	*,
};

pub use apis::RuntimeApi;
pub use musicchain_primitives::UNIT;
pub use polkadot_sdk::sp_consensus_aura::sr25519::AuthorityId as AuraId;
pub use polkadot_sdk::sp_consensus_grandpa::AuthorityId as GrandpaId;

/// A block number.
pub type BlockNumber = u32;
/// A transaction signature (sr25519, ed25519 or ecdsa).
pub type Signature = MultiSignature;
/// An account: the public key of its signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// A MUSIC amount, in units of 10^-12 MUSIC.
pub type Balance = u128;
/// An account's transaction counter.
pub type Nonce = u32;
/// A block or state hash.
pub type Hash = polkadot_sdk::sp_core::H256;

/// One thousandth of a MUSIC.
pub const MILLI_UNIT: Balance = UNIT / 1_000;
/// One millionth of a MUSIC.
pub const MICRO_UNIT: Balance = UNIT / 1_000_000;
/// The smallest balance an account may hold.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;
/// Token symbol, decimals and SS58 prefix, for chain specs and wallets.
pub const TOKEN_SYMBOL: &str = "MUSIC";
pub const TOKEN_DECIMALS: u8 = 12;
pub const SS58_PREFIX: u16 = 42;

/// Target block time.
pub const MILLI_SECS_PER_BLOCK: u64 = 6_000;
/// Aura slot duration (one block per slot).
pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;
pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
pub const HOURS: BlockNumber = MINUTES * 60;
pub const DAYS: BlockNumber = HOURS * 24;

/// Types the node needs without knowing the runtime's details.
pub mod opaque {
	use super::*;
	pub use polkadot_sdk::sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// A block header.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// A block with opaque extrinsics.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// A block id.
	pub type BlockId = generic::BlockId<Block>;
}

impl_opaque_keys! {
	/// The keys a validator registers: Aura (block production, also signs
	/// dedupe verdicts) and GRANDPA (finality).
	pub struct SessionKeys {
		pub aura: Aura,
		pub grandpa: Grandpa,
	}
}

#[polkadot_sdk::sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("musicchain"),
	impl_name: alloc::borrow::Cow::Borrowed("musicchain"),
	authoring_version: 1,
	spec_version: 109,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 2,
	system_version: 1,
};

/// An account address in an extrinsic.
pub type Address = MultiAddress<AccountId, ()>;
/// A block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// A block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// A signed block with justifications.
pub type SignedBlock = generic::SignedBlock<Block>;
/// A block id.
pub type BlockId = generic::BlockId<Block>;

/// The transaction extensions, in order. `AuthorizeCall` comes first so the
/// offchain worker's dedupe verdicts (authorized calls) need no account; a
/// valid play (`plays.submit`) is made free by the refund of its whole fee
/// after dispatch, and `CheckPlayShare` keeps plays to their share of a
/// block; `CheckMetadataHash` lets wallets bind a signature to the
/// metadata.
pub type TxExtension = (
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_musicchain_plays::CheckPlayShare<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// The transaction extensions of a transaction with `nonce`, valid during
/// `era`, tipping `tip`: what a signed transaction carries, and (nonce 0,
/// immortal, no tip) what the offchain worker's authorized transactions
/// carry.
pub fn tx_extension(nonce: Nonce, era: generic::Era, tip: Balance) -> TxExtension {
	(
		frame_system::AuthorizeCall::<Runtime>::new(),
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(era),
		frame_system::CheckNonce::<Runtime>::from(nonce),
		frame_system::CheckWeight::<Runtime>::new(),
		pallet_musicchain_plays::CheckPlayShare::<Runtime>::new(),
		pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(tip),
		frame_metadata_hash_extension::CheckMetadataHash::<Runtime>::new(false),
		frame_system::WeightReclaim::<Runtime>::new(),
	)
}

/// An extrinsic as it travels.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// What a signed extrinsic's signature covers.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Migrations to run on the next runtime upgrade: the song registry's
/// vetting (storage version 1) lists the songs registered before it as
/// awaiting the moderators; the royalty ledger's credits start empty; the
/// servers' daily counts move into their bonds (plays version 2); each
/// song's play count becomes its ledger (royalties version 2).
type Migrations = (
	pallet_musicchain_songs::migrations::v1::MigrateToV1<Runtime>,
	pallet_musicchain_royalties::migrations::MigrateToV1<Runtime>,
	pallet_musicchain_royalties::migrations::v2::MigrateToV2<Runtime>,
	pallet_musicchain_plays::migrations::MigrateToV1<Runtime>,
	pallet_musicchain_plays::migrations::v2::MigrateToV2<Runtime>,
);

/// Dispatches blocks and extrinsics to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;
	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;
	#[runtime::pallet_index(4)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(5)]
	pub type TransactionPayment = pallet_transaction_payment;
	#[runtime::pallet_index(6)]
	pub type Sudo = pallet_sudo;
	#[runtime::pallet_index(7)]
	pub type Moderators = pallet_collective<Instance1>;
	#[runtime::pallet_index(8)]
	pub type ModeratorMembership = pallet_membership<Instance1>;
	#[runtime::pallet_index(9)]
	pub type Multisig = pallet_multisig;
	#[runtime::pallet_index(10)]
	pub type Supply = pallet_musicchain_supply;
	#[runtime::pallet_index(11)]
	pub type Songs = pallet_musicchain_songs;
	#[runtime::pallet_index(12)]
	pub type Plays = pallet_musicchain_plays;
	#[runtime::pallet_index(13)]
	pub type Royalties = pallet_musicchain_royalties;
}
