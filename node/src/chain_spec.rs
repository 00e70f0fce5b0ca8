//! The built-in chain specs, each from one of the runtime's genesis presets:
//! `dev` (one validator), `local` (four validators on one machine) and
//! `staging` (the template of a public network). `chain-specs/` holds them
//! as files, written by `scripts/chain-specs.sh`.

use musicchain_runtime::{
	genesis_config_presets::STAGING_PRESET, SS58_PREFIX, TOKEN_DECIMALS, TOKEN_SYMBOL, WASM_BINARY,
};
use polkadot_sdk::{
	sc_service::{self, ChainType, Properties},
	sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET},
	sp_maybe_compressed_blob::{self as blob, CODE_BLOB_BOMB_LIMIT},
};
use std::borrow::Cow;

pub type ChainSpec = sc_service::GenericChainSpec;

/// What wallets and explorers read to show balances: MUSIC, 12 decimals,
/// the generic Substrate address format.
fn properties() -> Properties {
	let mut properties = Properties::new();
	properties.insert("tokenSymbol".into(), TOKEN_SYMBOL.into());
	properties.insert("tokenDecimals".into(), TOKEN_DECIMALS.into());
	properties.insert("ss58Format".into(), SS58_PREFIX.into());
	properties
}

/// The runtime as zstd-compressed code (what release builds embed; debug
/// builds embed it uncompressed): a quarter of the size in chain specs and
/// in the genesis state, decompressed by every node's executor.
fn compressed(wasm: &[u8]) -> Vec<u8> {
	match blob::decompress(wasm, CODE_BLOB_BOMB_LIMIT) {
		Ok(Cow::Borrowed(_)) => {
			blob::compress_weakly(wasm, CODE_BLOB_BOMB_LIMIT).unwrap_or_else(|| wasm.to_vec())
		},
		_ => wasm.to_vec(),
	}
}

fn from_preset(
	name: &str,
	id: &str,
	chain_type: ChainType,
	preset: &str,
) -> Result<ChainSpec, String> {
	let wasm = WASM_BINARY.ok_or_else(|| {
		"this node was built without the runtime's wasm (SKIP_WASM_BUILD was set); \
		 build it again without SKIP_WASM_BUILD"
			.to_string()
	})?;
	Ok(ChainSpec::builder(&compressed(wasm), None)
		.with_name(name)
		.with_id(id)
		.with_protocol_id(&id.replace('_', "-"))
		.with_chain_type(chain_type)
		.with_properties(properties())
		.with_genesis_config_preset_name(preset)
		.build())
}

/// One validator (Alice), temporary chains for development.
pub fn development() -> Result<ChainSpec, String> {
	from_preset(
		"musicchain development",
		"musicchain_dev",
		ChainType::Development,
		DEV_RUNTIME_PRESET,
	)
}

/// Four validators (Alice, Bob, Charlie, Dave) on one machine.
pub fn local_testnet() -> Result<ChainSpec, String> {
	from_preset(
		"musicchain local testnet",
		"musicchain_local",
		ChainType::Local,
		LOCAL_TESTNET_RUNTIME_PRESET,
	)
}

/// The template of a public network: its keys are development stand-ins
/// to be replaced by the operators' own (README, "Running a validator").
pub fn staging() -> Result<ChainSpec, String> {
	from_preset("musicchain staging", "musicchain_staging", ChainType::Live, STAGING_PRESET)
}
