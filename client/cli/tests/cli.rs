//! The command line on the library crates: what a person running
//! `musicchain` sees for `fingerprint` and a `library scan` that is killed.

mod common;

use common::{files_in, fixtures, name};
use musicchain_audio as audio;
use musicchain_library::{self as library, ScanOptions, Store};

#[test]
fn cli_fingerprint_prints_like_fpcalc() {
	let file = fixtures().join("good/a-q6.ogg");
	let out = std::process::Command::new(env!("CARGO_BIN_EXE_musicchain"))
		.arg("fingerprint")
		.arg(&file)
		.output()
		.expect("run musicchain");
	assert!(out.status.success());
	let text = String::from_utf8_lossy(&out.stdout);
	let mut lines = text.lines();
	assert_eq!(lines.next(), Some("DURATION=32"));
	let b64 = lines.next().and_then(|l| l.strip_prefix("FINGERPRINT=")).expect("FINGERPRINT= line");
	let ours = audio::fingerprint_file(&file).expect("decodes").1.fingerprint;
	assert_eq!(
		musicchain_primitives::fingerprint::codec::decode_base64(b64).ok(),
		Some(ours.clone())
	);

	// --raw prints the sub-fingerprints as unsigned integers, as fpcalc does.
	let out = std::process::Command::new(env!("CARGO_BIN_EXE_musicchain"))
		.args(["fingerprint", "--raw"])
		.arg(&file)
		.output()
		.expect("run musicchain");
	let text = String::from_utf8_lossy(&out.stdout);
	let raw: Vec<u32> = text
		.lines()
		.find_map(|l| l.strip_prefix("FINGERPRINT="))
		.expect("FINGERPRINT= line")
		.split(',')
		.map(|x| x.parse().expect("unsigned integer"))
		.collect();
	assert_eq!(raw, ours.items);

	// fpcalc's spellings: -json, -plain, -length.
	let run = |args: &[&str]| {
		let out = std::process::Command::new(env!("CARGO_BIN_EXE_musicchain"))
			.arg("fingerprint")
			.args(args)
			.arg(&file)
			.output()
			.expect("run musicchain");
		assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
		String::from_utf8_lossy(&out.stdout).into_owned()
	};
	let json: serde_json::Value = serde_json::from_str(&run(&["-json"])).expect("one JSON object");
	assert_eq!(json["fingerprint"], b64);
	assert!(json["duration"].as_f64().is_some_and(|d| (d - 32.0).abs() < 0.1), "{json}");
	assert_eq!(run(&["-plain"]), format!("{b64}\n"));
	let items = |text: String| -> Vec<u32> {
		text.trim().split(',').map(|x| x.parse().expect("unsigned integer")).collect()
	};
	// The first 10 s: the start of the whole fingerprint.
	let first = items(run(&["-plain", "-raw", "-length", "10"]));
	assert!(first.len() < ours.items.len() / 2, "{} of {}", first.len(), ours.items.len());
	assert_eq!(first[..], ours.items[..first.len()]);
	assert_eq!(items(run(&["-plain", "-raw", "-length", "0"])), ours.items, "0: all of it");

	let out = std::process::Command::new(env!("CARGO_BIN_EXE_musicchain"))
		.arg("fingerprint")
		.arg(fixtures().join("bad/notaudio.mp3"))
		.output()
		.expect("run musicchain");
	assert!(!out.status.success());
	let err = String::from_utf8_lossy(&out.stderr);
	assert!(err.contains("notaudio.mp3: not an audio file"), "{err}");
}

