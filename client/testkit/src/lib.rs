//! Test helpers shared by the client's crates: the audio fixtures made by
//! `scripts/make-fixtures.sh`.

use std::{
	path::{Path, PathBuf},
	process::Command,
	sync::OnceLock,
};

/// The fixtures made by `scripts/make-fixtures.sh`, generated once into the
/// cargo target directory (`tmp/`, beside the profile directory of the
/// running test) and reused while the script version is unchanged.
pub fn fixtures() -> &'static Path {
	static DIR: OnceLock<PathBuf> = OnceLock::new();
	DIR.get_or_init(|| {
		// A test or bench runs from TARGET/PROFILE/deps/.
		let exe = std::env::current_exe().expect("the test's own path");
		let target = exe
			.ancestors()
			.nth(3)
			.unwrap_or_else(|| panic!("{} is not in TARGET/PROFILE/deps", exe.display()));
		let dir = target.join("tmp").join("musicchain-fixtures");
		let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/make-fixtures.sh");
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
