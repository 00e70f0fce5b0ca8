//! The local library store: one redb file (crash-safe, copy-on-write
//! B-trees) holding the scanned roots, one record per analysed file and the
//! files that failed with the reason. A write is a transaction: a kill in the
//! middle of a scan loses at most the batch not yet committed. One process
//! writes at a time; others may open the store read-only meanwhile and see
//! its commits (redb's `SingleWriter` mode).

use musicchain_audio::Analysis;
use redb::{
	ConcurrencyMode, Database, ReadOnlyDatabase, ReadableDatabase, ReadableTable, TableDefinition,
};
use serde::{Deserialize, Serialize};
use std::{
	os::unix::ffi::{OsStrExt, OsStringExt},
	path::{Path, PathBuf},
};

const ROOTS: TableDefinition<&[u8], u64> = TableDefinition::new("roots");
const FILES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("files");
const FAILURES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("failures");
/// Files whose place on chain a sync found or made: the chain's genesis
/// hash then the file's content hash, to the song. A later sync of the
/// same chain skips them.
const SYNCED: TableDefinition<&[u8], u32> = TableDefinition::new("synced");

/// File name of the store inside the data directory.
pub const STORE_FILE: &str = "library.redb";

/// Errors of the library store. The cause is the error's source (the CLI
/// prints the whole chain), not repeated in its message.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
	#[error("library store {path}")]
	Db { path: PathBuf, source: redb::Error },
	#[error("library store {path}: cannot create its directory")]
	Dir { path: PathBuf, source: std::io::Error },
	#[error("library store {path}: damaged record for {key}")]
	Record { path: PathBuf, key: String, source: postcard::Error },
	#[error("library store {path}: opened read-only")]
	ReadOnly { path: PathBuf },
}

/// What identifies an unchanged file: size and modification time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
	pub size: u64,
	pub mtime_ns: i128,
}

impl Stamp {
	/// The stamp of a file's metadata.
	pub fn of(meta: &std::fs::Metadata) -> Stamp {
		let mtime_ns = meta
			.modified()
			.ok()
			.map(|t| match t.duration_since(std::time::UNIX_EPOCH) {
				Ok(d) => d.as_nanos() as i128,
				Err(e) => -(e.duration().as_nanos() as i128),
			})
			.unwrap_or(0);
		Stamp { size: meta.len(), mtime_ns }
	}
}

/// A file in the library.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
	/// First, so that [`Store::stamps`] can read it alone.
	pub stamp: Stamp,
	pub analysis: Analysis,
}

/// A file that could not be analysed, kept so an unchanged bad file is
/// reported again without being decoded again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
	pub stamp: Stamp,
	pub reason: String,
}

/// One change to apply in a batch.
#[derive(Clone, Debug)]
pub enum Change {
	Put(PathBuf, Box<Record>),
	Fail(PathBuf, Failure),
	Remove(PathBuf),
}

/// The library store.
pub struct Store {
	db: Db,
	path: PathBuf,
}

enum Db {
	Writer(Database),
	Reader(ReadOnlyDatabase),
}

fn builder() -> redb::Builder {
	let mut builder = Database::builder();
	builder.set_concurrency_mode(ConcurrencyMode::SingleWriter);
	builder
}

fn key(path: &Path) -> &[u8] {
	path.as_os_str().as_bytes()
}

/// Decodes a whole stored value.
fn whole<T: serde::de::DeserializeOwned>(v: &[u8]) -> postcard::Result<T> {
	postcard::from_bytes(v)
}

fn from_key(bytes: &[u8]) -> PathBuf {
	PathBuf::from(std::ffi::OsString::from_vec(bytes.to_vec()))
}

