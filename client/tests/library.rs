//! The library: scanning with bad input, incremental rescans, deletions, and
//! a store that survives reopening and a kill in the middle of a scan.

mod common;

use common::{fixtures, name};
use musicchain_client::library::{self, ScanOptions, ScanSummary, Store};
use std::{
	path::{Path, PathBuf},
	sync::Mutex,
};

fn scan(store: &Store) -> (ScanSummary, Vec<(PathBuf, String)>) {
	let lines = Mutex::new(Vec::new());
	let report = |p: &Path, reason: &str| {
		lines.lock().expect("report lock").push((p.to_path_buf(), reason.to_string()))
	};
	let summary = library::scan(store, &ScanOptions::default(), &report).expect("scan runs");
	(summary, lines.into_inner().expect("report lock"))
}

fn copy_fixtures(dir: &Path, names: &[&str]) {
	for n in names {
		std::fs::copy(fixtures().join("good").join(n), dir.join(n)).expect("copy fixture");
	}
}

#[test]
fn scan_reports_each_bad_file_once_and_goes_on() {
	let data = tempfile::tempdir().expect("tempdir");
	let store = Store::open(data.path()).expect("store");
	library::add_root(&store, fixtures()).expect("add root");
	let (s, lines) = scan(&store);
	for (p, reason) in &lines {
		println!("{}: {reason}", p.display());
	}
	let good = common::files_in("good").len()
		+ common::files_in("other").len()
		+ common::files_in("album").len()
		+ common::files_in("long").len();
	assert_eq!(s.added, good, "every good file is in the library");
	assert_eq!(store.files().expect("files").len(), good);

	let bad = |n: &str| {
		let hits: Vec<_> = lines.iter().filter(|(p, _)| name(p) == n).collect();
		assert_eq!(hits.len(), 1, "{n} reported once: {hits:?}");
		hits[0].1.clone()
	};
	assert_eq!(bad("empty.flac"), "empty file");
	assert!(bad("truncated.mp3").starts_with("truncated:"));
	assert!(bad("truncated.flac").starts_with("truncated:"));
	assert!(bad("truncated.m4a").contains("unexpected end of file"));
	assert!(!bad("corrupt.flac").is_empty());
	assert!(!bad("corrupt.ogg").is_empty());
	assert!(bad("notaudio.mp3").starts_with("not an audio file"));
	assert!(bad("random.m4a").starts_with("not an audio file"));
	assert!(bad("song.wma").contains("not supported"));
	assert!(bad("song.ape").contains("not supported"));
	assert_eq!(bad("fifo.wav"), "not a regular file");
	assert!(bad("dangling.ogg").contains("No such file"));
	assert!(bad("loop").starts_with("directory loop"));
	if std::fs::read(fixtures().join("bad/noperm.flac")).is_ok() {
		println!(
			"SKIPPED noperm.flac as unreadable: running as root (reported as not audio instead)"
		);
		assert!(bad("noperm.flac").starts_with("not an audio file"));
	} else {
		assert!(bad("noperm.flac").contains("Permission denied"));
	}
	// The 13 cases above plus noperm.flac.
	let expected_failures = 14;
	assert_eq!(s.failed.len(), expected_failures, "summary counts every failure");
	assert_eq!(lines.len(), expected_failures, "one line per failure");

	// Unchanged bad files are reported again without being decoded again.
	let (again, lines2) = scan(&store);
	assert_eq!(again.decoded, 0);
	assert_eq!(again.failed.len(), expected_failures);
	assert_eq!(lines2.len(), expected_failures);
}

#[test]
fn incremental_rescan_and_deletion() {
	let music = tempfile::tempdir().expect("tempdir");
	let data = tempfile::tempdir().expect("tempdir");
	copy_fixtures(music.path(), &["a-q1.ogg", "a-128k.mp3", "a-32k.opus"]);
	let store = Store::open(data.path()).expect("store");
	library::add_root(&store, music.path()).expect("add root");

	let (first, _) = scan(&store);
	assert_eq!((first.files, first.decoded, first.added), (3, 3, 3));

	let (second, lines) = scan(&store);
	assert_eq!(second.decoded, 0, "nothing changed, nothing decoded");
	assert_eq!(second.unchanged, 3);
	assert!(lines.is_empty());

	// A changed file (new content, so new size) is decoded again; a new file is added.
	std::fs::copy(fixtures().join("good/a-q6.ogg"), music.path().join("a-q1.ogg"))
		.expect("overwrite");
	copy_fixtures(music.path(), &["a-64k.m4a"]);
	let (third, _) = scan(&store);
	assert_eq!((third.decoded, third.updated, third.added, third.unchanged), (2, 1, 1, 2));

	// A deleted file leaves the library.
	let gone = std::fs::canonicalize(music.path()).expect("canonical").join("a-128k.mp3");
	assert!(store.get(&gone).expect("get").is_some());
	std::fs::remove_file(&gone).expect("delete");
	let (fourth, _) = scan(&store);
	assert_eq!((fourth.removed, fourth.decoded, fourth.files), (1, 0, 3));
	assert!(store.get(&gone).expect("get").is_none());
	assert_eq!(store.files().expect("files").len(), 3);
}

#[test]
fn store_survives_reopening() {
	let music = tempfile::tempdir().expect("tempdir");
	let data = tempfile::tempdir().expect("tempdir");
	copy_fixtures(music.path(), &["a-96k.opus", "a.flac"]);
	let before = {
		let store = Store::open(data.path()).expect("store");
		library::add_root(&store, music.path()).expect("add root");
		scan(&store);
		store.files().expect("files")
	};
	assert_eq!(before.len(), 2);
	let store = Store::open(data.path()).expect("reopen");
	assert_eq!(store.files().expect("files"), before);
	assert_eq!(store.roots().expect("roots").len(), 1);
	let (s, _) = scan(&store);
	assert_eq!((s.decoded, s.unchanged), (0, 2));
}

#[test]
fn killed_scan_leaves_a_usable_store() {
	let music = tempfile::tempdir().expect("tempdir");
	let data = tempfile::tempdir().expect("tempdir");
	let names: Vec<String> = common::files_in("good").iter().map(|p| name(p)).collect();
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
	let (s, _) = scan(&store);
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
