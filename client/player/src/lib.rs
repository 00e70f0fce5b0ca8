//! Playback: decodes a song (while it is still arriving from the swarm)
//! and plays it in real time, segment by segment, to the audio device, a
//! WAV file or nowhere, reporting what was heard for the play session's
//! heartbeats.
//!
//! A play is paced by the wall clock whatever the output: the heartbeats
//! must show as much wall time as audio, or the chain refuses the receipt
//! as a fast-forward.

pub mod device;

use musicchain_audio::{decode::PcmStream, AudioError};
use musicchain_primitives::Format;
use std::{
	fs::File,
	io::{Read, Seek, SeekFrom, Write},
	path::PathBuf,
	time::{Duration, Instant},
};
use symphonia::core::io::MediaSource;

/// Wall time between two heartbeats while a segment plays.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(5);

/// Where the sound goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
	/// The default audio device when there is one, else nowhere.
	Auto,
	/// An audio device: a cpal id such as `alsa:default`, or the default.
	Device(Option<String>),
	/// Decoded and paced, then dropped.
	Null,
	/// A 16-bit PCM WAV file.
	Wav(PathBuf),
}

/// What the player reports while it plays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
	/// Where the sound goes, for the user to read.
	Output(String),
	/// The first sample went out.
	Started,
	/// `[from_ms, to_ms)` of the song was heard since the last report.
	Heard { from_ms: u32, to_ms: u32 },
	/// Where the play is, a few times a second while it plays: `at_ms` of
	/// the song, and `[since_ms, at_ms)` heard but not reported yet.
	At { since_ms: u32, at_ms: u32 },
	/// The play paused (`true`) or went on (`false`).
	Paused(bool),
	/// The volume is now this (percent).
	Volume(u8),
}

/// How often [`Event::At`] is reported while a song plays.
pub const POSITION_EVERY: Duration = Duration::from_millis(250);

/// A stream being read as it arrives, for the decoder: reads wait for the
/// bytes they ask for (the swarm's verified-prefix reader does).
struct Arriving<R> {
	reader: R,
	size: u64,
}

impl<R: Read> Read for Arriving<R> {
	fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
		self.reader.read(buf)
	}
}

impl<R: Seek> Seek for Arriving<R> {
	fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
		self.reader.seek(to)
	}
}

impl<R: Read + Seek + Send + Sync> MediaSource for Arriving<R> {
	fn is_seekable(&self) -> bool {
		true
	}
	fn byte_len(&self) -> Option<u64> {
		Some(self.size)
	}
}

/// Writes 16-bit PCM as a WAV file; the header's sizes are filled in at
/// the end.
struct WavWriter {
	file: std::io::BufWriter<File>,
	data_bytes: u32,
}

impl WavWriter {
	fn create(path: &PathBuf, rate: u32, channels: u16) -> std::io::Result<WavWriter> {
		let mut file = std::io::BufWriter::new(File::create(path)?);
		let block = channels * 2;
		let mut header = Vec::with_capacity(44);
		header.extend_from_slice(b"RIFF\0\0\0\0WAVEfmt ");
		header.extend_from_slice(&16u32.to_le_bytes());
		header.extend_from_slice(&1u16.to_le_bytes());
		header.extend_from_slice(&channels.to_le_bytes());
		header.extend_from_slice(&rate.to_le_bytes());
		header.extend_from_slice(&(rate * u32::from(block)).to_le_bytes());
		header.extend_from_slice(&block.to_le_bytes());
		header.extend_from_slice(&16u16.to_le_bytes());
		header.extend_from_slice(b"data\0\0\0\0");
		file.write_all(&header)?;
		Ok(WavWriter { file, data_bytes: 0 })
	}

	fn write(&mut self, samples: &[i16]) -> std::io::Result<()> {
		for s in samples {
			self.file.write_all(&s.to_le_bytes())?;
		}
		self.data_bytes = self.data_bytes.saturating_add((samples.len() * 2) as u32);
		Ok(())
	}

	fn finish(mut self) -> std::io::Result<()> {
		self.file.flush()?;
		let mut file = self.file.into_inner().map_err(|e| e.into_error())?;
		file.seek(SeekFrom::Start(4))?;
		file.write_all(&self.data_bytes.saturating_add(36).to_le_bytes())?;
		file.seek(SeekFrom::Start(40))?;
		file.write_all(&self.data_bytes.to_le_bytes())?;
		file.sync_all()
	}
}

