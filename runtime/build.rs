//! Builds the runtime's wasm blob (skipped with `SKIP_WASM_BUILD=1`).
//!
//! The blob should not depend on where it was built. Panic locations name
//! source files, so the checkout, Cargo's home and the target directory are
//! remapped to fixed names: the blob names no path of the build machine.
//! Not yet enough for every checkout to build the same `:code`: the wasm
//! project (under the target directory) reaches the workspace's crates by
//! a path relative to itself, Cargo hashes that path into their symbol
//! names, and so a checkout elsewhere builds other bytes.

#[cfg(feature = "std")]
fn path_remaps() -> Vec<String> {
	use std::{env, path::PathBuf};
	let var = |name: &str| env::var(name).map(PathBuf::from).ok();
	let mut remaps = Vec::new();
	if let Some(root) = var("CARGO_MANIFEST_DIR").and_then(|m| m.parent().map(PathBuf::from)) {
		remaps.push((root, "/musicchain"));
	}
	if let Some(home) = var("CARGO_HOME").or_else(|| var("HOME").map(|h| h.join(".cargo"))) {
		remaps.push((home, "/cargo"));
	}
	// OUT_DIR is TARGET/PROFILE/build/PACKAGE-HASH/out; the wasm project is
	// built under TARGET/PROFILE/wbuild. Last, so it wins when the target
	// directory is inside the checkout.
	if let Some(target) = var("OUT_DIR").and_then(|o| o.ancestors().nth(4).map(PathBuf::from)) {
		remaps.push((target, "/target"));
	}
	remaps
		.into_iter()
		.map(|(from, to)| format!("--remap-path-prefix={}={to}", from.display()))
		.collect()
}

#[cfg(all(feature = "std", feature = "metadata-hash"))]
fn main() {
	let builder =
		substrate_wasm_builder::WasmBuilder::init_with_defaults().enable_metadata_hash("MUSIC", 12);
	path_remaps().into_iter().fold(builder, |b, flag| b.append_to_rust_flags(flag)).build();
}

#[cfg(all(feature = "std", not(feature = "metadata-hash")))]
fn main() {
	let builder = substrate_wasm_builder::WasmBuilder::init_with_defaults();
	path_remaps().into_iter().fold(builder, |b, flag| b.append_to_rust_flags(flag)).build();
}

#[cfg(not(feature = "std"))]
fn main() {}
