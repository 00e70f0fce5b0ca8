//! What comes of a finished download: the file joins the library, so the
//! host serves it from now on and later runs keep it.

use musicchain_library::{self as library, Change, Record, Stamp, Store};
use std::path::Path;

/// Why a downloaded file could not join the library.
#[derive(Debug, thiserror::Error)]
pub enum KeepError {
	#[error(transparent)]
	Library(#[from] library::LibraryError),
	#[error(transparent)]
	Store(#[from] library::StoreError),
	#[error("cannot read it: {0}")]
	Io(#[from] std::io::Error),
	#[error("cannot analyse it: {0}")]
	Audio(#[from] musicchain_audio::AudioError),
}

/// Adds the downloaded file at `path` (and its folder, as a library
/// folder) to the library of `data_dir`.
pub fn add_to_library(data_dir: &Path, path: &Path) -> Result<(), KeepError> {
	add_to_store(&Store::open(data_dir)?, path)
}

/// Adds the downloaded file at `path` (and its folder, as a library
/// folder) to the open library `store`.
pub fn add_to_store(store: &Store, path: &Path) -> Result<(), KeepError> {
	if let Some(dir) = path.parent() {
		library::add_root(store, dir)?;
	}
	let meta = std::fs::metadata(path)?;
	let analysis = musicchain_audio::analyze(path)?;
	store.apply(&[Change::Put(
		path.to_path_buf(),
		Box::new(Record { stamp: Stamp::of(&meta), analysis }),
	)])?;
	Ok(())
}
