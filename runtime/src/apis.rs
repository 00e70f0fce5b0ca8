//! The runtime APIs: the standard set wallets, explorers and the node use,
//! plus [`MusicchainApi`](musicchain_runtime_api::MusicchainApi).

use crate::{
	AccountId, Aura, Balance, Block, BlockNumber, Executive, Grandpa, InherentDataExt, Nonce,
	Runtime, RuntimeCall, RuntimeGenesisConfig, SessionKeys, System, TransactionPayment, VERSION,
};
use alloc::vec::Vec;
use musicchain_primitives::{ContentHash, FingerprintHash, SongId};
use musicchain_runtime_api::{PlayCount, SongRecord, VariantRecord};
use polkadot_sdk::{
	frame_support::{
		genesis_builder_helper::{build_state, get_preset},
		weights::Weight,
	},
	sp_api::impl_runtime_apis,
	sp_core::{crypto::KeyTypeId, OpaqueMetadata},
	sp_runtime::{
		traits::{Block as BlockT, NumberFor},
		transaction_validity::{TransactionSource, TransactionValidity},
		ApplyExtrinsicResult,
	},
	sp_version::RuntimeVersion,
	*,
};

impl_runtime_apis! {
	impl sp_api::Core<Block> for Runtime {
		fn version() -> RuntimeVersion {
			VERSION
		}

		fn execute_block(block: <Block as BlockT>::LazyBlock) {
			Executive::execute_block(block);
		}

		fn initialize_block(header: &<Block as BlockT>::Header) -> sp_runtime::ExtrinsicInclusionMode {
			Executive::initialize_block(header)
		}
	}

	impl sp_api::Metadata<Block> for Runtime {
		fn metadata() -> OpaqueMetadata {
			OpaqueMetadata::new(Runtime::metadata().into())
		}

		fn metadata_at_version(version: u32) -> Option<OpaqueMetadata> {
			Runtime::metadata_at_version(version)
		}

		fn metadata_versions() -> Vec<u32> {
			Runtime::metadata_versions()
		}
	}

	impl sp_block_builder::BlockBuilder<Block> for Runtime {
		fn apply_extrinsic(extrinsic: <Block as BlockT>::Extrinsic) -> ApplyExtrinsicResult {
			Executive::apply_extrinsic(extrinsic)
		}

		fn finalize_block() -> <Block as BlockT>::Header {
			Executive::finalize_block()
		}

		fn inherent_extrinsics(data: sp_inherents::InherentData) -> Vec<<Block as BlockT>::Extrinsic> {
			data.create_extrinsics()
		}

		fn check_inherents(
			block: <Block as BlockT>::LazyBlock,
			data: sp_inherents::InherentData,
		) -> sp_inherents::CheckInherentsResult {
			data.check_extrinsics(&block)
		}
	}

	impl sp_transaction_pool::runtime_api::TaggedTransactionQueue<Block> for Runtime {
		fn validate_transaction(
			source: TransactionSource,
			tx: <Block as BlockT>::Extrinsic,
			block_hash: <Block as BlockT>::Hash,
		) -> TransactionValidity {
			Executive::validate_transaction(source, tx, block_hash)
		}
	}

	impl sp_offchain::OffchainWorkerApi<Block> for Runtime {
		fn offchain_worker(header: &<Block as BlockT>::Header) {
			Executive::offchain_worker(header)
		}
	}

	impl sp_consensus_aura::AuraApi<Block, crate::AuraId> for Runtime {
		fn slot_duration() -> sp_consensus_aura::SlotDuration {
			sp_consensus_aura::SlotDuration::from_millis(Aura::slot_duration())
		}

		fn authorities() -> Vec<crate::AuraId> {
			pallet_aura::Authorities::<Runtime>::get().into_inner()
		}
	}

	impl sp_session::SessionKeys<Block> for Runtime {
		fn generate_session_keys(owner: Vec<u8>, seed: Option<Vec<u8>>) -> sp_session::OpaqueGeneratedSessionKeys {
			SessionKeys::generate(&owner, seed).into()
		}

		fn decode_session_keys(encoded: Vec<u8>) -> Option<Vec<(Vec<u8>, KeyTypeId)>> {
			SessionKeys::decode_into_raw_public_keys(&encoded)
		}
	}

	impl sp_consensus_grandpa::GrandpaApi<Block> for Runtime {
		fn grandpa_authorities() -> sp_consensus_grandpa::AuthorityList {
			Grandpa::grandpa_authorities()
		}

		fn current_set_id() -> sp_consensus_grandpa::SetId {
			Grandpa::current_set_id()
		}

		fn submit_report_equivocation_unsigned_extrinsic(
			_equivocation_proof: sp_consensus_grandpa::EquivocationProof<
				<Block as BlockT>::Hash,
				NumberFor<Block>,
			>,
			_key_owner_proof: sp_consensus_grandpa::OpaqueKeyOwnershipProof,
		) -> Option<()> {
			None
		}

		fn generate_key_ownership_proof(
			_set_id: sp_consensus_grandpa::SetId,
			_authority_id: crate::GrandpaId,
		) -> Option<sp_consensus_grandpa::OpaqueKeyOwnershipProof> {
			// No key-owner proofs on this chain (KeyOwnerProof = Void).
			None
		}
	}

	impl frame_system_rpc_runtime_api::AccountNonceApi<Block, AccountId, Nonce> for Runtime {
		fn account_nonce(account: AccountId) -> Nonce {
			System::account_nonce(account)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentApi<Block, Balance> for Runtime {
		fn query_info(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> pallet_transaction_payment_rpc_runtime_api::RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_info(uxt, len)
		}
		fn query_fee_details(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> pallet_transaction_payment::FeeDetails<Balance> {
			TransactionPayment::query_fee_details(uxt, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentCallApi<Block, Balance, RuntimeCall>
		for Runtime
	{
		fn query_call_info(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_call_info(call, len)
		}
		fn query_call_fee_details(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::FeeDetails<Balance> {
			TransactionPayment::query_call_fee_details(call, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl musicchain_runtime_api::MusicchainApi<Block, AccountId, BlockNumber, Balance> for Runtime {
		fn song(song: SongId) -> Option<SongRecord<AccountId, BlockNumber>> {
			pallet_musicchain_songs::Songs::<Runtime>::get(song)
		}

		fn vetting(song: SongId) -> Option<musicchain_runtime_api::Decision> {
			let record = pallet_musicchain_songs::Songs::<Runtime>::get(song)?;
			pallet_musicchain_songs::Pallet::<Runtime>::vetting(song, &record.artist)
		}

		fn song_credits(song: SongId) -> Balance {
			pallet_musicchain_royalties::Credits::<Runtime>::iter_prefix_values(song)
				.fold(0, |acc: Balance, v| acc.saturating_add(v))
				.saturating_add(pallet_musicchain_royalties::Ledger::<Runtime>::get(song).credited)
		}

		fn credits(account: AccountId) -> Balance {
			let own = pallet_musicchain_royalties::Credits::<Runtime>::iter()
				.filter(|(_, who, _)| *who == account)
				.fold(0, |acc: Balance, (_, _, v)| acc.saturating_add(v));
			// The artist's parts, split as each song's splits are now.
			own.saturating_add(songs_share(&account, |l| l.credited))
		}

		fn royalties_owed(account: AccountId) -> Balance {
			songs_share(&account, |l| l.owed)
		}

		fn bond(account: AccountId) -> Option<musicchain_runtime_api::Bond<BlockNumber>> {
			pallet_musicchain_plays::Bonds::<Runtime>::get(account)
		}

		fn song_by_content(content_hash: ContentHash) -> Option<VariantRecord> {
			pallet_musicchain_songs::Variants::<Runtime>::get(content_hash)
		}

		fn song_by_fingerprint(fingerprint_hash: FingerprintHash) -> Option<SongId> {
			pallet_musicchain_songs::ByFingerprint::<Runtime>::get(fingerprint_hash)
		}

		fn variants(song: SongId) -> Vec<(ContentHash, VariantRecord)> {
			pallet_musicchain_songs::SongVariants::<Runtime>::get(song)
				.into_iter()
				.filter_map(|h| pallet_musicchain_songs::Variants::<Runtime>::get(h).map(|v| (h, v)))
				.collect()
		}

		fn play_count(song: SongId) -> PlayCount {
			PlayCount {
				plays: pallet_musicchain_royalties::Ledger::<Runtime>::get(song).plays,
				next_tier: pallet_musicchain_royalties::Pallet::<Runtime>::tier_of(song),
			}
		}

		fn escrow(account: AccountId) -> Balance {
			pallet_musicchain_royalties::Escrow::<Runtime>::get(account)
		}

		fn burn_quote() -> Balance {
			<pallet_musicchain_supply::Pallet<Runtime> as pallet_musicchain_supply::SupplyControl<AccountId>>::burn_quote()
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	impl frame_benchmarking::Benchmark<Block> for Runtime {
		fn benchmark_metadata(extra: bool) -> (
			Vec<frame_benchmarking::BenchmarkList>,
			Vec<frame_support::traits::StorageInfo>,
		) {
			use frame_benchmarking::BenchmarkList;
			use frame_support::traits::StorageInfoTrait;
			use frame_system_benchmarking::Pallet as SystemBench;
			use frame_benchmarking::baseline::Pallet as BaselineBench;
			use crate::*;

			let mut list = Vec::<BenchmarkList>::new();
			list_benchmarks!(list, extra);
			let storage_info = AllPalletsWithSystem::storage_info();
			(list, storage_info)
		}

		#[allow(non_local_definitions)]
		fn dispatch_benchmark(
			config: frame_benchmarking::BenchmarkConfig
		) -> Result<Vec<frame_benchmarking::BenchmarkBatch>, alloc::string::String> {
			use frame_benchmarking::BenchmarkBatch;
			use frame_system_benchmarking::Pallet as SystemBench;
			use frame_benchmarking::baseline::Pallet as BaselineBench;
			use frame_support::traits::WhitelistedStorageKeys;
			use sp_storage::TrackedStorageKey;
			use crate::*;

			impl frame_system_benchmarking::Config for Runtime {}
			impl frame_benchmarking::baseline::Config for Runtime {}

			let mut whitelist: Vec<TrackedStorageKey> =
				AllPalletsWithSystem::whitelisted_storage_keys();
			// Read by every block or every signed transaction before any call
			// runs, so a call that reads them again finds them in the cache:
			// the timestamp (set by the inherent at the start of each block)
			// and the genesis hash (CheckGenesis reads it for every signature).
			whitelist.push(pallet_timestamp::Now::<Runtime>::hashed_key().to_vec().into());
			whitelist.push(
				frame_system::BlockHash::<Runtime>::hashed_key_for(BlockNumber::default()).into(),
			);
			let mut batches = Vec::<BenchmarkBatch>::new();
			let params = (&config, &whitelist);
			add_benchmarks!(params, batches);
			Ok(batches)
		}
	}

	#[cfg(feature = "try-runtime")]
	impl frame_try_runtime::TryRuntime<Block> for Runtime {
		fn on_runtime_upgrade(checks: frame_try_runtime::UpgradeCheckSelect) -> (Weight, Weight) {
			let weight = Executive::try_runtime_upgrade(checks)
				.unwrap_or_else(|e| panic!("try_runtime_upgrade failed: {e:?}"));
			(weight, crate::configs::RuntimeBlockWeights::get().max_block)
		}

		fn execute_block(
			block: <Block as BlockT>::LazyBlock,
			state_root_check: bool,
			signature_check: bool,
			select: frame_try_runtime::TryStateSelect,
		) -> Weight {
			Executive::try_execute_block(block, state_root_check, signature_check, select)
				.unwrap_or_else(|e| panic!("try_execute_block failed: {e:?}"))
		}
	}

	impl sp_genesis_builder::GenesisBuilder<Block> for Runtime {
		fn build_state(config: Vec<u8>) -> sp_genesis_builder::Result {
			build_state::<RuntimeGenesisConfig>(config)
		}

		fn get_preset(id: &Option<sp_genesis_builder::PresetId>) -> Option<Vec<u8>> {
			get_preset::<RuntimeGenesisConfig>(id, crate::genesis_config_presets::get_preset)
		}

		fn preset_names() -> Vec<sp_genesis_builder::PresetId> {
			crate::genesis_config_presets::preset_names()
		}
	}
}

/// `account`'s share, under each song's splits now, of what `part` of the
/// songs' ledgers holds. Reads every song that has been played: for
/// wallets, not for the chain's own logic.
fn songs_share(
	account: &AccountId,
	part: impl Fn(&pallet_musicchain_royalties::SongLedger) -> Balance,
) -> Balance {
	pallet_musicchain_royalties::Ledger::<Runtime>::iter()
		.filter(|(_, ledger)| part(ledger) > 0)
		.filter_map(|(song, ledger)| {
			let record = pallet_musicchain_songs::Songs::<Runtime>::get(song)?;
			let shares = musicchain_primitives::metadata::distribute(
				part(&ledger),
				&record.artist,
				&record.splits,
			);
			shares.into_iter().find(|(who, _)| who == account).map(|(_, amount)| amount)
		})
		.fold(0, |acc: Balance, v| acc.saturating_add(v))
}
