//! Container detection from a file's first bytes, with the extension as a
//! tie-breaker where the content alone is ambiguous.

use musicchain_primitives::Format;

/// How many leading bytes [`detect`] looks at (more than an ID3v2 tag with a
/// small cover usually takes; a larger tag is skipped by its declared size).
pub const HEAD_LEN: usize = 64 * 1024;

/// The container of a file from its leading bytes (`head`, see [`HEAD_LEN`])
/// and, for MPEG/ADTS streams preceded by junk, its extension.
///
/// Leading ID3v2 tags are skipped; when they are longer than `head`
/// ([`id3v2_len`] says where they end), the caller re-reads from their end.
pub fn detect(head: &[u8], ext: Option<&str>) -> Option<Format> {
	let skip = id3v2_len(head);
	let body = head.get(skip..).unwrap_or_default();
	if let Some(f) = detect_signature(body) {
		return Some(f);
	}
	if let Some(f) = detect_frames(body, 2) {
		return Some(f);
	}
	// An MP3 or ADTS stream can start with junk (a broken tag, padding):
	// trust the extension only if real frames follow soon after.
	let hinted = ext.and_then(Format::from_extension);
	if matches!(hinted, Some(Format::Mp3) | Some(Format::Aac)) || skip > 0 {
		for start in 1..body.len().saturating_sub(4) {
			if body.get(start) == Some(&0xFF) {
				if let Some(f) = detect_frames(body.get(start..).unwrap_or_default(), 3) {
					return Some(f);
				}
			}
		}
	}
	None
}

/// Total length of the ID3v2 tags at the start of `data` (0 if none).
pub fn id3v2_len(data: &[u8]) -> usize {
	let mut pos = 0usize;
	while let Some(h) = data.get(pos..pos + 10) {
		if &h[..3] != b"ID3" || h[6..10].iter().any(|b| b & 0x80 != 0) {
			break;
		}
		let size = h[6..10].iter().fold(0usize, |acc, b| (acc << 7) | usize::from(*b));
		let footer = if h[5] & 0x10 != 0 { 10 } else { 0 };
		pos = pos.saturating_add(10 + size + footer);
	}
	pos
}

fn detect_signature(b: &[u8]) -> Option<Format> {
	let at = |range: core::ops::Range<usize>| b.get(range).unwrap_or_default();
	if at(0..4) == b"fLaC" {
		return Some(Format::Flac);
	}
	if at(0..4) == b"OggS" {
		// First page: 27-byte header, segment table, then the first packet.
		let segments = usize::from(*b.get(26)?);
		let payload = b.get(27 + segments..).unwrap_or_default();
		return Some(if payload.starts_with(b"OpusHead") { Format::Opus } else { Format::Ogg });
	}
	if (at(0..4) == b"RIFF" || at(0..4) == b"RF64") && at(8..12) == b"WAVE" {
		return Some(Format::Wav);
	}
	if at(0..4) == b"FORM" && (at(8..12) == b"AIFF" || at(8..12) == b"AIFC") {
		return Some(Format::Aiff);
	}
	if at(4..8) == b"ftyp" {
		return Some(Format::M4a);
	}
	if at(0..4) == [0x1A, 0x45, 0xDF, 0xA3] {
		return Some(Format::Mka);
	}
	if at(0..4) == b"MAC " {
		return Some(Format::Ape);
	}
	if at(0..16)
		== [
			0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62,
			0xCE, 0x6C,
		] {
		return Some(Format::Wma);
	}
	None
}

/// MPEG audio (layers I-III) or ADTS AAC if `needed` consecutive valid frame
/// headers start at `b[0]` (a single header when the data ends before the
/// next frame).
fn detect_frames(b: &[u8], needed: usize) -> Option<Format> {
	let mut pos = 0usize;
	let mut kind = None;
	for _ in 0..needed {
		let Some(h) = b.get(pos..pos + 7) else {
			// Data ends: accept what was seen if at least one frame.
			return kind;
		};
		let (k, len) = frame_header(h)?;
		if kind.is_some_and(|prev| prev != k) {
			return None;
		}
		kind = Some(k);
		pos += len;
	}
	kind
}

