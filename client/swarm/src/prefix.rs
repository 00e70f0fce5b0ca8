//! The verified prefix of a download, readable while the rest arrives:
//! what a player streams from. The event loop holds the [`Prefix`] and
//! moves its end forward as pieces are verified in order; a
//! [`PrefixReader`] reads the file up to that end and waits for more.
//!
//! The reader holds the open file, not its path, so it reads on after the
//! finished download is moved into the downloads folder (or dropped because
//! the library already has that file).

use std::{
	fs::File,
	io::{self, Read, Seek, SeekFrom},
	os::unix::fs::FileExt,
	sync::{Arc, Condvar, Mutex, MutexGuard},
	time::Duration,
};

#[derive(Default)]
struct State {
	/// The partial file, once the manifest is in and the file is open.
	file: Option<Arc<File>>,
	size: u64,
	/// Bytes from the start that are verified and on disk.
	verified: u64,
	/// The download gave up: reads past `verified` fail instead of waiting.
	failed: Option<String>,
}

#[derive(Default)]
struct Shared {
	state: Mutex<State>,
	changed: Condvar,
}

/// The writing side, held by the event loop for one download.
#[derive(Clone, Default)]
pub(crate) struct Prefix(Arc<Shared>);

impl Prefix {
	pub(crate) fn reader(&self) -> PrefixReader {
		PrefixReader { shared: self.0.clone(), pos: 0 }
	}

	fn update(&self, change: impl FnOnce(&mut State)) {
		if let Ok(mut s) = self.0.state.lock() {
			change(&mut s);
		}
		self.0.changed.notify_all();
	}

	/// The partial file is open: `size` bytes, `verified` of them from the
	/// start already (a resumed download).
	pub(crate) fn opened(&self, file: Arc<File>, size: u64, verified: u64) {
		self.update(|s| {
			s.file = Some(file);
			s.size = size;
			s.verified = verified.min(size);
		});
	}

	/// The verified prefix now ends at `bytes`.
	pub(crate) fn grow(&self, bytes: u64) {
		self.update(|s| s.verified = s.verified.max(bytes.min(s.size)));
	}

	pub(crate) fn failed(&self, why: String) {
		self.update(|s| {
			s.failed.get_or_insert(why);
		});
	}
}

/// Reads a download from its start as far as it is verified, waiting for
/// what has not arrived (a blocking reader, for a decoder's thread). Clones
/// read independently.
#[derive(Clone)]
pub struct PrefixReader {
	shared: Arc<Shared>,
	pos: u64,
}

impl PrefixReader {
	fn lock(&self) -> io::Result<MutexGuard<'_, State>> {
		self.shared.state.lock().map_err(|_| io::Error::other("poisoned"))
	}

	/// Waits until `ready` holds for the state, or the download failed.
	fn wait(&self, ready: impl Fn(&State) -> bool) -> io::Result<MutexGuard<'_, State>> {
		let mut s = self.lock()?;
		loop {
			if ready(&s) {
				return Ok(s);
			}
			if let Some(why) = &s.failed {
				return Err(io::Error::other(format!("the download failed: {why}")));
			}
			s = self
				.shared
				.changed
				.wait_timeout(s, Duration::from_millis(200))
				.map_err(|_| io::Error::other("poisoned"))?
				.0;
		}
	}

	/// The file's size, waiting for the manifest.
	pub fn size(&self) -> io::Result<u64> {
		Ok(self.wait(|s| s.file.is_some())?.size)
	}

	/// Bytes from the start verified so far (0 before the manifest).
	pub fn verified(&self) -> u64 {
		self.lock().map(|s| s.verified).unwrap_or(0)
	}
}

impl Read for PrefixReader {
	fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
		if buf.is_empty() {
			return Ok(0);
		}
		let pos = self.pos;
		let s = self.wait(|s| s.file.is_some() && (s.verified > pos || pos >= s.size))?;
		if pos >= s.size {
			return Ok(0);
		}
		let n = (buf.len() as u64).min(s.verified - pos) as usize;
		let file = s.file.clone().ok_or_else(|| io::Error::other("no file"))?;
		drop(s);
		let n = file.read_at(&mut buf[..n], pos)?;
		self.pos += n as u64;
		Ok(n)
	}
}

impl Seek for PrefixReader {
	fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
		let pos = match to {
			SeekFrom::Start(p) => Some(p),
			SeekFrom::End(d) => self.size()?.checked_add_signed(d),
			SeekFrom::Current(d) => self.pos.checked_add_signed(d),
		};
		self.pos = pos.ok_or_else(|| io::Error::other("seek before the start"))?;
		Ok(self.pos)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::io::Write;

	fn file_of(bytes: &[u8]) -> (tempfile::NamedTempFile, Arc<File>) {
		let mut f = tempfile::NamedTempFile::new().expect("temp file");
		f.write_all(bytes).expect("write");
		let open = Arc::new(f.reopen().expect("reopen"));
		(f, open)
	}

	#[test]
	fn reads_wait_for_verified_bytes() {
		let data: Vec<u8> = (0..100u8).collect();
		let (_keep, file) = file_of(&data);
		let prefix = Prefix::default();
		let mut reader = prefix.reader();
		assert_eq!(reader.verified(), 0);
		let writer = prefix.clone();
		let feeder = std::thread::spawn(move || {
			std::thread::sleep(Duration::from_millis(50));
			writer.opened(file, 100, 10);
			for end in [40, 70, 100] {
				std::thread::sleep(Duration::from_millis(50));
				writer.grow(end);
			}
		});
		let mut got = Vec::new();
		reader.read_to_end(&mut got).expect("reads to the end");
		feeder.join().expect("feeder");
		assert_eq!(got, data);
		// Seeks both ways; the end is the file's size.
		assert_eq!(reader.seek(SeekFrom::End(-5)).expect("seek"), 95);
		let mut tail = Vec::new();
		reader.read_to_end(&mut tail).expect("read");
		assert_eq!(tail, &data[95..]);
		assert!(reader.seek(SeekFrom::Current(-200)).is_err());
	}

	#[test]
	fn a_failed_download_ends_reads_past_the_prefix() {
		let (_keep, file) = file_of(&[7; 50]);
		let prefix = Prefix::default();
		prefix.opened(file, 50, 20);
		let mut reader = prefix.reader();
		let mut head = [0u8; 20];
		reader.read_exact(&mut head).expect("the prefix reads");
		let failing = prefix.clone();
		std::thread::spawn(move || {
			std::thread::sleep(Duration::from_millis(50));
			failing.failed("every provider left".into());
		});
		let err = reader.read(&mut [0u8; 8]).expect_err("the rest never comes");
		assert!(err.to_string().contains("every provider left"), "{err}");
	}
}