impl Store {
	/// Opens (creating if needed) the store in `data_dir`.
	pub fn open(data_dir: &Path) -> Result<Store, StoreError> {
		std::fs::create_dir_all(data_dir)
			.map_err(|source| StoreError::Dir { path: data_dir.to_path_buf(), source })?;
		let path = data_dir.join(STORE_FILE);
		let db = builder()
			.create(&path)
			.map_err(|e| StoreError::Db { path: path.clone(), source: e.into() })?;
		let store = Store { db: Db::Writer(db), path };
		store.write(|txn| {
			txn.open_table(ROOTS)?;
			txn.open_table(FILES)?;
			txn.open_table(FAILURES)?;
			txn.open_table(SYNCED)?;
			Ok(())
		})?;
		Ok(store)
	}

	/// Opens the existing store in `data_dir` for reading only: it may be
	/// open for writing by another process (a running scan), whose commits
	/// it sees. A store left unclean by a killed writer cannot be opened
	/// this way until a writer has opened it again.
	pub fn open_read_only(data_dir: &Path) -> Result<Store, StoreError> {
		let path = data_dir.join(STORE_FILE);
		let db = builder()
			.open_read_only(&path)
			.map_err(|e| StoreError::Db { path: path.clone(), source: e.into() })?;
		Ok(Store { db: Db::Reader(db), path })
	}

	/// Whether this store was opened for writing.
	pub fn is_writable(&self) -> bool {
		matches!(self.db, Db::Writer(_))
	}

	/// Where the store lives.
	pub fn path(&self) -> &Path {
		&self.path
	}

	fn db_err(&self, e: impl Into<redb::Error>) -> StoreError {
		StoreError::Db { path: self.path.clone(), source: e.into() }
	}

	fn write(
		&self,
		f: impl FnOnce(&redb::WriteTransaction) -> Result<(), redb::Error>,
	) -> Result<(), StoreError> {
		let Db::Writer(db) = &self.db else {
			return Err(StoreError::ReadOnly { path: self.path.clone() });
		};
		let txn = db.begin_write().map_err(|e| self.db_err(e))?;
		f(&txn).map_err(|e| self.db_err(e))?;
		txn.commit().map_err(|e| self.db_err(e))
	}

	fn begin_read(&self) -> Result<redb::ReadTransaction, StoreError> {
		match &self.db {
			Db::Writer(db) => db.begin_read(),
			Db::Reader(db) => db.begin_read(),
		}
		.map_err(|e| self.db_err(e))
	}

	fn decode<T>(
		&self,
		k: &[u8],
		v: &[u8],
		decode: impl Fn(&[u8]) -> postcard::Result<T>,
	) -> Result<T, StoreError> {
		decode(v).map_err(|source| StoreError::Record {
			path: self.path.clone(),
			key: String::from_utf8_lossy(k).into_owned(),
			source,
		})
	}

	fn read_all<T>(
		&self,
		table: TableDefinition<&[u8], &[u8]>,
		decode: impl Fn(&[u8]) -> postcard::Result<T>,
	) -> Result<Vec<(PathBuf, T)>, StoreError> {
		let txn = self.begin_read()?;
		let t = txn.open_table(table).map_err(|e| self.db_err(e))?;
		let mut out = Vec::new();
		for item in t.iter().map_err(|e| self.db_err(e))? {
			let (k, v) = item.map_err(|e| self.db_err(e))?;
			out.push((from_key(k.value()), self.decode(k.value(), v.value(), &decode)?));
		}
		Ok(out)
	}

	/// Adds a root folder (idempotent).
	pub fn add_root(&self, root: &Path) -> Result<(), StoreError> {
		let now = std::time::SystemTime::now()
			.duration_since(std::time::UNIX_EPOCH)
			.map(|d| d.as_secs())
			.unwrap_or(0);
		self.write(|txn| {
			let mut t = txn.open_table(ROOTS)?;
			if t.get(key(root))?.is_none() {
				t.insert(key(root), now)?;
			}
			Ok(())
		})
	}

