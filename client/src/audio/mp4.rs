//! The one piece of MP4 symphonia 0.5 ignores that changes the audio: the
//! edit list (`elst`) that hides the AAC encoder's priming samples. `fpcalc`
//! (FFmpeg) applies it, so without it our fingerprint would be shifted by
//! ~23 ms against everyone else's.

use std::io::{Read, Seek, SeekFrom};

/// Largest `moov` box read to find the edit list.
const MAX_MOOV: u64 = 64 * 1024 * 1024;

fn be32(b: &[u8], at: usize) -> Option<u32> {
	Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
	Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// Reads the `moov` box of an MP4 file (top-level boxes are walked by size).
pub fn read_moov(mut r: impl Read + Seek) -> Option<Vec<u8>> {
	let mut pos = 0u64;
	loop {
		r.seek(SeekFrom::Start(pos)).ok()?;
		let mut h = [0u8; 16];
		r.read_exact(&mut h[..8]).ok()?;
		let mut size = u64::from(be32(&h, 0)?);
		let mut header = 8u64;
		if size == 1 {
			r.read_exact(&mut h[8..16]).ok()?;
			size = be64(&h, 8)?;
			header = 16;
		}
		if size != 0 && size < header {
			return None;
		}
		if &h[4..8] == b"moov" {
			let body = if size == 0 { MAX_MOOV } else { size - header };
			if body > MAX_MOOV {
				return None;
			}
			let mut moov = Vec::new();
			r.take(body).read_to_end(&mut moov).ok()?;
			return Some(moov);
		}
		if size == 0 {
			return None;
		}
		pos = pos.checked_add(size)?;
	}
}

/// Frames (at `sample_rate`) the first track's edit list skips at its start.
pub fn priming_frames(moov: &[u8], sample_rate: u32) -> Option<u64> {
	let find = |tag: &[u8]| moov.windows(4).position(|w| w == tag);
	// mdhd: version(1) flags(3) then times of 4 or 8 bytes, then timescale.
	let mdhd = find(b"mdhd")? + 4;
	let timescale = match moov.get(mdhd)? {
		0 => be32(moov, mdhd + 12)?,
		_ => be32(moov, mdhd + 20)?,
	};
	// elst: version(1) flags(3) count(4), entries of (duration, media_time, rate).
	let elst = find(b"elst")? + 4;
	let version = *moov.get(elst)?;
	let count = be32(moov, elst + 4)?;
	let mut at = elst + 8;
	for _ in 0..count.min(16) {
		let media_time = if version == 1 {
			let t = be64(moov, at + 8)? as i64;
			at += 20;
			t
		} else {
			let t = i64::from(be32(moov, at + 4)? as i32);
			at += 12;
			t
		};
		// -1 marks an empty edit (a gap before the media starts).
		if media_time >= 0 {
			if timescale == 0 {
				return None;
			}
			return Some(media_time as u64 * u64::from(sample_rate) / u64::from(timescale));
		}
	}
	None
}

#[cfg(test)]
mod tests {
	use super::*;

	fn boxed(tag: &[u8], body: &[u8]) -> Vec<u8> {
		let mut v = ((body.len() + 8) as u32).to_be_bytes().to_vec();
		v.extend_from_slice(tag);
		v.extend_from_slice(body);
		v
	}

	#[test]
	fn edit_list_priming_is_found() {
		let mut mdhd = vec![0u8; 4 + 8];
		mdhd.extend_from_slice(&44_100u32.to_be_bytes());
		mdhd.extend_from_slice(&[0u8; 8]);
		let mut elst = vec![0u8, 0, 0, 0, 0, 0, 0, 2];
		// An empty edit, then the media from sample 1024.
		elst.extend_from_slice(&100u32.to_be_bytes());
		elst.extend_from_slice(&(-1i32).to_be_bytes());
		elst.extend_from_slice(&[0, 1, 0, 0]);
		elst.extend_from_slice(&1_411_200u32.to_be_bytes());
		elst.extend_from_slice(&1024i32.to_be_bytes());
		elst.extend_from_slice(&[0, 1, 0, 0]);
		let trak = boxed(b"trak", &[boxed(b"mdhd", &mdhd), boxed(b"elst", &elst)].concat());
		let file =
			[boxed(b"ftyp", b"M4A \0\0\0\0"), boxed(b"mdat", &[7u8; 100]), boxed(b"moov", &trak)]
				.concat();
		let moov = read_moov(std::io::Cursor::new(&file)).expect("moov found");
		assert_eq!(priming_frames(&moov, 44_100), Some(1024));
		assert_eq!(priming_frames(&moov, 22_050), Some(512));
		assert_eq!(read_moov(std::io::Cursor::new(&file[..50])), None);
	}
}
