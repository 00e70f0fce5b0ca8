//! The blocking file work of the swarm, run off the event loop: reading
//! pieces to serve, verifying and writing received pieces, reopening a
//! partial download, and the whole-file content hash, kept up as the
//! verified prefix grows so that finishing a download does not read the
//! whole file again.

use super::{
	catalog::Served,
	error::DownloadError,
	protocol::{Pieces, PiecesResponse, Refusal},
};
use musicchain_primitives::{sha2_256, ContentHash, PIECE_SIZE};
use sha2::{Digest, Sha256};
use std::{
	fs::File,
	ops::Range,
	os::unix::fs::FileExt,
	path::{Path, PathBuf},
	sync::{mpsc, Arc},
};

/// Reads `count` pieces from `first` of a served file.
pub fn read_pieces(served: &Served, first: u32, count: u32) -> PiecesResponse {
	let start = u64::from(first) * u64::from(served.piece_size);
	let end = (start + u64::from(count) * u64::from(served.piece_size)).min(served.size);
	if start >= end && served.size > 0 {
		return Err(Refusal::BadRequest);
	}
	let file = File::open(&served.path).map_err(|_| Refusal::Unavailable)?;
	let mut data = crate::buffers::take((end - start) as usize);
	file.read_exact_at(&mut data, start).map_err(|_| Refusal::Unavailable)?;
	Ok(Pieces { first, data })
}

/// Where a download of `content_hash` is written until it is complete.
pub fn part_path(data_dir: &Path, content_hash: &ContentHash) -> std::path::PathBuf {
	data_dir.join("partial").join(format!("{content_hash}.part"))
}

/// Opens (or reopens, to resume) the partial file and tells which pieces
/// it already holds, verified.
pub fn open_part(
	part: &Path,
	size: u64,
	pieces: &[[u8; 32]],
) -> std::io::Result<(File, Vec<bool>)> {
	if let Some(dir) = part.parent() {
		std::fs::create_dir_all(dir)?;
	}
	let file = std::fs::OpenOptions::new()
		.read(true)
		.write(true)
		.create(true)
		.truncate(false)
		.open(part)?;
	let existing = file.metadata()?.len();
	file.set_len(size)?;
	let mut have = vec![false; pieces.len()];
	if existing > 0 {
		let mut buf = vec![0u8; PIECE_SIZE as usize];
		for (i, expected) in pieces.iter().enumerate() {
			let start = i as u64 * u64::from(PIECE_SIZE);
			let len = (size - start).min(u64::from(PIECE_SIZE)) as usize;
			if start + len as u64 > existing {
				break;
			}
			file.read_exact_at(&mut buf[..len], start)?;
			have[i] = sha2_256(&buf[..len]) == *expected;
		}
	}
	Ok((file, have))
}

/// Verifies each piece of a response and writes the good ones.
pub fn verify_and_write(
	file: &File,
	pieces: &[[u8; 32]],
	size: u64,
	first: u32,
	count: u32,
	data: Vec<u8>,
	feed: Option<&HashFeed>,
) -> Vec<(u32, bool)> {
	let data = Arc::new(data);
	let mut verdicts = Vec::new();
	let mut offset = 0usize;
	for i in first..first.saturating_add(count) {
		let Some(expected) = pieces.get(i as usize) else { break };
		let start = u64::from(i) * u64::from(PIECE_SIZE);
		let len = (size - start).min(u64::from(PIECE_SIZE)) as usize;
		let Some(chunk) = data.get(offset..offset + len) else {
			verdicts.push((i, false));
			break;
		};
		offset += len;
		let ok = sha2_256(chunk) == *expected && file.write_all_at(chunk, start).is_ok();
		if ok {
			if let Some(feed) = feed {
				feed.verified(i, Some((data.clone(), offset - len..offset)));
			}
		}
		verdicts.push((i, ok));
	}
	if offset != data.len() {
		// Trailing bytes: the response was not what was asked for.
		if let Some(last) = verdicts.last_mut() {
			last.1 = false;
		}
	}
	// Unless the content hash's thread still holds it, for the next response.
	if let Ok(data) = Arc::try_unwrap(data) {
		crate::buffers::give(data);
	}
	verdicts
}

/// `name` as a file name: no path separators or control characters, no
/// leading dot, at most 120 bytes (cut at a character), never empty.
pub fn file_name(name: &str) -> String {
	let mut out = String::new();
	for c in name.trim().chars() {
		let c = match c {
			'/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
			c if c.is_control() => ' ',
			c => c,
		};
		if out.len() + c.len_utf8() > 120 {
			break;
		}
		out.push(c);
	}
	let out = out.trim().trim_start_matches('.').trim();
	if out.is_empty() {
		"download".to_owned()
	} else {
		out.to_owned()
	}
}

/// Checks the whole file's hash against its content hash and moves the
/// file into the downloads folder, at `dest` or, when another file has
/// that name, at `dest` with " (2)", " (3)", ... before its extension.
pub fn finish_file(
	part: &Path,
	dest: &Path,
	content_hash: &ContentHash,
	expected: &ContentHash,
) -> Result<PathBuf, DownloadError> {
	if content_hash != expected {
		let _ = std::fs::remove_file(part);
		return Err(DownloadError::ContentMismatch);
	}
	if let Some(dir) = dest.parent() {
		std::fs::create_dir_all(dir)?;
	}
	let mut path = dest.to_path_buf();
	let mut n = 1;
	while path.exists() {
		n += 1;
		let stem = dest.file_stem().unwrap_or_default().to_string_lossy();
		let name = match dest.extension() {
			Some(ext) => format!("{stem} ({n}).{}", ext.to_string_lossy()),
			None => format!("{stem} ({n})"),
		};
		path = dest.with_file_name(name);
	}
	std::fs::rename(part, &path)?;
	Ok(path)
}

