//! Decoding, fingerprinting, tags and hashes of the generated fixtures, and
//! every bad-input case.

use musicchain_testkit as common;

use common::{files_in, fixtures, name};
use musicchain_audio::{self as audio, AudioError};
use musicchain_primitives::{
	fingerprint::matcher::{compare, PPM},
	manifest_root, piece_count, sha2_256, Format, PIECE_SIZE,
};
use std::path::Path;

/// Two files are the same recording when the matcher's similarity at the best
/// alignment is at least this (0.85). Measured on the fixtures: the same
/// source across containers and bitrates (down to 32 kbps Opus, 64 kbps AAC
/// and 22 kHz mono MP3) scores >= 0.96, the two different sources <= 0.59;
/// chance level for unrelated audio is about 0.5.
pub const SAME_RECORDING_PPM: u32 = 850_000;

fn expected_format(path: &Path) -> Format {
	let n = name(path);
	if n == "a-flac-named.mp3" {
		// Content beats extension.
		return Format::Flac;
	}
	let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
	Format::from_extension(ext).unwrap_or_else(|| panic!("fixture with unknown extension: {n}"))
}

#[test]
fn every_supported_container_decodes_and_fingerprints() {
	let mut files = files_in("good");
	files.extend(files_in("other"));
	let mut formats = std::collections::BTreeSet::new();
	for file in &files {
		let a = audio::analyze(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
		let n = name(file);
		assert_eq!(a.format(), Some(expected_format(file)), "{n}: container");
		formats.insert(a.format);
		let want_ms = if n.starts_with("a") { 32_000 } else { 33_000 };
		assert!(a.duration_ms.abs_diff(want_ms) <= 100, "{n}: duration {} ms", a.duration_ms);
		// One sub-fingerprint per ~124 ms.
		let items = a.fingerprint_items();
		assert!(items.len() > 200, "{n}: {} sub-fingerprints", items.len());
		assert_eq!(a.fingerprint_hash, musicchain_primitives::blake2_256(&a.fingerprint));

		let bytes = std::fs::read(file).expect("fixture readable");
		assert_eq!(a.size, bytes.len() as u64);
		assert_eq!(a.content_hash, sha2_256(&bytes), "{n}: content hash");
		assert_eq!(a.piece_size, PIECE_SIZE);
		assert_eq!(a.piece_hashes.len() as u64, piece_count(a.size, PIECE_SIZE));
		for (i, chunk) in bytes.chunks(PIECE_SIZE as usize).enumerate() {
			assert_eq!(a.piece_hashes[i], sha2_256(chunk), "{n}: piece {i}");
		}
		assert_eq!(a.manifest_root, manifest_root(&a.piece_hashes));

		// The fingerprint is decoded to mono (by the decoder itself for MP3,
		// AAC, Vorbis and Opus); the file's own layout is still what is
		// reported, as playback decodes it.
		let source = std::fs::File::open(file).expect("fixture readable");
		let format = a.format().expect("a format");
		let mut stream = audio::decode::PcmStream::open(Box::new(source), format, None)
			.unwrap_or_else(|e| panic!("{n}: {e}"));
		let chunk = stream.next_chunk().expect("decodes").expect("some audio");
		assert_eq!((a.sample_rate, a.channels), (chunk.rate, chunk.channels), "{n}: layout");

		// ADTS has nowhere to put tags; every other fixture is tagged.
		if a.format() != Some(Format::Aac) {
			let t = &a.tags;
			let (title, artist, album, genre, year, track) = if n.starts_with("a") {
				("Fixture Song", "The Generators", "Synthetic Sessions", "Electronic", 2024, 3)
			} else {
				("Other Song", "Noise Makers", "Second Album", "Ambient", 2021, 7)
			};
			assert_eq!(t.title.as_deref(), Some(title), "{n}: title");
			assert_eq!(t.artist.as_deref(), Some(artist), "{n}: artist");
			assert_eq!(t.album.as_deref(), Some(album), "{n}: album");
			assert_eq!(t.genre.as_deref(), Some(genre), "{n}: genre");
			assert_eq!(t.year, Some(year), "{n}: year");
			assert_eq!(t.track, Some(track), "{n}: track");
			let meta = t.to_metadata();
			assert_eq!(&meta.title[..], title.as_bytes());
		}
	}
	let supported: Vec<u8> =
		Format::ALL.iter().filter(|f| audio::is_supported(**f)).map(|f| f.code()).collect();
	assert_eq!(
		formats.into_iter().collect::<Vec<_>>(),
		supported,
		"every supported container covered"
	);
}

#[test]
fn same_source_matches_across_containers_and_different_sources_do_not() {
	let fp = |p: &Path| {
		audio::fingerprint_file(p)
			.unwrap_or_else(|e| panic!("{}: {e}", p.display()))
			.1
			.fingerprint
			.items
	};
	let a_files = files_in("good");
	let b_files = files_in("other");
	let a_ref = fp(&fixtures().join("good/a.wav"));
	let b_ref = fp(&fixtures().join("other/b.wav"));
	let sim = |x: &[u32], y: &[u32]| compare(x, y).map(|al| al.similarity_ppm).unwrap_or(0);
	let mut b_fps = Vec::new();
	for f in &b_files {
		let b = fp(f);
		let s = sim(&b_ref, &b);
		println!("b.wav ~ {:<22} {:.4}", name(f), f64::from(s) / f64::from(PPM));
		assert!(s >= SAME_RECORDING_PPM, "{} should match b.wav: {s} ppm", name(f));
		b_fps.push(b);
	}
	let mut worst_cross = 0;
	for f in &a_files {
		let a = fp(f);
		let s = sim(&a_ref, &a);
		println!("a.wav ~ {:<22} {:.4}", name(f), f64::from(s) / f64::from(PPM));
		assert!(s >= SAME_RECORDING_PPM, "{} should match a.wav: {s} ppm", name(f));
		for (bf, b) in b_files.iter().zip(&b_fps) {
			let cross = sim(&a, b);
			worst_cross = worst_cross.max(cross);
			assert!(
				cross < SAME_RECORDING_PPM,
				"{} must not match {}: {cross} ppm",
				name(f),
				name(bf)
			);
		}
	}
	println!(
		"highest similarity between different sources: {:.4}",
		f64::from(worst_cross) / f64::from(PPM)
	);
}

#[test]
fn fingerprint_covers_the_first_120_seconds_and_duration_the_whole_file() {
	// The first 32 s of the long recording are source A.
	let a_ref = audio::fingerprint_file(&fixtures().join("good/a.wav")).expect("a.wav").1;
	let long = files_in("long");
	assert_eq!(long.len(), 2, "long fixtures: {long:?}");
	for file in &long {
		let n = name(file);
		let a = audio::analyze(file).unwrap_or_else(|e| panic!("{n}: {e}"));
		assert!(a.duration_ms.abs_diff(162_000) <= 200, "{n}: duration {} ms", a.duration_ms);
		// 120 s of 11025 Hz audio in 4096-sample frames with a 1365-sample hop.
		let items = a.fingerprint_items().len();
		assert!((940..=975).contains(&items), "{n}: {items} sub-fingerprints for 120 s");
		let al = compare(&a.fingerprint_items(), &a_ref.fingerprint.items).expect("comparable");
		assert!(al.similarity_ppm >= SAME_RECORDING_PPM, "{n}: {} ppm", al.similarity_ppm);
	}
}

fn bad(file: &str) -> AudioError {
	let path = fixtures().join("bad").join(file);
	match audio::analyze(&path) {
		Ok(a) => panic!("{file} was accepted: {:?}", a.format()),
		Err(e) => {
			println!("{file}: {e}");
			e
		},
	}
}

#[test]
fn bad_input_gets_a_clear_error() {
	assert!(matches!(bad("empty.flac"), AudioError::Empty));
	assert!(matches!(bad("truncated.mp3"), AudioError::Truncated { declared_ms: 32_000, .. }));
	assert!(matches!(bad("truncated.flac"), AudioError::Truncated { declared_ms: 32_000, .. }));
	let e = bad("truncated.m4a");
	assert!(matches!(e, AudioError::Container { format: "MP4/M4A", .. }), "{e}");
	assert!(e.to_string().contains("unexpected end of file"), "{e}");
	for corrupt in ["corrupt.flac", "corrupt.ogg"] {
		let e = bad(corrupt);
		assert!(
			matches!(
				e,
				AudioError::Container { .. }
					| AudioError::Corrupt { .. }
					| AudioError::Truncated { .. }
			),
			"{corrupt}: {e}"
		);
	}
	assert!(matches!(bad("notaudio.mp3"), AudioError::NotAudio));
	assert!(matches!(bad("random.m4a"), AudioError::NotAudio));
	// A header and nothing behind it: FFmpeg refuses them, in our words.
	for (file, format) in [("song.wma", "WMA"), ("song.ape", "Monkey's Audio (APE)")] {
		match bad(file) {
			AudioError::Container { format: f, .. } | AudioError::Codec { format: f, .. } => {
				assert_eq!(f, format, "{file}")
			},
			AudioError::NoAudio | AudioError::NoTrack => {},
			other => panic!("{file}: {other}"),
		}
	}
	assert!(matches!(bad("fifo.wav"), AudioError::NotAFile));
	assert!(matches!(bad("nested"), AudioError::NotAFile));
	match bad("dangling.ogg") {
		AudioError::Io(e) => assert_eq!(e.kind(), std::io::ErrorKind::NotFound),
		other => panic!("dangling.ogg: {other}"),
	}
	let noperm = fixtures().join("bad/noperm.flac");
	if std::fs::read(&noperm).is_ok() {
		println!("SKIPPED noperm.flac: running as root, chmod 000 does not stop reads (dangling.ogg and fifo.wav cover unreadable files)");
	} else {
		match bad("noperm.flac") {
			AudioError::Io(e) => assert_eq!(e.kind(), std::io::ErrorKind::PermissionDenied),
			other => panic!("noperm.flac: {other}"),
		}
	}
}

/// Damaged copies of every container (cut at many lengths, bytes
/// overwritten) are either decoded or refused with an error. A panic inside a
/// decoder library is caught and shows up as `AudioError::Internal`; that is
/// tolerated only for Matroska, whose symphonia 0.5.5 demuxer panics on some
/// truncated files ("EBML header must be read before calling this
/// function"), and fails the test for every other container.
#[test]
fn damaged_files_never_crash_the_decoder() {
	let dir = tempfile::tempdir().expect("tempdir");
	let mut outcomes = (0, 0);
	for file in files_in("good") {
		let bytes = std::fs::read(&file).expect("fixture");
		let n = name(&file);
		let mut variants: Vec<(String, Vec<u8>)> = Vec::new();
		for cut in [1usize, 7, 64, 300, 4096, bytes.len() / 3, bytes.len() - 1] {
			variants.push((format!("cut{cut}-{n}"), bytes[..cut.min(bytes.len())].to_vec()));
		}
		let mut seed = 0x9E37_79B9u32;
		for (i, start) in [bytes.len() / 10, bytes.len() / 2].into_iter().enumerate() {
			let mut damaged = bytes.clone();
			for b in damaged.iter_mut().skip(start).take(2048) {
				seed ^= seed << 13;
				seed ^= seed >> 17;
				seed ^= seed << 5;
				*b = seed as u8;
			}
			variants.push((format!("noise{i}-{n}"), damaged));
		}
		for (vname, data) in variants {
			let path = dir.path().join(&vname);
			std::fs::write(&path, &data).expect("write variant");
			match audio::analyze(&path) {
				Ok(_) => outcomes.0 += 1,
				Err(AudioError::Internal(msg)) => {
					assert!(vname.ends_with(".mka"), "{vname}: decoder panicked: {msg}");
					println!("{vname}: caught upstream panic: {msg}");
					outcomes.1 += 1;
				},
				Err(_) => outcomes.1 += 1,
			}
		}
	}
	println!(
		"damaged variants: {} still decodable, {} refused with an error",
		outcomes.0, outcomes.1
	);
	assert!(outcomes.1 > 0);
}

/// A playback stream of fixture `good/FILE`.
fn good_stream(file: &str, format: Format) -> audio::decode::PcmStream {
	let f = std::fs::File::open(fixtures().join("good").join(file)).expect("fixture");
	audio::decode::PcmStream::open(Box::new(f), format, None).expect(file)
}

/// WMA and APE play as every other container: FFmpeg reads them through the
/// same byte source the player hands symphonia (a file still arriving from
/// peers included).
#[test]
fn wma_and_ape_decode_for_playback() {
	for (file, format) in [("a-wmav2.wma", Format::Wma), ("a-11k-mono.ape", Format::Ape)] {
		let mut stream = good_stream(file, format);
		let (mut frames, mut layout) = (0u64, None);
		while let Some(chunk) = stream.next_chunk().expect(file) {
			frames += (chunk.samples.len() / usize::from(chunk.channels)) as u64;
			layout = Some((chunk.rate, chunk.channels));
		}
		let (rate, channels) = layout.expect("some audio");
		let ms = frames * 1000 / u64::from(rate);
		println!("{file}: {ms} ms at {rate} Hz, {channels} channels");
		assert!(ms.abs_diff(32_000) <= 100, "{file}: {ms} ms");
	}
}

/// The lossless decoders give back the very samples encoded: ALAC (whose
/// predictor runs unrolled for the orders encoders use: vendored
/// `symphonia-codec-alac`) and FLAC against the WAV they were made from.
#[test]
fn lossless_containers_give_the_samples_of_their_wav() {
	let samples = |file: &str, format: Format| {
		let mut stream = good_stream(file, format);
		let mut all = Vec::new();
		while let Some(chunk) = stream.next_chunk().expect(file) {
			all.extend_from_slice(&chunk.samples);
		}
		all
	};
	let wav = samples("a.wav", Format::Wav);
	assert!(wav.len() > 2 * 44_100 * 30, "{} samples", wav.len());
	for (file, format) in [("a-alac.m4a", Format::M4a), ("a.flac", Format::Flac)] {
		let got = samples(file, format);
		assert_eq!(got.len(), wav.len(), "{file}");
		let first = got.iter().zip(&wav).position(|(a, b)| a != b);
		assert_eq!(first, None, "{file}: first differing sample");
	}
}
