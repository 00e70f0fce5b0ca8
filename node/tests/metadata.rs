//! The client's chain code is generated (by subxt, at compile time) from
//! `client/chain/metadata/musicchain.scale`, a copy of this runtime's metadata.
//! This test fails when that copy is stale: regenerate it with
//! `scripts/metadata.sh` (which runs this test with
//! `MUSICCHAIN_WRITE_METADATA=1`) and rebuild the client.
//!
//! It lives with the node, whose build has the runtime as nodes run it:
//! the workspace's tests build the runtime with `runtime-benchmarks`
//! (benchmarks as tests), which adds a runtime API of its own.

use std::path::PathBuf;

/// The metadata version the client is generated from.
const VERSION: u32 = 16;

fn checked_in() -> PathBuf {
	PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../client/chain/metadata/musicchain.scale")
}

/// Only the runtime nodes run (benchmarks add a runtime API of their own).
#[test]
#[cfg_attr(
	feature = "runtime-benchmarks",
	ignore = "the benchmark build's metadata has the Benchmark API, which nodes do not serve"
)]
fn client_metadata_is_current() {
	let current = musicchain_runtime::Runtime::metadata_at_version(VERSION)
		.expect("the runtime serves metadata V16")
		.to_vec();
	let path = checked_in();
	if std::env::var_os("MUSICCHAIN_WRITE_METADATA").is_some() {
		std::fs::create_dir_all(path.parent().expect("a folder")).expect("metadata folder");
		std::fs::write(&path, &current).expect("write the metadata");
		println!("wrote {} ({} bytes)", path.display(), current.len());
		return;
	}
	let stored = std::fs::read(&path).unwrap_or_default();
	assert!(
		stored == current,
		"{} is stale ({} bytes, the runtime's metadata is {} bytes): run scripts/metadata.sh and \
		 rebuild the client",
		path.display(),
		stored.len(),
		current.len(),
	);
}
