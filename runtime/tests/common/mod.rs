//! A chain in a test: the real runtime built from a genesis preset, blocks
//! initialized and finalized by `Executive` with Aura digests and timestamp
//! inherents, transactions applied as the node applies them (signed with
//! the development keys, through every transaction extension), and the
//! offchain worker run after each block against an offchain database and a
//! transaction pool.

#![allow(dead_code)]

use codec::{Decode, Encode};
use musicchain_runtime::{
	genesis_config_presets, AccountId, Executive, Header, Runtime, RuntimeCall,
	RuntimeGenesisConfig, SignedPayload, System, UncheckedExtrinsic, SLOT_DURATION,
};
use parking_lot::RwLock;
use polkadot_sdk::{
	frame_support::dispatch::GetDispatchInfo,
	sp_consensus_aura::{Slot, AURA_ENGINE_ID},
	sp_core::offchain::{
		testing::{PoolState, TestOffchainExt, TestTransactionPoolExt},
		OffchainDbExt, OffchainWorkerExt, TransactionPoolExt,
	},
	sp_io::TestExternalities,
	sp_keyring::Sr25519Keyring,
	sp_keystore::{testing::MemoryKeystore, Keystore, KeystoreExt},
	sp_runtime::{
		generic::{Digest, DigestItem, Era},
		traits::Header as _,
		ApplyExtrinsicResult, BuildStorage, MultiAddress, MultiSignature,
	},
};
use serde_json::Value;
use std::sync::Arc;

/// Chain time of the first block: 2026-11-25.
pub const START_MS: u64 = 1_795_000_000_000;

pub struct Chain {
	pub ext: TestExternalities,
	pool: Arc<RwLock<PoolState>>,
	parent: <Header as polkadot_sdk::sp_runtime::traits::Header>::Hash,
	number: u32,
	pub now_ms: u64,
}

fn merge(base: &mut Value, patch: Value) {
	match (base, patch) {
		(Value::Object(base), Value::Object(patch)) => {
			for (k, v) in patch {
				merge(base.entry(k).or_insert(Value::Null), v);
			}
		},
		(base, patch) => *base = patch,
	}
}

impl Chain {
	/// A chain from the `development` or `local_testnet` preset, whose
	/// keystore holds Alice's Aura key (so its offchain worker judges).
	pub fn new(preset: &str) -> Self {
		let patch = genesis_config_presets::get_preset(&preset.into()).expect("a known preset");
		let patch: Value = serde_json::from_slice(&patch).expect("preset JSON");
		let mut config =
			serde_json::to_value(RuntimeGenesisConfig::default()).expect("default config JSON");
		merge(&mut config, patch);
		let config: RuntimeGenesisConfig =
			serde_json::from_value(config).expect("the preset fits the runtime");
		let mut ext = TestExternalities::new(config.build_storage().expect("genesis builds"));

		let keystore = MemoryKeystore::new();
		keystore
			.sr25519_generate_new(polkadot_sdk::sp_core::crypto::key_types::AURA, Some("//Alice"))
			.expect("Alice's Aura key");
		ext.register_extension(KeystoreExt::new(keystore));
		let (offchain, _) = TestOffchainExt::with_offchain_db(ext.offchain_db());
		ext.register_extension(OffchainDbExt::new(offchain.clone()));
		ext.register_extension(OffchainWorkerExt::new(offchain));
		let (pool, pool_state) = TestTransactionPoolExt::new();
		ext.register_extension(TransactionPoolExt::new(pool));

		let parent = ext.execute_with(|| System::block_hash(0));
		let mut chain = Chain { ext, pool: pool_state, parent, number: 0, now_ms: START_MS };
		chain.start_block();
		chain
	}

	pub fn dev() -> Self {
		Self::new("development")
	}

	pub fn block_number(&self) -> u32 {
		self.number
	}

	fn start_block(&mut self) {
		self.number += 1;
		self.now_ms += SLOT_DURATION;
		let slot = Slot::from(self.now_ms / SLOT_DURATION);
		let header = Header::new(
			self.number,
			Default::default(),
			Default::default(),
			self.parent,
			Digest { logs: vec![DigestItem::PreRuntime(AURA_ENGINE_ID, slot.encode())] },
		);
		let now = self.now_ms;
		self.ext.execute_with(|| {
			Executive::initialize_block(&header);
			let inherent = UncheckedExtrinsic::new_bare(RuntimeCall::Timestamp(
				polkadot_sdk::pallet_timestamp::Call::set { now },
			));
			Executive::apply_extrinsic(inherent)
				.expect("timestamp inherent valid")
				.expect("timestamp inherent applies");
		});
	}

	/// Finalizes the current block, imports its offchain-index writes, runs
	/// the offchain worker on it (its state changes discarded, as a node
	/// does) and starts the next block. Returns the transactions the
	/// offchain worker sent to the pool.
	pub fn next_block(&mut self) -> Vec<UncheckedExtrinsic> {
		let header = self.ext.execute_with(Executive::finalize_block);
		self.ext.persist_offchain_overlay();
		self.ext.execute_with(|| {
			polkadot_sdk::sp_io::storage::start_transaction();
			Executive::offchain_worker(&header);
			polkadot_sdk::sp_io::storage::rollback_transaction();
		});
		self.parent = header.hash();
		self.start_block();
		self.pool
			.write()
			.transactions
			.drain(..)
			.map(|raw| UncheckedExtrinsic::decode(&mut &raw[..]).expect("a pool transaction"))
			.collect()
	}