#[test]
fn killed_scan_leaves_a_usable_store() {
	let music = tempfile::tempdir().expect("tempdir");
	let data = tempfile::tempdir().expect("tempdir");
	let names: Vec<String> = files_in("good").iter().map(|p| name(p)).collect();
	for round in 0..3 {
		for n in &names {
			std::fs::copy(
				fixtures().join("good").join(n),
				music.path().join(format!("{round}-{n}")),
			)
			.expect("copy");
		}
	}
	let bin = env!("CARGO_BIN_EXE_musicchain");
	let status = std::process::Command::new(bin)
		.arg("--data-dir")
		.arg(data.path())
		.args(["library", "add", "--no-scan"])
		.arg(music.path())
		.status()
		.expect("run musicchain");
	assert!(status.success());
	let mut child = std::process::Command::new(bin)
		.arg("--data-dir")
		.arg(data.path())
		.args(["library", "scan", "--no-progress"])
		.stdout(std::process::Stdio::null())
		.stderr(std::process::Stdio::null())
		.spawn()
		.expect("spawn scan");
	// Kill it as soon as it has committed something, watching its commits
	// through a read-only handle.
	let mut running = false;
	for _ in 0..600 {
		running = child.try_wait().expect("child status").is_none();
		let committed =
			Store::open_read_only(data.path()).and_then(|s| s.files()).is_ok_and(|f| !f.is_empty());
		if committed || !running {
			break;
		}
		std::thread::sleep(std::time::Duration::from_millis(50));
	}
	child.kill().ok(); // SIGKILL
	let status = child.wait().expect("reap");
	assert!(running, "the scan ended by itself ({status}) before it was killed");

	let store = Store::open(data.path()).expect("store opens after a kill");
	let partial = store.files().expect("readable after a kill").len();
	println!("{partial} of {} files were committed before the kill", names.len() * 3);
	assert!(partial > 0 && partial < names.len() * 3, "killed in the middle of the scan");
	let s = library::scan(&store, &ScanOptions::default(), &mut |_| {}).expect("scan runs");
	assert_eq!(s.decoded + s.unchanged, names.len() * 3);
	assert_eq!(s.unchanged, partial, "committed records are reused, not decoded again");
	assert_eq!(store.files().expect("files").len(), names.len() * 3);
	drop(store);

	let out = std::process::Command::new(bin)
		.arg("--data-dir")
		.arg(data.path())
		.args(["library", "list"])
		.output()
		.expect("run musicchain library list");
	assert!(out.status.success());
	let text = String::from_utf8_lossy(&out.stdout);
	let listed = text.lines().filter(|l| l.contains("\tOgg Opus\t")).count();
	assert_eq!(listed, 3 * 2, "two Opus fixtures per copy:\n{text}");
	assert!(text.ends_with(&format!(
		"{} files in the library, 0 that could not be analysed (`library scan` lists them)\n",
		names.len() * 3
	)));
}

