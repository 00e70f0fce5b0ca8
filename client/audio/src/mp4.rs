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

/// The child boxes of a box body (or of `moov`'s), as (type, body): walked
/// by their sizes, never by searching for a type's bytes, so that a box is
/// only ever found where it is. A malformed size ends the walk.
fn children(mut body: &[u8]) -> impl Iterator<Item = ([u8; 4], &[u8])> {
	std::iter::from_fn(move || {
		let tag: [u8; 4] = body.get(4..8)?.try_into().ok()?;
		let (size, header) = match be32(body, 0)? {
			0 => (body.len(), 8),
			1 => (usize::try_from(be64(body, 8)?).ok()?, 16),
			n => (usize::try_from(n).ok()?, 8),
		};
		if size < header || size > body.len() {
			body = &[];
			return None;
		}
		let inner = &body[header..size];
		body = &body[size..];
		Some((tag, inner))
	})
}

/// The body of the first child of type `tag`.
fn child<'a>(body: &'a [u8], tag: &[u8; 4]) -> Option<&'a [u8]> {
	children(body).find(|(t, _)| t == tag).map(|(_, b)| b)
}

/// Whether a track's media is sound (its `hdlr`'s handler type is `soun`);
/// a track without a handler box is taken for sound too.
fn is_sound(mdia: &[u8]) -> bool {
	// hdlr: version(1) flags(3) pre_defined(4) handler_type(4).
	child(mdia, b"hdlr").is_none_or(|hdlr| hdlr.get(8..12) == Some(&b"soun"[..]))
}

/// Frames (at `sample_rate`) the first sound track's edit list skips at
/// its start: its own `elst` (in `trak/edts`) read in its own timescale (its
/// `trak/mdia/mdhd`), never another track's.
pub fn priming_frames(moov: &[u8], sample_rate: u32) -> Option<u64> {
	let (trak, mdia) = children(moov)
		.filter(|(t, _)| t == b"trak")
		.find_map(|(_, trak)| child(trak, b"mdia").filter(|m| is_sound(m)).map(|m| (trak, m)))?;
	// mdhd: version(1) flags(3) then times of 4 or 8 bytes, then timescale.
	let mdhd = child(mdia, b"mdhd")?;
	let timescale = match mdhd.first()? {
		0 => be32(mdhd, 12)?,
		_ => be32(mdhd, 20)?,
	};
	// elst: version(1) flags(3) count(4), entries of (duration, media_time, rate).
	let elst = child(child(trak, b"edts")?, b"elst")?;
	let version = *elst.first()?;
	let count = be32(elst, 4)?;
	let mut at = 8;
	for _ in 0..count.min(16) {
		let media_time = if version == 1 {
			let t = be64(elst, at + 8)? as i64;
			at += 20;
			t
		} else {
			let t = i64::from(be32(elst, at + 4)? as i32);
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

	/// An `mdhd` body with this timescale (version 0).
	fn mdhd(timescale: u32) -> Vec<u8> {
		let mut body = vec![0u8; 4 + 8];
		body.extend_from_slice(&timescale.to_be_bytes());
		body.extend_from_slice(&[0u8; 8]);
		boxed(b"mdhd", &body)
	}

	/// An `hdlr` box of this handler type.
	fn hdlr(handler: &[u8; 4]) -> Vec<u8> {
		let mut body = vec![0u8; 8];
		body.extend_from_slice(handler);
		body.extend_from_slice(&[0u8; 12]);
		boxed(b"hdlr", &body)
	}

	/// An `edts` box whose edit list is an empty edit, then the media from
	/// `media_time` (version 0).
	fn edts(media_time: i32) -> Vec<u8> {
		let mut elst = vec![0u8, 0, 0, 0, 0, 0, 0, 2];
		elst.extend_from_slice(&100u32.to_be_bytes());
		elst.extend_from_slice(&(-1i32).to_be_bytes());
		elst.extend_from_slice(&[0, 1, 0, 0]);
		elst.extend_from_slice(&1_411_200u32.to_be_bytes());
		elst.extend_from_slice(&media_time.to_be_bytes());
		elst.extend_from_slice(&[0, 1, 0, 0]);
		boxed(b"edts", &boxed(b"elst", &elst))
	}

	fn trak(handler: Option<&[u8; 4]>, timescale: u32, edit: Option<i32>) -> Vec<u8> {
		let mdia = [handler.map(hdlr).unwrap_or_default(), mdhd(timescale)].concat();
		let edts = edit.map(edts).unwrap_or_default();
		boxed(b"trak", &[boxed(b"tkhd", &[0u8; 84]), edts, boxed(b"mdia", &mdia)].concat())
	}

	fn file(traks: &[Vec<u8>]) -> Vec<u8> {
		[
			boxed(b"ftyp", b"M4A \0\0\0\0"),
			boxed(b"mdat", &[7u8; 100]),
			boxed(b"moov", &traks.concat()),
		]
		.concat()
	}

	#[test]
	fn edit_list_priming_is_found() {
		let file = file(&[trak(None, 44_100, Some(1024))]);
		let moov = read_moov(std::io::Cursor::new(&file)).expect("moov found");
		assert_eq!(priming_frames(&moov, 44_100), Some(1024));
		assert_eq!(priming_frames(&moov, 22_050), Some(512));
		assert_eq!(read_moov(std::io::Cursor::new(&file[..50])), None);
	}

	/// A video track first, with its own timescale and edit list: the sound
	/// track's priming is read from the sound track's boxes alone (a search
	/// for the first `mdhd` and `elst` would pair the video's, 1,470 frames).
	#[test]
	fn each_track_keeps_its_own_edit_list() {
		let video = trak(Some(b"vide"), 90_000, Some(3_000));
		let sound = trak(Some(b"soun"), 44_100, Some(1_024));
		let moov = read_moov(std::io::Cursor::new(file(&[video.clone(), sound.clone()])))
			.expect("moov found");
		assert_eq!(priming_frames(&moov, 44_100), Some(1_024));
		// The first sound track counts, whichever way round they are.
		let other = trak(Some(b"soun"), 48_000, Some(2_112));
		let moov = read_moov(std::io::Cursor::new(file(&[sound, other.clone()]))).expect("moov");
		assert_eq!(priming_frames(&moov, 44_100), Some(1_024));
		// A sound track without an edit list skips nothing, whatever the
		// video track's says.
		let bare = trak(Some(b"soun"), 44_100, None);
		let moov = read_moov(std::io::Cursor::new(file(&[video, bare]))).expect("moov found");
		assert_eq!(priming_frames(&moov, 44_100), None);
	}

	#[test]
	fn malformed_box_sizes_end_the_walk() {
		let mut moov = trak(None, 44_100, Some(1024));
		// The track claims more bytes than there are.
		moov[3] = moov[3].wrapping_add(50);
		assert_eq!(priming_frames(&moov, 44_100), None);
		assert_eq!(priming_frames(&[0, 0, 0, 4, b't', b'r'], 44_100), None);
	}
}
