//! The library: scanning with bad input, incremental rescans, deletions, and
//! a store that survives reopening (a kill in the middle of a scan: the
//! command line's tests).

use musicchain_testkit as common;

use common::{fixtures, name};
use musicchain_library::{self as library, ScanEvent, ScanOptions, ScanSummary, Store};
use std::path::{Path, PathBuf};

fn scan(store: &Store) -> (ScanSummary, Vec<(PathBuf, String)>) {
	let mut problems = Vec::new();
	let summary = library::scan(store, &ScanOptions::default(), &mut |event| {
		if let ScanEvent::Problem { path, reason } = event {
			problems.push((path.to_path_buf(), reason.to_string()));
		}
	})
	.expect("scan runs");
	(summary, problems)
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
		+ common::files_in("long").len()
		+ common::files_in("split").len();
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
	assert!(bad("song.wma").starts_with("cannot read the WMA container"));
	assert!(bad("song.ape").starts_with("cannot read the Monkey's Audio (APE) container"));
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
	// Formats not taken are named, not passed over, and not counted as
	// failures.
	for (n, what) in [("song.wv", "WavPack"), ("song.mpc", "Musepack"), ("song.dsf", "DSD")] {
		let reason = bad(n);
		assert!(reason.starts_with(what) && reason.contains("is not supported"), "{n}: {reason}");
	}
	let skipped: Vec<String> = s.skipped.iter().map(|(p, _)| name(p)).collect();
	assert_eq!(skipped, ["song.dsf", "song.mpc", "song.wv"]);
	// The 13 cases above plus noperm.flac.
	let expected_failures = 14;
	assert_eq!(s.failed.len(), expected_failures, "summary counts every failure");
	assert_eq!(lines.len(), expected_failures + 3, "one line per failure or skipped file");
	assert!(!s.complete());

	// Unchanged bad files are reported again without being decoded again.
	let (again, lines2) = scan(&store);
	assert_eq!(again.decoded, 0);
	assert_eq!(again.failed.len(), expected_failures);
	assert_eq!(again.skipped.len(), 3);
	assert_eq!(lines2.len(), expected_failures + 3);
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
fn removing_a_folder_keeps_the_files_another_folder_holds() {
	let music = tempfile::tempdir().expect("tempdir");
	let data = tempfile::tempdir().expect("tempdir");
	let inner = music.path().join("inner");
	// A sibling whose name extends the inner folder's: not under it.
	let sibling = music.path().join("inner2");
	for dir in [&inner, &sibling] {
		std::fs::create_dir(dir).expect("mkdir");
	}
	copy_fixtures(music.path(), &["a-q1.ogg"]);
	copy_fixtures(&inner, &["a-128k.mp3"]);
	copy_fixtures(&sibling, &["a-32k.opus"]);
	std::fs::write(inner.join("broken.mp3"), b"not audio").expect("write");
	let store = Store::open(data.path()).expect("store");
	library::add_root(&store, music.path()).expect("add root");
	library::add_root(&store, &inner).expect("add root");
	// The inner folder's files are found once, not once per root.
	let (summary, _) = scan(&store);
	assert_eq!((summary.files, summary.added, summary.failed.len()), (4, 3, 1));

	// The inner folder's files are still under the outer one: they stay.
	let (root, removed) = library::remove_root(&store, &inner).expect("remove");
	assert_eq!((root, removed), (inner.canonicalize().expect("abs"), 0));
	assert_eq!(store.roots().expect("roots").len(), 1);
	assert_eq!(store.files().expect("files").len(), 3);

	library::add_root(&store, &inner).expect("add root");
	let (root, removed) = library::remove_root(&store, music.path()).expect("remove");
	assert_eq!(root, music.path().canonicalize().expect("abs"));
	assert_eq!(removed, 2, "the outer file and the sibling's");
	let files: Vec<String> = store.files().expect("files").iter().map(|(p, _)| name(p)).collect();
	assert_eq!(files, ["a-128k.mp3"]);
	assert_eq!(store.failures().expect("failures").len(), 1, "the inner failure stays");

	// A folder gone from the disk is still named as it was added.
	std::fs::remove_dir_all(&inner).expect("rm");
	let (_, removed) = library::remove_root(&store, &inner).expect("remove a vanished folder");
	assert_eq!(removed, 1);
	assert!(store.files().expect("files").is_empty());
	assert!(store.failures().expect("failures").is_empty());
	let e = library::remove_root(&store, &inner).expect_err("no longer a root");
	assert!(e.to_string().contains("the library folders: none"), "{e}");
}
