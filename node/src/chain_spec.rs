//! The built-in chain specs, each from one of the runtime's genesis presets:
//! `dev` (one validator), `local` (four validators on one machine) and
//! `staging` (the template of a public network). `chain-specs/` holds them
//! as files, written by `scripts/chain-specs.sh`.

use musicchain_runtime::{
	genesis_config_presets::STAGING_PRESET, SS58_PREFIX, TOKEN_DECIMALS, TOKEN_SYMBOL, WASM_BINARY,
};
use polkadot_sdk::{
	sc_network::config::MultiaddrWithPeerId,
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

/// The runtime as zstd-compressed code: a quarter of the size in chain
/// specs and in the genesis state, decompressed by every node's executor.
///
/// Always compressed here, the same way: a release build embeds the wasm
/// already compressed (more strongly), a debug build uncompressed, and both
/// hold the same wasm (a debug build's blob is byte for byte a release
/// build's wasm-opt'd one), so a debug and a release node agree on genesis.
fn compressed(wasm: &[u8]) -> Vec<u8> {
	let raw = blob::decompress(wasm, CODE_BLOB_BOMB_LIMIT).unwrap_or(Cow::Borrowed(wasm));
	blob::compress_weakly(&raw, CODE_BLOB_BOMB_LIMIT).unwrap_or_else(|| raw.to_vec())
}

/// The peer ids of the well-known node keys 1, 2, 3 and 4 (32-byte ed25519
/// secrets `0x00…01` to `0x00…04`), which `scripts/local-network.sh` gives
/// Alice, Bob, Charlie and Dave: public, like their development account
/// keys, and for loopback networks only.
pub const DEV_PEER_IDS: [&str; 4] = [
	"12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp",
	"12D3KooWHdiAxVd8uMQR1hGWXccidmfCwLqcMpGwR6QcTP6QRMuD",
	"12D3KooWSCufgHzV4fCwRijfH2k3abrpAJxTKxEvN1FDuRXA2U9x",
	"12D3KooWSsChzF81YDUKpe9Uk5AHV5oqAaXAcWNSPYgoLauUk4st",
];

/// The first p2p port of a loopback network (validator `i` listens on
/// this plus `i`).
pub const LOOPBACK_P2P_PORT: u16 = 30333;

/// Boot nodes of the first `n` validators of a loopback network, each with
/// its well-known node key ([`DEV_PEER_IDS`]).
fn loopback_boot_nodes(n: usize) -> Result<Vec<MultiaddrWithPeerId>, String> {
	DEV_PEER_IDS
		.iter()
		.take(n)
		.zip(LOOPBACK_P2P_PORT..)
		.map(|(peer, port)| {
			format!("/ip4/127.0.0.1/tcp/{port}/p2p/{peer}")
				.parse()
				.map_err(|e| format!("boot node of port {port}: {e}"))
		})
		.collect()
}

fn from_preset(
	name: &str,
	id: &str,
	chain_type: ChainType,
	preset: &str,
	boot_nodes: Vec<MultiaddrWithPeerId>,
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
		.with_boot_nodes(boot_nodes)
		.build())
}

/// One validator (Alice), temporary chains for development.
pub fn development() -> Result<ChainSpec, String> {
	from_preset(
		"musicchain development",
		"musicchain_dev",
		ChainType::Development,
		DEV_RUNTIME_PRESET,
		Vec::new(),
	)
}

/// Four validators (Alice, Bob, Charlie, Dave) on one machine; its boot
/// nodes are theirs as `scripts/local-network.sh` starts them.
pub fn local_testnet() -> Result<ChainSpec, String> {
	from_preset(
		"musicchain local testnet",
		"musicchain_local",
		ChainType::Local,
		LOCAL_TESTNET_RUNTIME_PRESET,
		loopback_boot_nodes(4)?,
	)
}

/// The template of a public network: its keys, and its boot nodes (its two
/// validators on loopback, with the well-known node keys), are development
/// stand-ins to be replaced by the operators' own (README, "Running a
/// validator").
pub fn staging() -> Result<ChainSpec, String> {
	from_preset(
		"musicchain staging",
		"musicchain_staging",
		ChainType::Live,
		STAGING_PRESET,
		loopback_boot_nodes(2)?,
	)
}
