//! Shared test helpers: the generated fixtures.
#![allow(dead_code)]

pub mod net;
pub mod node;

use std::{
	path::{Path, PathBuf},
	process::Command,
	sync::OnceLock,
};

/// The fixtures made by `scripts/make-fixtures.sh`, generated once into the
/// cargo target directory and reused while the script version is unchanged.
pub fn fixtures() -> &'static Path {
	static DIR: OnceLock<PathBuf> = OnceLock::new();
	DIR.get_or_init(|| {
		let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("musicchain-fixtures");
		let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/make-fixtures.sh");
		let status = Command::new("bash")
			.arg(&script)
			.arg(&dir)
			.status()
			.unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
		assert!(status.success(), "{} failed (is ffmpeg installed?)", script.display());
		dir
	})
}

/// Sorted files of one fixture folder.
pub fn files_in(sub: &str) -> Vec<PathBuf> {
	let mut v: Vec<PathBuf> = std::fs::read_dir(fixtures().join(sub))
		.unwrap_or_else(|e| panic!("fixtures/{sub}: {e}"))
		.filter_map(|e| e.ok().map(|e| e.path()))
		.filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
		.collect();
	v.sort();
	v
}

pub fn name(p: &Path) -> String {
	p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}
