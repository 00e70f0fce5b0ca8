//! The node's maintenance subcommands, run as an operator runs them.

mod common;

use common::NODE;
use std::process::{Command, Output};

fn node(args: &[&str]) -> Output {
	Command::new(NODE).args(args).output().expect("run musicchain-node")
}

fn stdout(out: &Output) -> String {
	String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
	String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn chain_specs_carry_the_token_properties() {
	for chain in ["dev", "local", "staging"] {
		let out = node(&["export-chain-spec", "--chain", chain]);
		assert!(out.status.success(), "{chain}: {}", stderr(&out));
		let spec: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
		assert_eq!(spec["properties"]["tokenSymbol"], "MUSIC", "{chain}");
		assert_eq!(spec["properties"]["tokenDecimals"], 12, "{chain}");
		assert_eq!(spec["properties"]["ss58Format"], 42, "{chain}");
		// chain-specs/ is regenerated after every preset change.
		let path = format!("{}/../chain-specs/{chain}-plain.json", env!("CARGO_MANIFEST_DIR"));
		let committed: serde_json::Value =
			serde_json::from_str(&std::fs::read_to_string(&path).expect("committed spec"))
				.expect("JSON");
		let patch = |s: &serde_json::Value| s["genesis"]["runtimeGenesis"]["patch"].clone();
		assert_eq!(patch(&committed), patch(&spec), "{path} is stale: run scripts/chain-specs.sh");
	}
	// build-spec (the older name) writes the same raw genesis.
	let out = node(&["build-spec", "--chain", "local", "--raw", "--disable-default-bootnode"]);
	assert!(out.status.success(), "build-spec: {}", stderr(&out));
	let spec: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
	assert!(spec["genesis"]["raw"]["top"].is_object(), "a raw genesis");
	// The committed raw specs load and hold this build's genesis state,
	// the runtime's code included: the wasm does not depend on where it was
	// built (runtime/build.rs), so every checkout reproduces them, and a
	// light client given chain-specs/dev-raw.json computes the genesis of a
	// `--dev` node.
	const CODE: &str = "0x3a636f6465";
	for (chain, file) in
		[("dev", "dev-raw.json"), ("local", "local-raw.json"), ("staging", "staging-raw.json")]
	{
		let path = format!("{}/../chain-specs/{file}", env!("CARGO_MANIFEST_DIR"));
		let out = node(&["export-chain-spec", "--chain", &path, "--raw"]);
		assert!(out.status.success(), "{file}: {}", stderr(&out));
		let committed: serde_json::Value =
			serde_json::from_str(&std::fs::read_to_string(&path).expect("committed spec"))
				.expect("JSON");
		let out = node(&["export-chain-spec", "--chain", chain, "--raw"]);
		assert!(out.status.success(), "{chain}: {}", stderr(&out));
		let built: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
		let state = |spec: &serde_json::Value| {
			let mut top = spec["genesis"]["raw"]["top"].as_object().cloned().unwrap_or_default();
			let code = top.remove(CODE).expect("a raw spec with :code");
			(top, code)
		};
		let ((committed_state, committed_code), (state, code)) = (state(&committed), state(&built));
		assert!(
			committed_state == state,
			"{file} holds another genesis state than this build: run scripts/chain-specs.sh"
		);
		assert!(
			committed_code == code,
			"{file} holds another runtime than this build: if the runtime changed, run \
			 scripts/chain-specs.sh; if not, the wasm build depends on where it ran \
			 (runtime/build.rs)"
		);
	}
	// The local and staging specs name their validators' nodes as boot
	// nodes: the peer ids of the well-known node keys 1, 2, ... that
	// scripts/local-network.sh gives them, on consecutive loopback ports.
	let dir = tempfile::tempdir().expect("temp dir");
	for (chain, count) in [("dev", 0), ("local", 4), ("staging", 2)] {
		let out = node(&["export-chain-spec", "--chain", chain]);
		let spec: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
		let boot_nodes: Vec<String> = spec["bootNodes"]
			.as_array()
			.expect("bootNodes")
			.iter()
			.map(|b| b.as_str().expect("an address").to_string())
			.collect();
		assert_eq!(boot_nodes.len(), count, "{chain}: {boot_nodes:?}");
		for (i, address) in boot_nodes.iter().enumerate() {
			let key = dir.path().join(format!("node-key-{i}"));
			std::fs::write(&key, format!("{:064x}", i + 1)).expect("write the node key");
			let out = node(&["key", "inspect-node-key", "--file", key.to_str().expect("utf-8")]);
			assert!(out.status.success(), "{}", stderr(&out));
			let expected = format!("/ip4/127.0.0.1/tcp/{}/p2p/{}", 30333 + i, stdout(&out).trim());
			assert_eq!(*address, expected, "{chain}: boot node {i}");
		}
	}

	let out = node(&["export-chain-spec", "--chain", "/nonexistent/spec.json"]);
	assert!(!out.status.success());
	assert!(stderr(&out).contains("/nonexistent/spec.json"), "{}", stderr(&out));
}

#[test]
fn node_keys_and_benchmark_without_the_feature() {
	let dir = tempfile::tempdir().expect("temp dir");
	let key = dir.path().join("node-key");
	let key = key.to_str().expect("utf-8");
	let out = node(&["key", "generate-node-key", "--file", key]);
	assert!(out.status.success(), "{}", stderr(&out));
	let out = node(&["key", "inspect-node-key", "--file", key]);
	assert!(out.status.success(), "{}", stderr(&out));
	assert!(stdout(&out).trim().starts_with("12D3KooW"), "a peer id: {}", stdout(&out));

	// A validator's session keys go into the keystore of its chain.
	let base = dir.path().join("base");
	let base = base.to_str().expect("utf-8");
	for (scheme, key_type) in [("sr25519", "aura"), ("ed25519", "gran")] {
		let out = node(&[
			"key",
			"insert",
			"--chain",
			"dev",
			"--base-path",
			base,
			"--scheme",
			scheme,
			"--key-type",
			key_type,
			"--suri",
			"//Eve",
		]);
		assert!(out.status.success(), "key insert {key_type}: {}", stderr(&out));
	}
	let keystore = dir.path().join("base/chains/musicchain_dev/keystore");
	let mut types: Vec<String> = std::fs::read_dir(&keystore)
		.unwrap_or_else(|e| panic!("{}: {e}", keystore.display()))
		.filter_map(|entry| entry.ok())
		.map(|entry| entry.file_name().to_string_lossy()[..8].to_string())
		.collect();
	types.sort();
	// Key files are named by the key type's hex followed by the public key.
	assert_eq!(types, ["61757261", "6772616e"], "one aura and one gran key");

	if !cfg!(feature = "runtime-benchmarks") {
		let out = node(&["benchmark", "pallet", "--pallet", "pallet_musicchain_plays"]);
		assert!(!out.status.success());
		assert!(stderr(&out).contains("--features runtime-benchmarks"), "{}", stderr(&out));
	}
}