/// `musicchain --data-dir DATA ARGS...`: success, stdout, stderr.
fn musicchain(data: &std::path::Path, args: &[&str]) -> (bool, String, String) {
	let out = std::process::Command::new(env!("CARGO_BIN_EXE_musicchain"))
		.arg("--data-dir")
		.arg(data)
		.args(args)
		.output()
		.expect("run musicchain");
	let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
	(out.status.success(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn library_folders_are_added_listed_filtered_and_removed() {
	let tmp = tempfile::tempdir().expect("tempdir");
	let data = tmp.path().join("data");
	let path = |p: &std::path::Path| p.to_str().expect("utf-8").to_string();

	// A folder that does not exist is refused, and nothing is created.
	let missing = tmp.path().join("no-such-folder");
	let (ok, _, err) = musicchain(&data, &["library", "add", &path(&missing)]);
	assert!(!ok);
	assert!(err.contains("no-such-folder") && err.contains("No such file"), "{err}");
	assert!(!data.exists(), "a failed add created the data directory");

	let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
	for (dir, files) in
		[(&one, ["good/a.flac", "good/a-128k.mp3"]), (&two, ["other/b.flac", "other/b.wav"])]
	{
		std::fs::create_dir(dir).expect("mkdir");
		for f in files {
			std::fs::copy(fixtures().join(f), dir.join(name(&fixtures().join(f)))).expect("copy");
		}
		let (ok, _, err) =
			musicchain(&data, &["library", "add", &path(dir), "--offline", "--no-progress"]);
		assert!(ok, "{err}");
	}

	let (ok, out, _) = musicchain(&data, &["library", "folders"]);
	assert!(ok);
	assert_eq!(out, format!("{}\t2 files\n{}\t2 files\n", path(&one), path(&two)));

	// The filter matches like the search: words of the path, artist, title
	// and album, with prefixes and small typos.
	let (ok, out, _) = musicchain(&data, &["library", "list", "noise", "makrs"]);
	assert!(ok);
	let lines: Vec<&str> = out.lines().collect();
	assert_eq!(lines[0], "PATH\tFORMAT\tLENGTH\tARTIST\tTITLE\tALBUM\tHASH");
	assert_eq!(lines.len(), 4, "{out}");
	assert!(lines[1..3].iter().all(|l| l.contains("\tNoise Makers\tOther Song\t")), "{out}");
	assert_eq!(
		lines[3],
		"2 of 4 files in the library match `noise makrs`, 0 that could not be analysed \
		 (`library scan` lists them)"
	);

	let (ok, out, _) = musicchain(&data, &["library", "list", "--json", "flac"]);
	assert!(ok);
	let files: serde_json::Value = serde_json::from_str(&out).expect("JSON");
	let files = files.as_array().expect("an array");
	assert_eq!(files.len(), 2, "{out}");
	assert_eq!(files[0]["path"], path(&one.join("a.flac")));
	assert_eq!(files[0]["artist"], "The Generators");
	assert_eq!(files[0]["format"], "FLAC");
	assert!(files[0]["duration_ms"].as_u64().is_some_and(|ms| ms > 20_000), "{out}");
	assert_eq!(files[1]["content_hash"].as_str().map(str::len), Some(64));

	// Removing a folder takes its files out of the library, not off the disk.
	let (ok, out, err) = musicchain(&data, &["library", "remove", &path(&one)]);
	assert!(ok, "{err}");
	assert!(out.contains("with its 2 files"), "{out}");
	assert!(one.join("a.flac").exists());
	let (_, out, _) = musicchain(&data, &["library", "folders"]);
	assert_eq!(out, format!("{}\t2 files\n", path(&two)));
	let (_, out, _) = musicchain(&data, &["library", "list"]);
	assert!(out.ends_with(
		"2 files in the library, 0 that could not be analysed (`library scan` lists them)\n"
	));
	assert!(!out.contains("a.flac"));
	let (ok, _, err) = musicchain(&data, &["library", "remove", &path(&one)]);
	assert!(!ok);
	assert!(err.contains("is not a library folder") && err.contains(&path(&two)), "{err}");
}

/// A scan names every file it leaves out, says how many and why at its end,
/// and exits with 4 (not 0) when it left any out.
#[test]
fn a_scan_that_leaves_files_out_says_so_and_exits_4() {
	let tmp = tempfile::tempdir().expect("tempdir");
	let (data, music) = (tmp.path().join("data"), tmp.path().join("music"));
	std::fs::create_dir(&music).expect("mkdir");
	for f in ["good/a-wmav2.wma", "good/a-11k-mono.ape", "good/a-alac.m4a", "bad/truncated.mp3"] {
		std::fs::copy(fixtures().join(f), music.join(name(&fixtures().join(f)))).expect("copy");
	}
	for f in ["bad/song.wv", "bad/song.mpc"] {
		std::fs::copy(fixtures().join(f), music.join(name(&fixtures().join(f)))).expect("copy");
	}
	// Not audio at all: passed over without a word.
	std::fs::write(music.join("cover.jpg"), b"not a picture").expect("write");
	let music = music.to_str().expect("utf-8");
	let out = std::process::Command::new(env!("CARGO_BIN_EXE_musicchain"))
		.arg("--data-dir")
		.arg(&data)
		.args(["library", "add", music, "--offline", "--no-progress"])
		.output()
		.expect("run musicchain");
	let (stdout, stderr) =
		(String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
	println!("{stdout}{stderr}");
	assert_eq!(out.status.code(), Some(4), "{stdout}{stderr}");
	assert!(stderr.contains("song.wv: WavPack is not supported (musicchain takes MP3, Ogg, FLAC, MP4/M4A, ADTS AAC, Ogg Opus, WAV, AIFF, WMA, Monkey's Audio (APE), Matroska)"), "{stderr}");
	assert!(stderr.contains("song.mpc: Musepack is not supported"), "{stderr}");
	assert!(stderr.contains("truncated.mp3: truncated:"), "{stderr}");
	assert!(!stderr.contains("cover.jpg"), "{stderr}");
	assert!(
		stdout.contains("scanned 6 audio files")
			&& stdout.contains("3 added")
			&& stdout.contains("1 failed, 2 not supported"),
		"{stdout}"
	);
	assert!(
		stdout.contains("not in the library (each file is named above, with why):\n"),
		"{stdout}"
	);
	assert!(stdout.contains("      1  truncated\n"), "{stdout}");

	// WMA, APE and ALAC are in the library, with their tags.
	let (ok, out, _) = musicchain(&data, &["library", "list", "--json"]);
	assert!(ok);
	let files: serde_json::Value = serde_json::from_str(&out).expect("JSON");
	let formats: Vec<&str> =
		files.as_array().expect("array").iter().filter_map(|f| f["format"].as_str()).collect();
	assert_eq!(formats, ["Monkey's Audio (APE)", "MP4/M4A", "WMA"], "{out}");
	assert!(files.as_array().expect("array").iter().all(|f| f["title"] == "Fixture Song"), "{out}");
}

/// A system FFmpeg's libraries (and the ~130 they pull in) are never loaded:
/// the client has FFmpeg's WMA and APE decoders built in, so neither its
/// start nor a WMA file pays 25-30 ms of loading, and no FFmpeg need be
/// installed.
#[test]
fn the_client_does_not_load_ffmpeg_to_start() {
	let Ok(out) = std::process::Command::new("ldd").arg(env!("CARGO_BIN_EXE_musicchain")).output()
	else {
		println!("SKIPPED: no ldd");
		return;
	};
	let libs = String::from_utf8_lossy(&out.stdout);
	assert!(libs.contains("libc.so"), "{libs}");
	assert!(!libs.contains("libavcodec") && !libs.contains("libavformat"), "{libs}");
}

/// A mini-node that cannot be reached is named, and `peers` fails rather
/// than report an empty network; an address without its peer id is refused
/// naming the option it came with.
#[test]
fn peers_says_when_no_mini_node_can_be_reached() {
	let tmp = tempfile::tempdir().expect("tempdir");
	let data = tmp.path().join("data");
	// Nothing listens on port 1.
	let dead = format!("/ip4/127.0.0.1/tcp/1/p2p/{}", libp2p::PeerId::random());
	let (ok, out, err) = musicchain(&data, &["peers", "--wait", "2", "--bootstrap", &dead]);
	println!("{out}{err}");
	assert!(!ok);
	assert!(out.contains("mini-node ") && out.contains(": unreachable for"), "{out}");
	assert!(out.contains("Connection refused"), "{out}");
	assert!(err.contains("no mini-node could be reached in 2 s"), "{err}");

	let (ok, _, err) = musicchain(&data, &["peers", "--bootstrap", "/ip4/127.0.0.1/tcp/4001"]);
	assert!(!ok);
	assert!(
		err.contains("--bootstrap /ip4/127.0.0.1/tcp/4001 does not end in /p2p/PEER_ID"),
		"{err}"
	);
	let (ok, _, err) = musicchain(&data, &["relay", "--peer", "/ip4/127.0.0.1/tcp/4001"]);
	assert!(!ok);
	assert!(err.contains("--peer /ip4/127.0.0.1/tcp/4001 does not end in /p2p/PEER_ID"), "{err}");
}
