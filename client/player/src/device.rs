//! The audio device: the system's default output (or one named), through
//! cpal (ALSA on Linux, CoreAudio on macOS, WASAPI on Windows).
//!
//! The player pushes decoded 16-bit PCM at the song's rate and channel
//! count; the device's callback pulls from a short queue. When the device
//! does not take the song's format, frames are mapped to its channels and
//! linearly resampled to its rate. The queue is bounded: a write waits
//! while more than [`QUEUE`] of audio is queued, so the player can never
//! run ahead of what is heard by more than that.

use cpal::{
	traits::{DeviceTrait, HostTrait, StreamTrait},
	FromSample, SampleFormat, SizedSample, StreamConfig,
};
use std::{
	collections::VecDeque,
	sync::{
		atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering},
		Arc, Condvar, Mutex,
	},
	time::Duration,
};

/// The sample formats played, best first.
const FORMATS: [SampleFormat; 6] = [
	SampleFormat::F32,
	SampleFormat::I32,
	SampleFormat::I16,
	SampleFormat::U16,
	SampleFormat::U8,
	SampleFormat::I8,
];

/// Most audio queued for the device.
pub const QUEUE: Duration = Duration::from_millis(500);

struct Queue {
	samples: Mutex<VecDeque<f32>>,
	taken: Condvar,
	/// Queued samples the device took.
	played: AtomicU64,
	/// Samples the device asked for while audio was due and got silence.
	starved: AtomicU64,
	/// The player is done: silence from now on is not late audio.
	closing: AtomicBool,
	/// The listener paused: the device plays silence and keeps the queue.
	paused: AtomicBool,
	/// Percent of the song's loudness the device plays.
	volume: AtomicU8,
}

/// An open output stream.
pub struct DeviceSink {
	queue: Arc<Queue>,
	// Held for its lifetime: dropping it stops the sound.
	_stream: cpal::Stream,
	name: String,
	config: StreamConfig,
	limit: usize,
	convert: Converter,
}

/// The song's frames as the device's: channels mapped, rate converted by
/// linear interpolation between consecutive frames (carried across calls).
struct Converter {
	src_rate: u32,
	src_channels: u16,
	dst_rate: u32,
	dst_channels: u16,
	/// The position between `last` and the next source frame.
	pos: f64,
	last: Vec<f32>,
}

impl Converter {
	fn new(src_rate: u32, src_channels: u16, dst_rate: u32, dst_channels: u16) -> Converter {
		Converter {
			src_rate: src_rate.max(1),
			src_channels: src_channels.max(1),
			dst_rate: dst_rate.max(1),
			dst_channels: dst_channels.max(1),
			pos: 0.0,
			last: Vec::new(),
		}
	}

	fn convert(&mut self, samples: &[i16]) -> Vec<f32> {
		let (sc, dc) = (usize::from(self.src_channels), usize::from(self.dst_channels));
		let same_rate = self.dst_rate == self.src_rate;
		let frames = samples.len() / sc;
		let mut out = Vec::with_capacity(
			(frames + 1) * dc * self.dst_rate as usize / self.src_rate as usize + dc,
		);
		// One frame of the device's channels, reused for every frame.
		let mut frame = vec![0f32; dc];
		let step = f64::from(self.src_rate) / f64::from(self.dst_rate);
		for src in samples.chunks_exact(sc) {
			map_channels(src, &mut frame);
			if same_rate {
				out.extend_from_slice(&frame);
				continue;
			}
			if self.last.is_empty() {
				self.last.extend_from_slice(&frame);
				continue;
			}
			while self.pos < 1.0 {
				let t = self.pos as f32;
				out.extend(self.last.iter().zip(&frame).map(|(a, b)| a + (b - a) * t));
				self.pos += step;
			}
			self.pos -= 1.0;
			self.last.copy_from_slice(&frame);
		}
		out
	}
}

