//! Builds the runtime's wasm blob (skipped with `SKIP_WASM_BUILD=1`).
//!
//! The blob must not depend on where it was built: every checkout, on any
//! machine, builds the same `:code`, so the committed raw chain specs are
//! reproducible (the node's cli test checks it). Two things would tie it to
//! the build machine:
//! - Panic locations name source files: the checkout, Cargo's home and the
//!   target directory (and the node's profile folder in it) are remapped to
//!   fixed names.
//! - Cargo hashes the location of each path dependency into its crates'
//!   symbol names (`-C metadata`), and the symbols decide the code's
//!   layout: the wasm project reaches the workspace through [`FIXED_ROOT`],
//!   a symbolic link to this checkout at one absolute path, so the hashes
//!   are the same everywhere. A lock keeps two checkouts' wasm builds from
//!   using the link at once.

#[cfg(feature = "std")]
mod wasm {
	use std::{
		env,
		fs::File,
		path::{Path, PathBuf},
	};

	/// Where the wasm build sees the checkout.
	pub const FIXED_ROOT: &str = "/tmp/musicchain-wasm-src";

	fn var(name: &str) -> Option<PathBuf> {
		env::var(name).map(PathBuf::from).ok()
	}

	/// The workspace root (the runtime crate's parent).
	fn checkout() -> PathBuf {
		let manifest = var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
		manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
	}

	/// Points [`FIXED_ROOT`] at this checkout (replacing the link
	/// atomically) under an exclusive lock, which the caller holds until
	/// the wasm is built. Returns the runtime's manifest through the link,
	/// or, when the link cannot be made, the real one (the blob is then
	/// only reproducible in this folder).
	pub fn fixed_manifest() -> (PathBuf, Option<File>) {
		let real = checkout().join("runtime/Cargo.toml");
		let made = (|| -> std::io::Result<File> {
			let lock = File::create(format!("{FIXED_ROOT}.lock"))?;
			lock.lock()?;
			let staged = format!("{FIXED_ROOT}.{}", std::process::id());
			let _ = std::fs::remove_file(&staged);
			std::os::unix::fs::symlink(checkout(), &staged)?;
			std::fs::rename(&staged, FIXED_ROOT)?;
			Ok(lock)
		})();
		match made {
			Ok(lock) => (PathBuf::from(FIXED_ROOT).join("runtime/Cargo.toml"), Some(lock)),
			Err(e) => {
				println!(
					"cargo:warning=cannot link {FIXED_ROOT} to this checkout ({e}): the runtime's \
					 wasm will differ from other checkouts' builds"
				);
				(real, None)
			},
		}
	}

	/// `--remap-path-prefix` flags: the checkout (through the link: the wasm
	/// build never sees its real path), Cargo's home and the target
	/// directory get fixed names. The flags name no checkout, so every
	/// checkout sharing a target directory shares the wasm build's
	/// dependencies too (other flags would rebuild them all).
	pub fn path_remaps() -> Vec<String> {
		let mut remaps = Vec::new();
		if let Some(home) = var("CARGO_HOME").or_else(|| var("HOME").map(|h| h.join(".cargo"))) {
			remaps.push((home, "/cargo"));
		}
		// OUT_DIR is TARGET/PROFILE/build/PACKAGE-HASH/out; the wasm project
		// is built under TARGET/PROFILE/wbuild, the same blob for a debug and
		// a release build of the node.
		let out = var("OUT_DIR");
		if let Some(target) = out.as_ref().and_then(|o| o.ancestors().nth(4)) {
			remaps.push((target.to_path_buf(), "/target"));
		}
		if let Some(profile) = out.as_ref().and_then(|o| o.ancestors().nth(3)) {
			remaps.push((profile.join("wbuild"), "/target/wbuild"));
		}
		// Last, so that it wins over a target directory in /tmp.
		remaps.push((PathBuf::from(FIXED_ROOT), "/musicchain"));
		remaps
			.into_iter()
			.map(|(from, to)| format!("--remap-path-prefix={}={to}", from.display()))
			.collect()
	}

	pub fn builder() -> (substrate_wasm_builder::WasmBuilder, Option<File>) {
		let (manifest, lock) = fixed_manifest();
		let builder = substrate_wasm_builder::WasmBuilder::new()
			.with_project(manifest)
			.unwrap_or_else(|e| panic!("the runtime's manifest: {e}"))
			.import_memory()
			.export_heap_base();
		let builder =
			path_remaps().into_iter().fold(builder, |b, flag| b.append_to_rust_flags(flag));
		(builder, lock)
	}
}

#[cfg(all(feature = "std", feature = "metadata-hash"))]
fn main() {
	let (builder, _lock) = wasm::builder();
	builder.enable_metadata_hash("MUSIC", 12).build();
}

#[cfg(all(feature = "std", not(feature = "metadata-hash")))]
fn main() {
	let (builder, _lock) = wasm::builder();
	builder.build();
}

#[cfg(not(feature = "std"))]
fn main() {}
