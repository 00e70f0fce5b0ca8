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
	// The committed raw specs load and hold this build's genesis state. The
	// runtime's code is left out: its wasm names no build path any more
	// (runtime/build.rs), but the symbol hashes of the workspace's crates
	// still depend on where the checkout is relative to the target
	// directory, so another checkout builds other bytes.
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
			assert!(top.remove(CODE).is_some(), "{chain}: a raw spec with :code");
			top
		};
		assert!(
			state(&committed) == state(&built),
			"{file} holds another genesis state than this build: run scripts/chain-specs.sh"
		);
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
