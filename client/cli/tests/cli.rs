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