	/// Advances `n` blocks, applying whatever the offchain worker sends.
	pub fn advance(&mut self, n: u32) {
		let mut pending = Vec::new();
		for _ in 0..n {
			for xt in pending.drain(..) {
				self.apply(xt).expect("valid").expect("applies");
			}
			pending = self.next_block();
		}
		for xt in pending {
			self.apply(xt).expect("valid").expect("applies");
		}
	}

	pub fn apply(&mut self, xt: UncheckedExtrinsic) -> ApplyExtrinsicResult {
		self.ext.execute_with(|| Executive::apply_extrinsic(xt))
	}

	/// Applies `call` signed by `who`, with the account's next nonce.
	pub fn signed(&mut self, who: Sr25519Keyring, call: RuntimeCall) -> ApplyExtrinsicResult {
		let xt = self.ext.execute_with(|| signed_extrinsic(who, call));
		self.apply(xt)
	}

	pub fn execute<R>(&mut self, f: impl FnOnce() -> R) -> R {
		self.ext.execute_with(f)
	}

	pub fn free_balance(&mut self, who: &AccountId) -> u128 {
		self.execute(|| polkadot_sdk::pallet_balances::Pallet::<Runtime>::free_balance(who))
	}
}

/// `call` signed by `who` as a wallet does (inside externalities).
pub fn signed_extrinsic(who: Sr25519Keyring, call: RuntimeCall) -> UncheckedExtrinsic {
	signed_by(&who.pair(), call)
}

/// `call` signed by the key `pair` as a wallet does (inside externalities).
pub fn signed_by(
	pair: &polkadot_sdk::sp_core::sr25519::Pair,
	call: RuntimeCall,
) -> UncheckedExtrinsic {
	use polkadot_sdk::sp_core::Pair;
	let account: AccountId = pair.public().into();
	let ext = musicchain_runtime::tx_extension(System::account_nonce(&account), Era::Immortal, 0);
	let payload = SignedPayload::new(call.clone(), ext.clone()).expect("signable");
	let signature = payload.using_encoded(|p| pair.sign(p));
	UncheckedExtrinsic::new_signed(
		call,
		MultiAddress::Id(account),
		MultiSignature::Sr25519(signature),
		ext,
	)
}

/// The weight `call` declares.
pub fn weight_of(call: &RuntimeCall) -> polkadot_sdk::frame_support::weights::Weight {
	call.get_dispatch_info().call_weight
}

/// Sub-fingerprints of a synthetic 120 s recording.
pub fn recording(seed: u64) -> Vec<u32> {
	let mut state =
		seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
	(0..950)
		.map(|_| {
			state = state
				.wrapping_mul(6_364_136_223_846_793_005)
				.wrapping_add(1_442_695_040_888_963_407);
			(state >> 32) as u32
		})
		.collect()
}

/// The compressed fingerprint of `items`, as `register` takes it.
pub fn compressed(items: Vec<u32>) -> musicchain_primitives::CompressedFingerprint {
	musicchain_primitives::BoundedVec::truncate_from(
		musicchain_primitives::Fingerprint { algorithm: 1, items }.compress(),
	)
}

/// A `plays.submit` of `listener` hearing `ranges` of `(song, file)` in real
/// time, heartbeats every 5 s, ending a second before the chain's time,
/// signed by `server`.
pub fn play_call(
	chain: &mut Chain,
	listener: &polkadot_sdk::sp_core::sr25519::Pair,
	server: &polkadot_sdk::sp_core::sr25519::Pair,
	(song, content_hash): (musicchain_primitives::SongId, musicchain_primitives::ContentHash),
	ranges: &[(u32, u32)],
	nonce: u64,
) -> RuntimeCall {
	use polkadot_sdk::sp_core::Pair;
	let total: u64 = ranges.iter().map(|(a, b)| u64::from(b - a)).sum();
	let mut at = chain.now_ms - total - 1_000;
	let mut heartbeats = Vec::new();
	for &(from, to) in ranges {
		let part = musicchain_primitives::receipt::realtime_heartbeats(from, to, at, 5_000);
		at = part.last().map_or(at, |h| h.at_ms);
		heartbeats.extend(part);
	}
	let receipt = musicchain_primitives::SessionReceipt {
		listener: listener.public().into(),
		server: server.public().into(),
		song,
		content_hash,
		nonce,
		heartbeats: musicchain_primitives::BoundedVec::truncate_from(heartbeats),
	};
	let genesis = chain.execute(|| System::block_hash(0));
	let signature = server.sign(&receipt.signing_payload(genesis.as_ref()));
	RuntimeCall::Plays(pallet_musicchain_plays::Call::submit {
		receipt,
		server_signature: MultiSignature::Sr25519(signature),
	})
}
