//! What a client serves: every analysed file of its library.

use musicchain_library::{Store, StoreError};
use musicchain_swarm::{Catalog, Served};
use std::{path::Path, sync::Arc};

/// The library of `data_dir` as the swarm serves it, in the store's order.
pub fn catalog(data_dir: &Path) -> Result<Catalog, StoreError> {
	catalog_of(&Store::open_read_only(data_dir).or_else(|_| Store::open(data_dir))?)
}

/// The library in the open `store` as the swarm serves it.
pub fn catalog_of(store: &Store) -> Result<Catalog, StoreError> {
	let files = store.files()?.into_iter().map(|(path, record)| {
		let a = record.analysis;
		let served = Served {
			path,
			size: a.size,
			piece_size: a.piece_size,
			format: a.format,
			pieces: Arc::new(a.piece_hashes),
		};
		(a.content_hash, served)
	});
	Ok(Catalog::from_files(files))
}
