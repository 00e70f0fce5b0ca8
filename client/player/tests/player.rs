//! The player on real encoded audio: segments with seeks both ways, paced
//! in real time, into a WAV file, from a file that is still arriving.

use musicchain_testkit as common;

use musicchain_audio::decode::PcmStream;
use musicchain_player::{self as player, Event, Output};
use musicchain_primitives::Format;
use std::{
	fs::File,
	io::{Read, Seek, SeekFrom},
	os::unix::fs::FileExt,
	path::Path,
	sync::Arc,
	time::{Duration, Instant},
};

/// What has arrived of a file after some time: the bytes from its start,
/// and whether the rest will never come (and why).
type Arrived = fn(Duration, u64) -> (u64, Option<&'static str>);

/// A file whose bytes arrive over time, as a download's do: a read waits
/// for the bytes it asks for, or fails once the rest will never come.
#[derive(Clone)]
struct Arriving {
	file: Arc<File>,
	size: u64,
	pos: u64,
	started: Instant,
	arrived: Arrived,
}

impl Arriving {
	fn open(path: &Path, arrived: Arrived) -> Arriving {
		let file = File::open(path).expect("open the fixture");
		let size = file.metadata().expect("metadata").len();
		Arriving { file: Arc::new(file), size, pos: 0, started: Instant::now(), arrived }
	}
}

impl Read for Arriving {
	fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
		loop {
			if self.pos >= self.size || buf.is_empty() {
				return Ok(0);
			}
			match (self.arrived)(self.started.elapsed(), self.size) {
				(have, _) if have > self.pos => {
					let n = (buf.len() as u64).min(have - self.pos) as usize;
					let n = self.file.read_at(&mut buf[..n], self.pos)?;
					self.pos += n as u64;
					return Ok(n);
				},
				(_, Some(why)) => return Err(std::io::Error::other(why)),
				_ => std::thread::sleep(Duration::from_millis(5)),
			}
		}
	}
}

impl Seek for Arriving {
	fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
		let pos = match to {
			SeekFrom::Start(p) => Some(p),
			SeekFrom::End(d) => self.size.checked_add_signed(d),
			SeekFrom::Current(d) => self.pos.checked_add_signed(d),
		};
		self.pos = pos.ok_or_else(|| std::io::Error::other("seek before the start"))?;
		Ok(self.pos)
	}
}

#[test]
fn segments_play_in_real_time_from_a_file_still_arriving() {
	// The bytes arrive in four steps, 150 ms apart.
	let arriving = Arriving::open(&common::fixtures().join("good/a.flac"), |t, size| {
		(size * (t.as_millis() as u64 / 150).min(4) / 4, None)
	});
	let out = tempfile::tempdir().expect("tmp");
	let wav = out.path().join("heard.wav");
	let open = || player::open_stream(arriving.clone(), arriving.size, Format::Flac);
	let mut events = Vec::new();
	let started = Instant::now();
	// Forwards past a gap, then back to the start.
	let segments = [(1_000, 2_500), (6_000, 7_000), (0, 500)];
	let heard = player::play(&open, &Output::Wav(wav.clone()), &segments, &mut |e| events.push(e))
		.expect("plays");
	let took = started.elapsed();

	assert_eq!(heard, 3_000);
	// Where the play is, a few times a second: inside a segment, after
	// what was reported of it.
	let (at, told): (Vec<Event>, Vec<Event>) =
		events.into_iter().partition(|e| matches!(e, Event::At { .. }));
	assert!(at.len() >= 5, "{at:?}");
	for e in &at {
		let Event::At { since_ms, at_ms } = *e else { continue };
		assert!(
			segments.iter().any(|&(from, to)| from <= since_ms && since_ms <= at_ms && at_ms <= to),
			"{e:?}"
		);
	}
	assert_eq!(
		told,
		vec![
			Event::Output(wav.display().to_string()),
			Event::Started,
			Event::Heard { from_ms: 1_000, to_ms: 2_500 },
			Event::Heard { from_ms: 6_000, to_ms: 7_000 },
			Event::Heard { from_ms: 0, to_ms: 500 },
		]
	);
	assert!(took >= Duration::from_millis(2_900), "paced by the wall clock: {took:?}");
	// 3 s of 44.1 kHz stereo 16-bit after a 44-byte header, within a packet.
	let bytes = std::fs::metadata(&wav).expect("wav").len();
	let expected = 44 + 3 * 44_100 * 4;
	assert!(bytes.abs_diff(expected) < 4 * 4_608, "{bytes} bytes, expected about {expected}");
	let wav_bytes = std::fs::read(&wav).expect("read wav");
	assert_eq!(&wav_bytes[..4], b"RIFF");
	assert_eq!(u32::from_le_bytes(wav_bytes[40..44].try_into().expect("4")) as u64, bytes - 44);
}

