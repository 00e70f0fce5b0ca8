//! A file as the swarm moves it and the chain registers it: its content
//! hash and its [`PIECE_SIZE`] pieces' hashes (the client's; `std` only).

use crate::{sha2_256, ContentHash, PIECE_SIZE};
use sha2::{Digest, Sha256};
use std::io::Read;

/// Content hash, piece hashes and size of everything `reader` yields.
pub fn hash_pieces(mut reader: impl Read) -> std::io::Result<(ContentHash, Vec<[u8; 32]>, u64)> {
	let mut whole = Sha256::new();
	let mut pieces = Vec::new();
	let mut buf = vec![0u8; PIECE_SIZE as usize];
	let mut size = 0u64;
	loop {
		let mut filled = 0;
		while filled < buf.len() {
			match reader.read(&mut buf[filled..]) {
				Ok(0) => break,
				Ok(n) => filled += n,
				Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {},
				Err(e) => return Err(e),
			}
		}
		if filled == 0 {
			break;
		}
		let piece = &buf[..filled];
		whole.update(piece);
		pieces.push(sha2_256(piece));
		size += filled as u64;
		if filled < buf.len() {
			break;
		}
	}
	Ok((ContentHash(whole.finalize().into()), pieces, size))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn pieces_cover_the_file() {
		let data: Vec<u8> =
			(0..(PIECE_SIZE as usize * 2 + 1000)).map(|i| (i % 251) as u8).collect();
		let (whole, pieces, size) = hash_pieces(&data[..]).expect("in-memory read");
		assert_eq!(size, data.len() as u64);
		assert_eq!(pieces.len(), 3);
		assert_eq!(whole, sha2_256(&data));
		assert_eq!(pieces[2], sha2_256(&data[PIECE_SIZE as usize * 2..]));
		let (_, none, zero) = hash_pieces(&[][..]).expect("empty read");
		assert!(none.is_empty());
		assert_eq!(zero, 0);
	}
}
