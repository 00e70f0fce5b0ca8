//! Links the system libopus (Debian: libopus-dev), used by the Opus adapter.

fn main() {
	println!("cargo:rustc-link-lib=opus");
	println!("cargo:rerun-if-changed=build.rs");
}