#[test]
fn a_failed_download_ends_the_play_with_its_reason() {
	// An eighth arrives; 100 ms later the rest is known never to come.
	let arriving = Arriving::open(&common::fixtures().join("good/a.flac"), |t, size| {
		(size / 8, (t >= Duration::from_millis(100)).then_some("every provider left"))
	});
	let open = || -> Result<PcmStream, _> {
		player::open_stream(arriving.clone(), arriving.size, Format::Flac)
	};
	let err = player::play(&open, &Output::Null, &[(20_000, 21_000)], &mut |_| {})
		.expect_err("the bytes never come");
	assert!(err.to_string().contains("every provider left"), "{err}");
}

/// `auto` plays to the default device when there is one; on a machine
/// without a sound card (CI) it plays nowhere, paced all the same, and
/// says why.
#[test]
fn auto_output_names_where_the_sound_went() {
	let open = open_fixture;
	let mut events = Vec::new();
	let started = Instant::now();
	let heard =
		player::play(&open, &Output::Auto, &[(0, 600)], &mut |e| events.push(e)).expect("plays");
	assert_eq!(heard, 600);
	assert!(started.elapsed() >= Duration::from_millis(550), "paced: {:?}", started.elapsed());
	match &events[0] {
		Event::Output(name) => {
			eprintln!("auto: {name}");
			assert!(name.contains("Hz") || name.starts_with("nowhere, "), "{name}");
		},
		other => panic!("the output is named first, not {other:?}"),
	}
}

/// A listener seeks while the song plays: forwards past a gap, back, then
/// stops. The controls are all waiting before the play starts, so the
/// player takes one after each decoded packet: each part is exactly one
/// packet long, reported as heard (so the heartbeats credit unique seconds),
/// and the pacing follows the wall clock throughout.
#[test]
fn seeks_while_playing_are_reported_as_the_parts_heard() {
	let open = open_fixture;
	let (tx, rx) = std::sync::mpsc::channel();
	for c in
		[player::Control::SeekTo(5_000), player::Control::SeekBy(-3_000), player::Control::Stop]
	{
		tx.send(c).expect("queued");
	}
	let mut events = Vec::new();
	let started = Instant::now();
	let heard = player::play_controlled(&open, &Output::Null, &[(0, 9_000)], Some(&rx), &mut |e| {
		events.push(e)
	})
	.expect("plays");
	let took = started.elapsed();
	let parts: Vec<(u32, u32)> = events
		.iter()
		.filter_map(|e| match e {
			Event::Heard { from_ms, to_ms } => Some((*from_ms, *to_ms)),
			_ => None,
		})
		.collect();
	assert_eq!(parts.len(), 3, "{events:?}");
	// One FLAC packet of the fixture: 4608 frames at 44.1 kHz, 104 ms.
	let packet = parts[0].1;
	assert!((100..=110).contains(&packet), "{parts:?}");
	assert_eq!(parts[0], (0, packet));
	// From 5 s to the end of the packet holding 5 s.
	assert_eq!(parts[1].0, 5_000);
	assert!(parts[1].1 > 5_000 && parts[1].1 <= 5_000 + packet, "{parts:?}");
	// Back 3 s from there, to the end of that packet.
	assert_eq!(parts[2].0, parts[1].1 - 3_000);
	assert!(parts[2].1 > parts[2].0 && parts[2].1 <= parts[2].0 + packet, "{parts:?}");
	let total: u32 = parts.iter().map(|(a, b)| b - a).sum();
	assert_eq!(heard, total);
	assert!(took >= Duration::from_millis(u64::from(total)), "paced: {took:?} for {total} ms");
}

/// A listener pauses, turns the volume down (past 0) while paused, goes on
/// and stops: what was heard before the pause is reported before it (so no
/// heartbeat spans the paused time), the volume stays within 0-100, and the
/// play goes on from where it paused.
#[test]
fn a_pause_reports_what_was_heard_and_goes_on_from_there() {
	use player::Control::*;
	let open = open_fixture;
	let (tx, rx) = std::sync::mpsc::channel();
	for c in [Pause, Volume(-30), Volume(-90), Volume(20), Pause, Stop] {
		tx.send(c).expect("queued");
	}
	let mut events = Vec::new();
	let heard = player::play_controlled(&open, &Output::Null, &[(0, 9_000)], Some(&rx), &mut |e| {
		events.push(e)
	})
	.expect("plays");
	let told: Vec<&Event> = events.iter().filter(|e| !matches!(e, Event::At { .. })).collect();
	// One FLAC packet of the fixture: 4608 frames at 44.1 kHz, 104 ms.
	let Event::Heard { from_ms: 0, to_ms: packet } = *told[2] else {
		panic!("the first packet is heard before the pause: {told:?}")
	};
	assert!((100..=110).contains(&packet), "{told:?}");
	assert_eq!(
		told[3..],
		[
			&Event::Paused(true),
			&Event::Volume(70),
			&Event::Volume(0),
			&Event::Volume(20),
			&Event::Paused(false),
			&Event::Heard { from_ms: packet, to_ms: 2 * packet },
		],
		"{told:?}"
	);
	assert_eq!(heard, 2 * packet);
}

/// The first fixture song, decoded from its start.
fn open_fixture() -> Result<PcmStream, musicchain_audio::AudioError> {
	let file = std::fs::File::open(common::fixtures().join("good/a.flac"))?;
	PcmStream::open(Box::new(file), Format::Flac, None)
}
