//! Piece buffers, used again: a response's buffer comes back once its
//! pieces are written (downloader) or sent (seeder), so that the next
//! response is read into memory that is neither zeroed again nor faulted
//! in page by page (about 6 % of a downloader's CPU).

use std::sync::Mutex;

/// Buffers kept for the next responses (a response is at most 2 MB).
const KEEP: usize = 8;

static POOL: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

/// A buffer of `len` bytes, to be filled whole: its bytes are those of an
/// earlier response, or zeroes.
pub fn take(len: usize) -> Vec<u8> {
	let kept = POOL.lock().ok().and_then(|mut pool| pool.pop());
	let mut buf = kept.unwrap_or_default();
	buf.resize(len, 0);
	buf
}

/// Gives a buffer back for the next response.
pub fn give(buf: Vec<u8>) {
	if let Ok(mut pool) = POOL.lock() {
		if pool.len() < KEEP {
			pool.push(buf);
		}
	}
}

#[cfg(test)]
mod tests {
	#[test]
	fn a_buffer_comes_back_the_size_asked_for() {
		let mut a = super::take(1000);
		assert_eq!(a.len(), 1000);
		a.fill(7);
		let ptr = a.as_ptr();
		super::give(a);
		let b = super::take(10);
		assert_eq!(b.len(), 10);
		// Other tests may take buffers meanwhile: only when it is the same
		// buffer is its old content seen.
		if b.as_ptr() == ptr {
			assert_eq!(b, [7; 10]);
		}
		super::give(b);
		assert_eq!(super::take(2000).len(), 2000);
	}
}
