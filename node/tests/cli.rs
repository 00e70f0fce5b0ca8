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
	}
	// The committed raw specs load.
	for file in ["dev-raw.json", "local-raw.json", "staging-raw.json"] {
		let path = format!("{}/../chain-specs/{file}", env!("CARGO_MANIFEST_DIR"));
		let out = node(&["export-chain-spec", "--chain", &path, "--raw"]);
		assert!(out.status.success(), "{file}: {}", stderr(&out));
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

	if !cfg!(feature = "runtime-benchmarks") {
		let out = node(&["benchmark", "pallet", "--pallet", "pallet_musicchain_plays"]);
		assert!(!out.status.success());
		assert!(stderr(&out).contains("--features runtime-benchmarks"), "{}", stderr(&out));
	}
}
