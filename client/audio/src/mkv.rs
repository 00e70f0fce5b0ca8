//! Matroska tags: lofty reads no Matroska and symphonia 0.5 does not expose
//! them, so the segment title (`Info/Title`) and the `Tags/Tag/SimpleTag`
//! name/value pairs are read here with a small EBML walker.

use std::io::{Read, Seek, SeekFrom};
use symphonia::core::meta::StandardTagKey;

const SEGMENT: u32 = 0x1853_8067;
const INFO: u32 = 0x1549_A966;
const TITLE: u32 = 0x7BA9;
const TAGS: u32 = 0x1254_C367;
const TAG: u32 = 0x7373;
const SIMPLE_TAG: u32 = 0x67C8;
const TAG_NAME: u32 = 0x45A3;
const TAG_STRING: u32 = 0x4487;
/// Largest Info or Tags element read into memory.
const MAX_BODY: u64 = 1024 * 1024;
/// Top-level elements looked at before giving up.
const MAX_ELEMENTS: usize = 100_000;

/// An EBML variable-length integer; `id` keeps the length marker bits.
fn vint(data: &[u8], id: bool) -> Option<(u64, usize)> {
	let first = *data.first()?;
	let len = first.leading_zeros() as usize + 1;
	if len > 8 {
		return None;
	}
	let mut v = if id { u64::from(first) } else { u64::from(first) & (0xFF >> len) };
	for b in data.get(1..len)? {
		v = (v << 8) | u64::from(*b);
	}
	Some((v, len))
}

/// Reads an element header at the reader's position: (id, body size; `None`
/// for unknown size, header length).
fn header(r: &mut impl Read) -> Option<(u32, Option<u64>, u64)> {
	let mut buf = [0u8; 12];
	r.read_exact(&mut buf[..1]).ok()?;
	let id_len = buf[0].leading_zeros() as usize + 1;
	if id_len > 4 {
		return None;
	}
	r.read_exact(&mut buf[1..id_len]).ok()?;
	let (id, _) = vint(&buf[..id_len], true)?;
	r.read_exact(&mut buf[id_len..id_len + 1]).ok()?;
	let size_len = buf[id_len].leading_zeros() as usize + 1;
	if size_len > 8 {
		return None;
	}
	r.read_exact(&mut buf[id_len + 1..id_len + size_len]).ok()?;
	let (size, _) = vint(&buf[id_len..id_len + size_len], false)?;
	let unknown = size == (1u64 << (7 * size_len)) - 1;
	Some((id as u32, (!unknown).then_some(size), (id_len + size_len) as u64))
}

/// The children of an in-memory element body.
fn children(mut body: &[u8]) -> impl Iterator<Item = (u32, &[u8])> {
	std::iter::from_fn(move || {
		let (id, id_len) = vint(body, true)?;
		let (size, size_len) = vint(body.get(id_len..)?, false)?;
		let start = id_len + size_len;
		let end = start.checked_add(usize::try_from(size).ok()?)?;
		let child = body.get(start..end)?;
		body = body.get(end..)?;
		Some((id as u32, child))
	})
}

fn text(b: &[u8]) -> String {
	String::from_utf8_lossy(b).trim_end_matches('\0').trim().to_string()
}

fn key(name: &str) -> Option<StandardTagKey> {
	Some(match name.to_ascii_uppercase().as_str() {
		"TITLE" => StandardTagKey::TrackTitle,
		"ARTIST" => StandardTagKey::Artist,
		"ALBUM" => StandardTagKey::Album,
		"GENRE" => StandardTagKey::Genre,
		"DATE_RELEASED" | "DATE" | "DATE_RECORDED" | "YEAR" => StandardTagKey::Date,
		"PART_NUMBER" | "TRACK" | "TRACKNUMBER" => StandardTagKey::TrackNumber,
		_ => return None,
	})
}

/// The tags of a Matroska file (empty when it has none or is not Matroska).
pub fn read_tags(mut r: impl Read + Seek) -> Vec<(StandardTagKey, String)> {
	let mut out = Vec::new();
	let mut pos = 0u64;
	let mut segment_end = u64::MAX;
	for _ in 0..MAX_ELEMENTS {
		if pos >= segment_end || r.seek(SeekFrom::Start(pos)).is_err() {
			break;
		}
		let Some((id, size, head)) = header(&mut r) else { break };
		if id == SEGMENT {
			// Descend: its children follow.
			segment_end = size.map_or(u64::MAX, |s| pos + head + s);
			pos += head;
			continue;
		}
		let Some(size) = size else { break };
		if (id == INFO || id == TAGS) && size <= MAX_BODY {
			let mut body = Vec::new();
			if (&mut r).take(size).read_to_end(&mut body).is_err() {
				break;
			}
			if id == INFO {
				for (_, title) in children(&body).filter(|(cid, _)| *cid == TITLE) {
					out.push((StandardTagKey::TrackTitle, text(title)));
				}
			} else {
				for (_, tag) in children(&body).filter(|(cid, _)| *cid == TAG) {
					for (_, simple) in children(tag).filter(|(cid, _)| *cid == SIMPLE_TAG) {
						let mut name = None;
						let mut value = None;
						for (cid, v) in children(simple) {
							match cid {
								TAG_NAME => name = Some(text(v)),
								TAG_STRING => value = Some(text(v)),
								_ => {},
							}
						}
						if let (Some(k), Some(v)) = (name.as_deref().and_then(key), value) {
							out.push((k, v));
						}
					}
				}
			}
		}
		pos = pos.saturating_add(head).saturating_add(size);
	}
	out
}

#[cfg(test)]
mod tests {
	use super::*;

	fn el(id: &[u8], body: &[u8]) -> Vec<u8> {
		let mut v = id.to_vec();
		v.extend_from_slice(&(0x0100_0000_0000_0000u64 | body.len() as u64).to_be_bytes());
		v.extend_from_slice(body);
		v
	}

	#[test]
	fn title_and_simple_tags_are_read() {
		let simple = |n: &str, s: &str| {
			el(
				&[0x67, 0xC8],
				&[el(&[0x45, 0xA3], n.as_bytes()), el(&[0x44, 0x87], s.as_bytes())].concat(),
			)
		};
		let tags = el(
			&[0x12, 0x54, 0xC3, 0x67],
			&el(&[0x73, 0x73], &[simple("ARTIST", "Someone"), simple("PART_NUMBER", "4")].concat()),
		);
		let info = el(&[0x15, 0x49, 0xA9, 0x66], &el(&[0x7B, 0xA9], b"A Title"));
		let cluster = el(&[0x1F, 0x43, 0xB6, 0x75], &[0u8; 1000]);
		let segment = el(&[0x18, 0x53, 0x80, 0x67], &[info, cluster, tags].concat());
		let file = [el(&[0x1A, 0x45, 0xDF, 0xA3], b"\x42\x82\x84webm"), segment].concat();
		let got = read_tags(std::io::Cursor::new(&file));
		assert_eq!(
			got,
			vec![
				(StandardTagKey::TrackTitle, "A Title".to_string()),
				(StandardTagKey::Artist, "Someone".to_string()),
				(StandardTagKey::TrackNumber, "4".to_string()),
			]
		);
		// Garbage and truncation yield nothing, not a panic.
		assert!(read_tags(std::io::Cursor::new(&file[..30])).len() <= 1);
		assert!(read_tags(std::io::Cursor::new(b"\xff\xff\xff\xff")).is_empty());
	}
}