/// Kind and length of the frame whose header starts `h` (at least 7 bytes).
fn frame_header(h: &[u8]) -> Option<(Format, usize)> {
	if h[0] != 0xFF || h[1] & 0xE0 != 0xE0 {
		return None;
	}
	if h[1] & 0xF6 == 0xF0 {
		// ADTS: sync 0xFFF, layer 00.
		let freq_index = (h[2] >> 2) & 0x0F;
		let len =
			(usize::from(h[3] & 0x03) << 11) | (usize::from(h[4]) << 3) | usize::from(h[5] >> 5);
		return (freq_index < 13 && len >= 7).then_some((Format::Aac, len));
	}
	let version = (h[1] >> 3) & 0x03; // 0: MPEG 2.5, 1: reserved, 2: MPEG 2, 3: MPEG 1
	let layer = (h[1] >> 1) & 0x03; // 1: III, 2: II, 3: I
	let bitrate_index = usize::from(h[2] >> 4);
	let rate_index = usize::from((h[2] >> 2) & 0x03);
	let padding = usize::from((h[2] >> 1) & 0x01);
	if version == 1 || layer == 0 || bitrate_index == 0 || bitrate_index == 15 || rate_index == 3 {
		return None;
	}
	const RATES: [u32; 3] = [44_100, 48_000, 32_000];
	const V1_L1: [u32; 15] = [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448];
	const V1_L2: [u32; 15] = [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384];
	const V1_L3: [u32; 15] = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
	const V2_L1: [u32; 15] = [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256];
	const V2_L23: [u32; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
	let rate = RATES[rate_index]
		>> match version {
			3 => 0,
			2 => 1,
			_ => 2,
		};
	let kbps = match (version == 3, layer) {
		(true, 3) => V1_L1[bitrate_index],
		(true, 2) => V1_L2[bitrate_index],
		(true, _) => V1_L3[bitrate_index],
		(false, 3) => V2_L1[bitrate_index],
		(false, _) => V2_L23[bitrate_index],
	};
	let len = match layer {
		3 => (12 * kbps * 1000 / rate) as usize * 4 + padding * 4,
		1 if version != 3 => (72 * kbps * 1000 / rate) as usize + padding,
		_ => (144 * kbps * 1000 / rate) as usize + padding,
	};
	(len > 4).then_some((Format::Mp3, len))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn signatures() {
		assert_eq!(detect(b"fLaC\0\0\0\x22", None), Some(Format::Flac));
		assert_eq!(detect(b"RIFF\0\0\0\0WAVEfmt ", None), Some(Format::Wav));
		assert_eq!(detect(b"FORM\0\0\0\0AIFFCOMM", None), Some(Format::Aiff));
		assert_eq!(detect(b"\0\0\0\x20ftypM4A ", None), Some(Format::M4a));
		assert_eq!(detect(b"MAC \x96\x0f", None), Some(Format::Ape));
		assert_eq!(detect(b"hello world, not audio at all", Some("mp3")), None);
		assert_eq!(detect(b"", Some("mp3")), None);
	}

	#[test]
	fn id3_is_skipped() {
		let mut data = b"ID3\x04\x00\x00\x00\x00\x00\x05hello".to_vec();
		data.extend_from_slice(b"fLaC\0\0\0\x22");
		assert_eq!(id3v2_len(&data), 15);
		assert_eq!(detect(&data, Some("mp3")), Some(Format::Flac));
	}

	#[test]
	fn mpeg_frames_need_consecutive_headers() {
		// MPEG-1 layer III, 128 kbps, 44.1 kHz, no padding: 417-byte frames.
		let mut data = Vec::new();
		for _ in 0..3 {
			let mut frame = vec![0u8; 417];
			frame[..4].copy_from_slice(&[0xFF, 0xFB, 0x90, 0x00]);
			data.extend_from_slice(&frame);
		}
		assert_eq!(detect(&data, None), Some(Format::Mp3));
		// A lone header followed by garbage where the next frame should be.
		let mut lone = data.clone();
		lone[417] = 0;
		assert_eq!(detect(&lone, None), None);
		// Junk before the frames is skipped when the extension says MP3.
		let mut junk = vec![0x42u8; 100];
		junk.extend_from_slice(&data);
		assert_eq!(detect(&junk, Some("mp3")), Some(Format::Mp3));
		assert_eq!(detect(&junk, Some("flac")), None);
	}
}