/// What the hashing thread is told: piece `i` is verified, with its bytes
/// if they are still in memory; `None` to finish.
type HashMsg = Option<(u32, Option<(Arc<Vec<u8>>, Range<usize>)>)>;

/// Hashes a download's whole file in order as its pieces are verified, on
/// its own thread: from the received bytes when a piece comes in order
/// (almost always), otherwise read back from the page cache.
pub struct RunningHash {
	feed: HashFeed,
	done: mpsc::Receiver<std::io::Result<ContentHash>>,
}

/// A handle to feed verified pieces to a [`RunningHash`].
#[derive(Clone)]
pub struct HashFeed(mpsc::Sender<HashMsg>);

impl HashFeed {
	pub fn verified(&self, piece: u32, bytes: Option<(Arc<Vec<u8>>, Range<usize>)>) {
		let _ = self.0.send(Some((piece, bytes)));
	}
}

impl RunningHash {
	/// Starts hashing `part` of `size` bytes; `have` are the pieces already
	/// verified.
	pub fn start(part: &Path, size: u64, have: &[bool]) -> std::io::Result<RunningHash> {
		let file = File::open(part)?;
		let (tx, rx) = mpsc::channel::<HashMsg>();
		let (done_tx, done) = mpsc::channel();
		let pieces = have.len();
		let mut verified = have.to_vec();
		std::thread::Builder::new().name("content-hash".into()).spawn(move || {
			let mut hasher = Sha256::new();
			let mut next = 0usize;
			let mut buf = vec![0u8; PIECE_SIZE as usize];
			let mut from_disk = |next: &mut usize, verified: &[bool], hasher: &mut Sha256| {
				while *next < pieces && verified[*next] {
					let start = *next as u64 * u64::from(PIECE_SIZE);
					let len = (size - start).min(u64::from(PIECE_SIZE)) as usize;
					file.read_exact_at(&mut buf[..len], start)?;
					hasher.update(&buf[..len]);
					*next += 1;
				}
				std::io::Result::Ok(())
			};
			let mut result = from_disk(&mut next, &verified, &mut hasher);
			while result.is_ok() {
				match rx.recv() {
					Ok(Some((i, bytes))) => {
						let i = i as usize;
						if i >= pieces || verified[i] {
							continue;
						}
						verified[i] = true;
						if let (true, Some((data, range))) = (i == next, bytes) {
							hasher.update(&data[range]);
							next += 1;
						}
						result = from_disk(&mut next, &verified, &mut hasher);
					},
					// Finish, or the download was dropped.
					Ok(None) | Err(_) => break,
				}
			}
			let out = result.and_then(|()| {
				if next == pieces {
					Ok(ContentHash(hasher.finalize().into()))
				} else {
					Err(std::io::Error::other("not every piece was verified"))
				}
			});
			let _ = done_tx.send(out);
		})?;
		Ok(RunningHash { feed: HashFeed(tx), done })
	}

	pub fn feed(&self) -> HashFeed {
		self.feed.clone()
	}

	/// Waits for the hash of the whole file (blocking).
	pub fn finish(self) -> std::io::Result<ContentHash> {
		let _ = self.feed.0.send(None);
		self.done.recv().map_err(|_| std::io::Error::other("the hashing thread stopped"))?
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn names_are_safe_file_names() {
		assert_eq!(file_name("New Order - Blue Monday"), "New Order - Blue Monday");
		assert_eq!(file_name("AC/DC - T.N.T."), "AC_DC - T.N.T.");
		assert_eq!(file_name("../../etc/passwd"), "_.._etc_passwd");
		assert_eq!(file_name(" .hidden\n"), "hidden");
		assert_eq!(file_name("?"), "_");
		assert_eq!(file_name("  "), "download");
		let long = "é".repeat(100);
		let cut = file_name(&long);
		assert_eq!(cut, "é".repeat(60), "cut at 120 bytes, on a character");
	}

	#[test]
	fn a_name_taken_gets_a_number() {
		let dir = tempfile::tempdir().expect("temp dir");
		let dest = dir.path().join("downloads/A - B.flac");
		let hash = ContentHash([7; 32]);
		let mut got = Vec::new();
		for i in 0..3 {
			let part = dir.path().join(format!("{i}.part"));
			std::fs::write(&part, [i]).expect("part");
			got.push(finish_file(&part, &dest, &hash, &hash).expect("moved"));
		}
		let names: Vec<_> = got
			.iter()
			.map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
			.collect();
		assert_eq!(names, ["A - B.flac", "A - B (2).flac", "A - B (3).flac"]);
		for (i, path) in got.iter().enumerate() {
			assert_eq!(std::fs::read(path).expect("kept"), [i as u8], "nothing overwritten");
		}
		// A file whose hash is wrong is not kept.
		let part = dir.path().join("bad.part");
		std::fs::write(&part, b"x").expect("part");
		assert!(matches!(
			finish_file(&part, &dest, &ContentHash([1; 32]), &hash),
			Err(DownloadError::ContentMismatch)
		));
		assert!(!part.exists());
	}
}