	/// Removes the root folder `root` and the files and failures under it
	/// for which `leaves` holds, in one transaction. Returns how many
	/// files (not failures) were removed.
	pub fn remove_root(
		&self,
		root: &Path,
		leaves: impl Fn(&Path) -> bool,
	) -> Result<usize, StoreError> {
		// Keys are path bytes: everything under `root/` sorts between
		// `root/` and `root0` ('0' follows '/').
		let mut from = key(root).to_vec();
		from.push(b'/');
		let mut to = key(root).to_vec();
		to.push(b'0');
		let mut removed = 0;
		self.write(|txn| {
			txn.open_table(ROOTS)?.remove(key(root))?;
			for (table, count) in [(FILES, true), (FAILURES, false)] {
				let mut t = txn.open_table(table)?;
				let mut gone = Vec::new();
				for item in t.range(from.as_slice()..to.as_slice())? {
					let (k, _) = item?;
					if leaves(&from_key(k.value())) {
						gone.push(k.value().to_vec());
					}
				}
				for k in &gone {
					t.remove(k.as_slice())?;
				}
				if count {
					removed = gone.len();
				}
			}
			Ok(())
		})?;
		Ok(removed)
	}

	/// The root folders, in path order.
	pub fn roots(&self) -> Result<Vec<PathBuf>, StoreError> {
		let txn = self.begin_read()?;
		let t = txn.open_table(ROOTS).map_err(|e| self.db_err(e))?;
		let mut out = Vec::new();
		for item in t.iter().map_err(|e| self.db_err(e))? {
			let (k, _) = item.map_err(|e| self.db_err(e))?;
			out.push(from_key(k.value()));
		}
		Ok(out)
	}

	/// Every file in the library, in path order.
	pub fn files(&self) -> Result<Vec<(PathBuf, Record)>, StoreError> {
		self.read_all(FILES, whole)
	}

	/// The stamp of every file in the library, in path order, without
	/// decoding the analyses (what a rescan compares).
	pub fn stamps(&self) -> Result<Vec<(PathBuf, Stamp)>, StoreError> {
		self.read_all(FILES, |v| postcard::take_from_bytes::<Stamp>(v).map(|(stamp, _)| stamp))
	}

	/// Every remembered failure, in path order.
	pub fn failures(&self) -> Result<Vec<(PathBuf, Failure)>, StoreError> {
		self.read_all(FAILURES, whole)
	}

	/// The record of one file.
	pub fn get(&self, path: &Path) -> Result<Option<Record>, StoreError> {
		let txn = self.begin_read()?;
		let t = txn.open_table(FILES).map_err(|e| self.db_err(e))?;
		let v = t.get(key(path)).map_err(|e| self.db_err(e))?;
		v.map(|v| self.decode(key(path), v.value(), whole)).transpose()
	}