impl DeviceSink {
	/// Opens `device` (a cpal id such as `alsa:default`; `None`: the
	/// system's default output) for audio of `rate` Hz and `channels`.
	pub fn open(device: Option<&str>, rate: u32, channels: u16) -> Result<DeviceSink, String> {
		// alsa-lib writes to stderr when there is no sound card: collect
		// that on this thread instead (the error returned says it).
		#[cfg(any(
			target_os = "linux",
			target_os = "dragonfly",
			target_os = "freebsd",
			target_os = "netbsd"
		))]
		let _quiet = alsa::Output::local_error_handler();
		let host = cpal::default_host();
		let device = match device {
			Some(id) => {
				let id = id.parse().map_err(|e| format!("`{id}` is not a device id: {e}"))?;
				host.device_by_id(&id).ok_or_else(|| format!("no audio device {id}"))?
			},
			None => host.default_output_device().ok_or("no audio output device")?,
		};
		let name = device.id().map(|id| id.to_string()).unwrap_or_else(|_| "audio device".into());
		// The song's own rate and channels when the device takes them (in
		// the sample format it takes best), else its default.
		let preference = |f: SampleFormat| FORMATS.iter().position(|x| *x == f);
		let exact = device.supported_output_configs().ok().and_then(|configs| {
			configs
				.filter(|c| {
					c.channels() == channels
						&& c.min_sample_rate() <= rate
						&& rate <= c.max_sample_rate()
						&& preference(c.sample_format()).is_some()
				})
				.min_by_key(|c| preference(c.sample_format()))
		});
		let supported = match exact {
			Some(range) => range.with_sample_rate(rate),
			None => device.default_output_config().map_err(|e| format!("{name}: {e}"))?,
		};
		let format = supported.sample_format();
		let config: StreamConfig = supported.into();
		let queue = Arc::new(Queue {
			samples: Mutex::new(VecDeque::new()),
			taken: Condvar::new(),
			played: AtomicU64::new(0),
			starved: AtomicU64::new(0),
			closing: AtomicBool::new(false),
			paused: AtomicBool::new(false),
			volume: AtomicU8::new(100),
		});
		let stream = match format {
			SampleFormat::F32 => build::<f32>(&device, &config, queue.clone()),
			SampleFormat::I16 => build::<i16>(&device, &config, queue.clone()),
			SampleFormat::I32 => build::<i32>(&device, &config, queue.clone()),
			SampleFormat::U16 => build::<u16>(&device, &config, queue.clone()),
			SampleFormat::U8 => build::<u8>(&device, &config, queue.clone()),
			SampleFormat::I8 => build::<i8>(&device, &config, queue.clone()),
			other => return Err(format!("{name}: unsupported sample format {other}")),
		}
		.map_err(|e| format!("{name}: {e}"))?;
		stream.play().map_err(|e| format!("{name}: {e}"))?;
		let limit =
			(u128::from(config.sample_rate) * u128::from(config.channels) * QUEUE.as_millis()
				/ 1000) as usize;
		Ok(DeviceSink {
			queue,
			_stream: stream,
			name,
			limit: limit.max(1),
			convert: Converter::new(rate, channels, config.sample_rate, config.channels),
			config,
		})
	}

	/// What plays, for the user to read.
	pub fn describe(&self) -> String {
		format!("{} ({} Hz, {} channels)", self.name, self.config.sample_rate, self.config.channels)
	}

	/// Queues interleaved samples of the song's format, waiting while the
	/// queue is full.
	pub fn write(&mut self, samples: &[i16]) {
		let converted = self.convert.convert(samples);
		let Ok(mut queue) = self.queue.samples.lock() else { return };
		for chunk in converted.chunks(self.limit) {
			while queue.len() + chunk.len() > self.limit && !queue.is_empty() {
				match self.queue.taken.wait_timeout(queue, Duration::from_secs(2)) {
					Ok((q, timeout)) => {
						queue = q;
						if timeout.timed_out() {
							// The device stopped pulling: drop what it did
							// not take rather than hang the player.
							queue.clear();
						}
					},
					Err(_) => return,
				}
			}
			queue.extend(chunk.iter().copied());
		}
	}

	/// Holds the sound at once, keeping what is queued for when it goes on
	/// (`false`).
	pub fn pause(&self, paused: bool) {
		self.queue.paused.store(paused, Ordering::Relaxed);
	}

	/// The loudness, in percent of the song's, from the next sample the
	/// device takes.
	pub fn set_volume(&self, percent: u8) {
		self.queue.volume.store(percent.min(100), Ordering::Relaxed);
	}

	/// Waits (at most the queue's length and a bit) until the device has
	/// played what is queued.
	pub fn drain(&self) {
		self.queue.closing.store(true, Ordering::Relaxed);
		let Ok(q) = self.queue.samples.lock() else { return };
		let _ = self.queue.taken.wait_timeout_while(q, QUEUE * 2, |q| !q.is_empty());
	}

	/// Samples of the song the device took.
	pub fn played(&self) -> u64 {
		self.queue.played.load(Ordering::Relaxed)
	}

	/// How much silence the device played between the first sample and the
	/// last one because audio was late (a slow disk or network).
	pub fn starved(&self) -> Duration {
		let per_second =
			u64::from(self.config.sample_rate.max(1)) * u64::from(self.config.channels.max(1));
		Duration::from_millis(self.queue.starved.load(Ordering::Relaxed) * 1000 / per_second)
	}
}

