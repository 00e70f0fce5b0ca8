//! What a host serves: the files of the library (and finished downloads),
//! by content hash, with the piece hashes a manifest is made of.

use musicchain_primitives::{ContentHash, Format, PIECE_SIZE};
use std::{
	collections::HashMap,
	path::{Path, PathBuf},
	sync::Arc,
};

/// One servable file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Served {
	pub path: PathBuf,
	pub size: u64,
	pub piece_size: u32,
	/// The primitives' one-byte container code.
	pub format: u8,
	pub pieces: Arc<Vec<[u8; 32]>>,
}

/// The servable files by content hash.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
	files: HashMap<ContentHash, Served>,
}

impl Served {
	/// Hashes a file to serve it: its content hash and the served entry.
	pub fn from_file(path: &Path) -> std::io::Result<(ContentHash, Served)> {
		let file = std::fs::File::open(path)?;
		let (hash, pieces, size) =
			musicchain_primitives::pieces::hash_pieces(std::io::BufReader::new(file))?;
		let format = path
			.extension()
			.and_then(|e| e.to_str())
			.and_then(Format::from_extension)
			.map(Format::code)
			.unwrap_or(0);
		Ok((
			hash,
			Served {
				path: path.to_path_buf(),
				size,
				piece_size: PIECE_SIZE,
				format,
				pieces: Arc::new(pieces),
			},
		))
	}
}

impl Catalog {
	/// The files to serve, by content hash: of two copies of one file, the
	/// first one is served.
	pub fn from_files(files: impl IntoIterator<Item = (ContentHash, Served)>) -> Catalog {
		let mut catalog = Catalog::default();
		for (hash, served) in files {
			catalog.files.entry(hash).or_insert(served);
		}
		catalog
	}

	pub fn insert(&mut self, hash: ContentHash, served: Served) -> bool {
		self.files.insert(hash, served).is_none()
	}

	pub fn remove(&mut self, hash: &ContentHash) -> Option<Served> {
		self.files.remove(hash)
	}

	pub fn get(&self, hash: &ContentHash) -> Option<&Served> {
		self.files.get(hash)
	}

	pub fn hashes(&self) -> impl Iterator<Item = &ContentHash> {
		self.files.keys()
	}

	pub fn len(&self) -> usize {
		self.files.len()
	}

	pub fn is_empty(&self) -> bool {
		self.files.is_empty()
	}
}