	/// The content hashes of the files a sync already placed on the chain
	/// whose genesis hash is `genesis`, with their songs.
	pub fn synced(
		&self,
		genesis: &[u8; 32],
	) -> Result<std::collections::HashMap<[u8; 32], u32>, StoreError> {
		let txn = self.begin_read()?;
		let t = match txn.open_table(SYNCED) {
			Ok(t) => t,
			// A store written before syncs were remembered.
			Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Default::default()),
			Err(e) => return Err(self.db_err(e)),
		};
		let mut to = genesis.to_vec();
		to.extend_from_slice(&[0xff; 33]);
		let mut out = std::collections::HashMap::new();
		for item in t.range(&genesis[..]..to.as_slice()).map_err(|e| self.db_err(e))? {
			let (k, v) = item.map_err(|e| self.db_err(e))?;
			if let Ok(hash) = <[u8; 32]>::try_from(&k.value()[32..]) {
				out.insert(hash, v.value());
			}
		}
		Ok(out)
	}

	/// Remembers that these files (content hashes) are on the chain whose
	/// genesis hash is `genesis`, in these songs.
	pub fn mark_synced(
		&self,
		genesis: &[u8; 32],
		files: &[([u8; 32], u32)],
	) -> Result<(), StoreError> {
		self.write(|txn| {
			let mut t = txn.open_table(SYNCED)?;
			for (hash, song) in files {
				let mut k = genesis.to_vec();
				k.extend_from_slice(hash);
				t.insert(k.as_slice(), *song)?;
			}
			Ok(())
		})
	}

	/// Applies `changes` in one transaction.
	pub fn apply(&self, changes: &[Change]) -> Result<(), StoreError> {
		let mut encoded = Vec::with_capacity(changes.len());
		for c in changes {
			let bytes = match c {
				Change::Put(_, r) => postcard::to_stdvec(r),
				Change::Fail(_, f) => postcard::to_stdvec(f),
				Change::Remove(_) => Ok(Vec::new()),
			};
			encoded.push(bytes.map_err(|source| StoreError::Record {
				path: self.path.clone(),
				key: String::new(),
				source,
			})?);
		}
		self.write(|txn| {
			let mut files = txn.open_table(FILES)?;
			let mut failures = txn.open_table(FAILURES)?;
			for (c, bytes) in changes.iter().zip(&encoded) {
				match c {
					Change::Put(p, _) => {
						files.insert(key(p), bytes.as_slice())?;
						failures.remove(key(p))?;
					},
					Change::Fail(p, _) => {
						failures.insert(key(p), bytes.as_slice())?;
						files.remove(key(p))?;
					},
					Change::Remove(p) => {
						files.remove(key(p))?;
						failures.remove(key(p))?;
					},
				}
			}
			Ok(())
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn synced_files_are_remembered_per_chain() {
		let dir = tempfile::tempdir().expect("tempdir");
		let store = Store::open(dir.path()).expect("store");
		let (dev, other) = ([7u8; 32], [8u8; 32]);
		store.mark_synced(&dev, &[([1; 32], 4), ([2; 32], 5)]).expect("marked");
		store.mark_synced(&other, &[([1; 32], 9)]).expect("marked");
		// Marked again (a song folded into another): the last song wins.
		store.mark_synced(&dev, &[([2; 32], 0)]).expect("marked");
		let synced = store.synced(&dev).expect("read");
		assert_eq!(synced, [([1; 32], 4), ([2; 32], 0)].into_iter().collect());
		assert_eq!(store.synced(&other).expect("read"), [([1; 32], 9)].into_iter().collect());
		assert!(store.synced(&[0; 32]).expect("read").is_empty());
		drop(store);
		// Readers see it; they cannot mark.
		let reader = Store::open_read_only(dir.path()).expect("reader");
		assert_eq!(reader.synced(&dev).expect("read").len(), 2);
		assert!(matches!(reader.mark_synced(&dev, &[]), Err(StoreError::ReadOnly { .. })));
	}

	#[test]
	fn stamps_are_read_without_the_analyses() {
		let dir = tempfile::tempdir().expect("tempdir");
		let store = Store::open(dir.path()).expect("store");
		let record = |size| Record {
			stamp: Stamp { size, mtime_ns: -5 },
			analysis: Analysis {
				format: 2,
				size,
				duration_ms: 1000,
				sample_rate: 44_100,
				channels: 2,
				content_hash: [1; 32].into(),
				piece_size: 4,
				piece_hashes: vec![[2; 32]; 3],
				manifest_root: [3; 32].into(),
				fingerprint: vec![4; 100],
				fingerprint_hash: [5; 32].into(),
				tags: Default::default(),
			},
		};
		let changes: Vec<Change> = (1..=3)
			.map(|i| Change::Put(PathBuf::from(format!("/m/{i}.flac")), Box::new(record(i * 10))))
			.collect();
		store.apply(&changes).expect("apply");
		let from_records: Vec<(PathBuf, Stamp)> =
			store.files().expect("files").into_iter().map(|(p, r)| (p, r.stamp)).collect();
		assert_eq!(store.stamps().expect("stamps"), from_records);
		assert_eq!(from_records[2].1, Stamp { size: 30, mtime_ns: -5 });
	}
}