/// Why a play stopped early.
#[derive(Debug, thiserror::Error)]
pub enum PlayerError {
	#[error("cannot decode the song: {0}")]
	Audio(#[from] AudioError),
	#[error("cannot write the output: {0}")]
	Output(#[from] std::io::Error),
	#[error("cannot play to the audio device: {0} (--output null or FILE.wav plays without one)")]
	Device(String),
}

/// The open output of a play.
enum Sink {
	None,
	Wav(WavWriter),
	Device(device::DeviceSink),
}

impl Sink {
	/// Opens `output` for audio of `rate` Hz and `channels`.
	fn open(output: &Output, rate: u32, channels: u16) -> Result<(Sink, String), PlayerError> {
		Ok(match output {
			Output::Null => (Sink::None, "nowhere (--output null), paced in real time".into()),
			Output::Wav(path) => {
				(Sink::Wav(WavWriter::create(path, rate, channels)?), path.display().to_string())
			},
			Output::Device(id) => {
				let sink = device::DeviceSink::open(id.as_deref(), rate, channels)
					.map_err(PlayerError::Device)?;
				let name = sink.describe();
				(Sink::Device(sink), name)
			},
			Output::Auto => match device::DeviceSink::open(None, rate, channels) {
				Ok(sink) => {
					let name = sink.describe();
					(Sink::Device(sink), name)
				},
				Err(why) => (
					Sink::None,
					format!("nowhere, paced in real time all the same (no audio device: {why})"),
				),
			},
		})
	}

	/// How far ahead of the wall clock audio is handed over: a device is
	/// kept half a queue ahead, so that it never waits for the next packet.
	fn lead(&self) -> Duration {
		match self {
			Sink::Device(_) => device::QUEUE / 2,
			Sink::None | Sink::Wav(_) => Duration::ZERO,
		}
	}

	/// Holds the sound (what is queued plays on when it goes on), or goes
	/// on.
	fn pause(&self, paused: bool) {
		if let Sink::Device(d) = self {
			d.pause(paused);
		}
	}

	/// The loudness of what is heard from now on, in percent; a file
	/// keeps the song as it is.
	fn set_volume(&self, percent: u8) {
		if let Sink::Device(d) = self {
			d.set_volume(percent);
		}
	}

	fn write(&mut self, samples: &[i16]) -> Result<(), PlayerError> {
		match self {
			Sink::None => {},
			Sink::Wav(w) => w.write(samples)?,
			Sink::Device(d) => d.write(samples),
		}
		Ok(())
	}

	fn finish(self) -> Result<(), PlayerError> {
		match self {
			Sink::None => {},
			Sink::Wav(w) => w.finish()?,
			Sink::Device(d) => {
				d.drain();
				let late = d.starved();
				if late >= Duration::from_millis(50) {
					tracing::warn!(
						"audio device: {} ms of silence where audio was late (a slow disk or network)",
						late.as_millis()
					);
				}
			},
		}
		Ok(())
	}
}

/// Plays `segments` (`[from_ms, to_ms)` of the song, in order; a jump
/// between them is a seek) of the file `open` opens, in real time, into
/// `output`. `report` hears [`Event`]s: a `Heard` at least every
/// [`HEARTBEAT_EVERY`] and at the end of every segment. Returns the
/// milliseconds heard.
pub fn play(
	open: &dyn Fn() -> Result<PcmStream, AudioError>,
	output: &Output,
	segments: &[(u32, u32)],
	report: &mut dyn FnMut(Event),
) -> Result<u32, PlayerError> {
	play_controlled(open, output, segments, None, report)
}

/// What a listener does while a song plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
	/// Go to this point of the song (ms) and play on from there to the end
	/// of the current segment.
	SeekTo(u32),
	/// Move by this many ms (negative: back).
	SeekBy(i64),
	/// Pause, or go on when paused.
	Pause,
	/// Change the volume by this many percent (it stays within 0-100).
	Volume(i8),
	/// End the play here.
	Stop,
}

/// [`play`], taking [`Control`]s from `control` while it plays (checked
/// after every decoded packet).
pub fn play_controlled(
	open: &dyn Fn() -> Result<PcmStream, AudioError>,
	output: &Output,
	segments: &[(u32, u32)],
	control: Option<&std::sync::mpsc::Receiver<Control>>,
	report: &mut dyn FnMut(Event),
) -> Result<u32, PlayerError> {
	let mut plan: std::collections::VecDeque<(u32, u32)> = segments.iter().copied().collect();
	let mut sink: Option<Sink> = None;
	let mut started = false;
	let mut heard_total = 0u32;
	let mut volume = 100u8;
	// The decoder, and how far it has decoded (frames, and ms).
	let mut stream: Option<(PcmStream, u64)> = None;
	let mut decoded_ms = 0u32;
	while let Some((from_ms, to_ms)) = plan.pop_front() {
		if decoded_ms > from_ms {
			// A seek backwards: decode from the top again.
			stream = None;
			decoded_ms = 0;
		}
		let mut clock: Option<(Instant, u32)> = None;
		let mut reported_ms = from_ms;
		let mut played_ms = from_ms;
		let mut last_report = Instant::now();
		let mut last_position = Instant::now();
		loop {
			let (pcm, at) = match &mut stream {
				Some(open) => open,
				none => none.insert((open()?, 0)),
			};
			let Some(chunk) = pcm.next_chunk()? else { break };
			let ch = usize::from(chunk.channels.max(1));
			let rate = u64::from(chunk.rate.max(1));
			let chunk_start_ms = (*at * 1000 / rate) as u32;
			*at += (chunk.samples.len() / ch) as u64;
			let chunk_end_ms = (*at * 1000 / rate) as u32;
			decoded_ms = chunk_end_ms;
			if chunk_end_ms <= from_ms {
				continue; // before the segment: a seek forwards
			}
			// The part of the chunk inside the segment.
			let begin_ms = chunk_start_ms.max(from_ms);
			let end_ms = chunk_end_ms.min(to_ms);
			let skip = (u64::from(begin_ms - chunk_start_ms) * rate / 1000) as usize * ch;
			let keep = (u64::from(end_ms.saturating_sub(begin_ms)) * rate / 1000) as usize * ch;
			let samples = &chunk.samples[skip.min(chunk.samples.len())..];
			let samples = &samples[..keep.min(samples.len())];

			// Opened at the first audio, whose rate and channels it takes.
			let out = match &mut sink {
				Some(open) => open,
				none => {
					let (opened, name) = Sink::open(output, chunk.rate, chunk.channels)?;
					opened.set_volume(volume);
					report(Event::Output(name));
					none.insert(opened)
				},
			};
			if !started {
				started = true;
				report(Event::Started);
			}
			let (t0, base_ms) = *clock.get_or_insert((Instant::now(), begin_ms));
			out.write(samples)?;
			let lead = out.lead();
			played_ms = end_ms;
			// Paced: the audio up to `end_ms` is due `end_ms - base_ms` after
			// t0 (less the sink's lead, well inside the chain's grace).
			let due = t0 + Duration::from_millis(u64::from(end_ms.saturating_sub(base_ms)));
			if let Some(wait) =
				due.checked_sub(lead).and_then(|d| d.checked_duration_since(Instant::now()))
			{
				std::thread::sleep(wait);
			}
			if last_report.elapsed() >= HEARTBEAT_EVERY && played_ms > reported_ms {
				report(Event::Heard { from_ms: reported_ms, to_ms: played_ms });
				heard_total += played_ms - reported_ms;
				reported_ms = played_ms;
				last_report = Instant::now();
			}
			if last_position.elapsed() >= POSITION_EVERY {
				report(Event::At { since_ms: reported_ms, at_ms: played_ms });
				last_position = Instant::now();
			}
			if chunk_end_ms >= to_ms {
				break;
			}
			let Some(control) = control else { continue };
			// Volume and pause act here; a seek or a stop ends the segment.
			let mut jump = None;
			let mut next = control.try_recv().ok();
			while let Some(c) = next.take() {
				match c {
					Control::Volume(step) => {
						turn(&mut volume, step, out, report);
						next = control.try_recv().ok();
					},
					Control::Pause => {
						// What was heard is reported before the pause, so
						// that the paused time shows in no heartbeat.
						if played_ms > reported_ms {
							report(Event::Heard { from_ms: reported_ms, to_ms: played_ms });
							heard_total += played_ms - reported_ms;
							reported_ms = played_ms;
						}
						out.pause(true);
						report(Event::Paused(true));
						loop {
							match control.recv() {
								Ok(Control::Volume(step)) => turn(&mut volume, step, out, report),
								Ok(Control::Pause) => break,
								// A seek or a stop goes on from the pause.
								Ok(other) => {
									next = Some(other);
									break;
								},
								Err(_) => break,
							}
						}
						out.pause(false);
						report(Event::Paused(false));
						// The clock starts again where the pause began.
						clock = Some((Instant::now(), played_ms));
						last_report = Instant::now();
					},
					other => jump = Some(other),
				}
			}
			let Some(jump) = jump else { continue };
			let target = match jump {
				Control::SeekTo(ms) => ms,
				Control::SeekBy(d) => {
					u32::try_from(i64::from(played_ms).saturating_add(d).max(0)).unwrap_or(0)
				},
				Control::Stop | Control::Pause | Control::Volume(_) => {
					plan.clear();
					break;
				},
			};
			// The rest of this segment from the new point on.
			if target < to_ms {
				plan.push_front((target, to_ms));
			}
			break;
		}
		if played_ms > reported_ms {
			report(Event::Heard { from_ms: reported_ms, to_ms: played_ms });
			heard_total += played_ms - reported_ms;
		}
	}
	if let Some(sink) = sink {
		sink.finish()?;
	}
	Ok(heard_total)
}

/// Turns the volume by `step` percent, within 0-100, and says so.
fn turn(volume: &mut u8, step: i8, out: &Sink, report: &mut dyn FnMut(Event)) {
	*volume = volume.saturating_add_signed(step).min(100);
	out.set_volume(*volume);
	report(Event::Volume(*volume));
}

/// A decodable stream of `size` bytes from `reader`, whose bytes may still
/// be arriving (a read waits for them, or fails when they cannot come).
pub fn open_stream<R: Read + Seek + Send + Sync + 'static>(
	reader: R,
	size: u64,
	format: Format,
) -> Result<PcmStream, AudioError> {
	PcmStream::open(Box::new(Arriving { reader, size }), format, None)
}