/// One 16-bit frame of `src.len()` channels into `out`'s channels: mono is
/// copied to all, many to mono is their mean, otherwise the first ones are
/// kept and the rest are silent.
fn map_channels(src: &[i16], out: &mut [f32]) {
	let sample = |s: i16| f32::from(s) / 32768.0;
	match (src.len(), out.len()) {
		(1, _) => out.fill(sample(src[0])),
		(n, 1) => out[0] = src.iter().map(|s| sample(*s)).sum::<f32>() / n as f32,
		_ => {
			for (i, slot) in out.iter_mut().enumerate() {
				*slot = src.get(i).map_or(0.0, |s| sample(*s));
			}
		},
	}
}

fn build<T>(
	device: &cpal::Device,
	config: &StreamConfig,
	queue: Arc<Queue>,
) -> Result<cpal::Stream, cpal::Error>
where
	T: SizedSample + FromSample<f32>,
{
	device.build_output_stream(
		*config,
		move |out: &mut [T], _: &cpal::OutputCallbackInfo| {
			let Ok(mut q) = queue.samples.lock() else { return };
			let n = if queue.paused.load(Ordering::Relaxed) { 0 } else { q.len().min(out.len()) };
			let gain = f32::from(queue.volume.load(Ordering::Relaxed)) / 100.0;
			for (slot, sample) in out.iter_mut().zip(q.drain(..n)) {
				*slot = T::from_sample(sample * gain);
			}
			for slot in &mut out[n..] {
				*slot = T::from_sample(0.0f32);
			}
			// Silence counts as late once audio has begun and until the
			// player is done.
			let played = queue.played.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
			if played > 0
				&& n < out.len()
				&& !queue.closing.load(Ordering::Relaxed)
				&& !queue.paused.load(Ordering::Relaxed)
			{
				queue.starved.fetch_add((out.len() - n) as u64, Ordering::Relaxed);
			}
			drop(q);
			queue.taken.notify_all();
		},
		|e| tracing::warn!("audio device: {e}"),
		None,
	)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn channels_map_both_ways() {
		let mapped = |src: &[i16], n: usize| {
			let mut out = vec![9.0f32; n];
			map_channels(src, &mut out);
			out
		};
		assert_eq!(mapped(&[16_384], 2), vec![0.5, 0.5]);
		assert_eq!(mapped(&[8_192, 16_384], 1), vec![0.375]);
		assert_eq!(mapped(&[16_384, -16_384], 2), vec![0.5, -0.5]);
		assert_eq!(mapped(&[8_192, 16_384], 4), vec![0.25, 0.5, 0.0, 0.0]);
	}

	#[test]
	fn one_second_resampled_is_one_second_at_the_new_rate() {
		// A 441 Hz sine, mono at 44.1 kHz, to stereo at 48 kHz, in pieces.
		let src: Vec<i16> = (0..44_100)
			.map(|i| {
				((i as f32 * 441.0 * std::f32::consts::TAU / 44_100.0).sin() * 16_000.0) as i16
			})
			.collect();
		let mut c = Converter::new(44_100, 1, 48_000, 2);
		let out: Vec<f32> = src.chunks(1_152).flat_map(|chunk| c.convert(chunk)).collect();
		let frames = out.len() / 2;
		assert!((47_990..=48_001).contains(&frames), "{frames} frames");
		// Still the same tone: both channels equal, the peak kept, and
		// 441 cycles (882 sign changes) in the second.
		assert!(out.chunks(2).all(|f| f[0] == f[1]));
		let peak = out.iter().fold(0f32, |m, s| m.max(s.abs()));
		assert!((0.45..0.5).contains(&peak), "peak {peak}");
		let flips = out
			.chunks(2)
			.zip(out.chunks(2).skip(1))
			.filter(|(a, b)| (a[0] < 0.0) != (b[0] < 0.0))
			.count();
		assert!((878..=884).contains(&flips), "{flips} sign changes");
	}

	/// ALSA's `null` device takes samples as fast as they come (it needs no
	/// sound card), so this is the real cpal stream without the pacing.
	#[cfg(target_os = "linux")]
	#[test]
	fn an_alsa_device_takes_every_sample() {
		let mut sink = DeviceSink::open(Some("alsa:null"), 44_100, 2).expect("ALSA's null device");
		assert!(sink.describe().contains("null"), "{}", sink.describe());
		let second: Vec<i16> = (0..88_200).map(|i| (i % 200) as i16 * 100).collect();
		for chunk in second.chunks(4_096) {
			sink.write(chunk);
		}
		sink.drain();
		let per_second = u64::from(sink.config.sample_rate) * u64::from(sink.config.channels);
		assert!(sink.played().abs_diff(per_second) <= 8, "{} of {per_second}", sink.played());
	}

	#[test]
	fn the_same_rate_is_copied() {
		let mut c = Converter::new(48_000, 2, 48_000, 2);
		assert_eq!(c.convert(&[16_384, -16_384]), vec![0.5, -0.5]);
	}
}
