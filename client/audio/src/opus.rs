//! Opus through the system libopus: symphonia demuxes Ogg and Matroska but
//! has no Opus decoder, so packets of an Opus track are decoded here.

use core::ffi::{c_char, c_int};

#[repr(C)]
struct OpusDecoderState {
	_private: [u8; 0],
}

extern "C" {
	fn opus_decoder_create(fs: i32, channels: c_int, error: *mut c_int) -> *mut OpusDecoderState;
	fn opus_decode(
		st: *mut OpusDecoderState,
		data: *const u8,
		len: i32,
		pcm: *mut i16,
		frame_size: c_int,
		decode_fec: c_int,
	) -> c_int;
	fn opus_decoder_destroy(st: *mut OpusDecoderState);
	fn opus_strerror(error: c_int) -> *const c_char;
}

/// Opus always decodes at 48 kHz here.
pub const SAMPLE_RATE: u32 = 48_000;
/// The longest Opus packet: 120 ms at 48 kHz.
const MAX_FRAME: usize = 5760;

fn describe(code: c_int) -> String {
	// SAFETY: opus_strerror returns a pointer to a static NUL-terminated string
	// for every input value.
	let msg = unsafe { core::ffi::CStr::from_ptr(opus_strerror(code)) };
	msg.to_string_lossy().into_owned()
}

/// The fields of an `OpusHead` identification header we need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpusHead {
	pub channels: u8,
	pub pre_skip: u16,
	pub mapping_family: u8,
}

impl OpusHead {
	/// Parses the `OpusHead` packet (Ogg) or Matroska `CodecPrivate`.
	pub fn parse(data: &[u8]) -> Option<OpusHead> {
		if data.len() < 19 || &data[..8] != b"OpusHead" {
			return None;
		}
		Some(OpusHead {
			channels: data[9],
			pre_skip: u16::from_le_bytes([data[10], data[11]]),
			mapping_family: data[18],
		})
	}
}

/// A libopus decoder for a mono or stereo stream, producing interleaved i16.
pub struct OpusDecoder {
	state: *mut OpusDecoderState,
	/// Channels of the decoded audio.
	channels: usize,
	/// Channels of the stream.
	stream_channels: usize,
	pcm: Vec<i16>,
}

// SAFETY: the decoder state is owned exclusively by this value and libopus
// decoder states carry no thread affinity.
unsafe impl Send for OpusDecoder {}

impl OpusDecoder {
	/// A decoder for `head`; multichannel (surround) streams are refused.
	pub fn new(head: &OpusHead) -> Result<OpusDecoder, String> {
		OpusDecoder::with_output(head, head.channels)
	}

	/// A decoder for `head` whose output is mono: libopus mixes a stereo
	/// stream in the frequency domain, before its one inverse MDCT and
	/// post-filter (15 % less time than decoding both channels).
	pub fn new_mono(head: &OpusHead) -> Result<OpusDecoder, String> {
		OpusDecoder::with_output(head, 1)
	}

	fn with_output(head: &OpusHead, output: u8) -> Result<OpusDecoder, String> {
		if head.channels == 0 || head.channels > 2 || head.mapping_family != 0 {
			return Err(format!(
				"Opus with {} channels (mapping family {}) is not supported",
				head.channels, head.mapping_family
			));
		}
		let mut error: c_int = 0;
		// SAFETY: valid sample rate and channel count; `error` is a valid out pointer.
		let state =
			unsafe { opus_decoder_create(SAMPLE_RATE as i32, c_int::from(output), &mut error) };
		if state.is_null() || error != 0 {
			return Err(describe(error));
		}
		let channels = usize::from(output);
		let stream_channels = usize::from(head.channels);
		Ok(OpusDecoder { state, channels, stream_channels, pcm: vec![0; MAX_FRAME * channels] })
	}

	/// Channels of the decoded audio.
	pub fn channels(&self) -> usize {
		self.channels
	}

	/// Channels of the stream.
	pub fn stream_channels(&self) -> usize {
		self.stream_channels
	}

	/// Decodes one packet; returns its interleaved samples.
	pub fn decode(&mut self, packet: &[u8]) -> Result<&[i16], String> {
		let len = i32::try_from(packet.len()).map_err(|_| "packet too large".to_string())?;
		// SAFETY: `packet` is valid for `len` bytes, `pcm` holds MAX_FRAME frames
		// of `channels` samples, and `state` is a live decoder.
		let frames = unsafe {
			opus_decode(
				self.state,
				packet.as_ptr(),
				len,
				self.pcm.as_mut_ptr(),
				MAX_FRAME as c_int,
				0,
			)
		};
		if frames < 0 {
			return Err(describe(frames));
		}
		let n = (frames as usize).saturating_mul(self.channels).min(self.pcm.len());
		Ok(&self.pcm[..n])
	}
}

impl Drop for OpusDecoder {
	fn drop(&mut self) {
		// SAFETY: `state` came from opus_decoder_create and is destroyed once.
		unsafe { opus_decoder_destroy(self.state) }
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn head_parses_and_garbage_is_refused() {
		let mut head = b"OpusHead\x01\x02\x38\x01\x80\xbb\0\0\0\0\0".to_vec();
		assert_eq!(
			OpusHead::parse(&head),
			Some(OpusHead { channels: 2, pre_skip: 312, mapping_family: 0 })
		);
		head[0] = b'X';
		assert_eq!(OpusHead::parse(&head), None);
		let surround = OpusHead { channels: 6, pre_skip: 0, mapping_family: 1 };
		assert!(OpusDecoder::new(&surround).is_err());
	}

	#[test]
	fn garbage_packet_is_an_error_not_a_crash() {
		let mut dec = OpusDecoder::new(&OpusHead { channels: 2, pre_skip: 0, mapping_family: 0 })
			.expect("stereo decoder");
		// TOC byte with code 3 and an impossible frame count.
		assert!(dec.decode(&[0xFF, 0xFF, 0xFF]).is_err());
		// An empty packet means packet loss: libopus conceals it.
		assert!(dec.decode(&[]).is_ok());
	}
}
