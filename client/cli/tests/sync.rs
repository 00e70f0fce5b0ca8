//! A library's sync on a real dev chain (the `musicchain-node` binary and
//! real `musicchain` clients): two recordings, five files, the first of
//! each by path an untagged AAC. Each recording is registered once, from
//! a tagged file; the sync is killed while the new songs wait for their
//! dedupe verdicts and run again: the other files join their songs and
//! nothing registers twice. A third sync checks nothing (the files are
//! remembered as synced); the artist corrects a title; another account
//! cannot.
//!
//! Ignored in a plain `cargo test` (it needs the node binary);
//! `scripts/test.sh` runs it after the node is built.

mod common;

use common::{
	node::DevNode,
	user::{library, Reader, User},
};

#[test]
#[ignore = "needs the musicchain-node binary; scripts/test.sh runs it after building the node"]
fn a_library_syncs_in_bulk_resumes_and_is_corrected_by_its_artist() {
	let node = DevNode::start();
	let chain = Reader::new(&node.url);
	let a = User::new("A", "//Alice", &node);
	let lib = library(&[
		"good/a-128k.aac",
		"good/a-128k.mp3",
		"good/a.flac",
		"other/b-128k.aac",
		"other/b.flac",
	]);
	let (ok, out) = a.run(&[
		"library",
		"add",
		lib.path().to_str().expect("utf-8"),
		"--offline",
		"--no-progress",
	]);
	assert!(ok, "{out}");

	// The first sync registers both recordings in one wave; it is killed
	// while the other three files wait for the verdicts.
	let (mut first, lines) = a.spawn_until(a.command(&["library", "sync"]), "song ");
	first.0.kill().expect("kill the sync");
	let _ = first.0.wait();
	assert!(lines.last().is_some_and(|l| l.contains("registered (a new song")), "{lines:?}");
	let songs = chain.songs();
	assert_eq!(songs.len(), 2, "{songs:?}");
	// Registered from the tagged files, not the untagged AACs first by path.
	let mut titles: Vec<_> = songs.iter().map(|s| (s.title(), s.artist())).collect();
	titles.sort();
	assert_eq!(
		titles,
		[
			("Fixture Song".to_owned(), "The Generators".to_owned()),
			("Other Song".to_owned(), "Noise Makers".to_owned())
		]
	);

	// Run again: the two are found on chain, the three others join them.
	let (ok, out) = a.run(&["library", "sync"]);
	assert!(ok, "{out}");
	assert!(
		out.contains("5 files: 2 already on chain, 3 joined songs, 0 registered, 0 failed"),
		"{out}"
	);
	assert_eq!(out.matches("joined (another encoding").count(), 3, "{out}");
	let songs = chain.songs();
	assert_eq!(songs.len(), 2, "nothing registered twice: {songs:?}");
	let mut files: Vec<_> = songs.iter().map(|s| s.variants.len()).collect();
	files.sort();
	assert_eq!(files, [2, 3]);

	// Once more: every file is remembered as synced, none is checked.
	let (ok, out) = a.run(&["library", "sync"]);
	assert!(ok && out.contains("5 files: 5 already on chain, 0 joined songs"), "{out}");
	assert!(!out.lines().any(|l| l.starts_with("song ")), "nothing checked again: {out}");
	// `--all` checks them all again.
	let (ok, out) = a.run(&["library", "sync", "--all"]);
	assert!(ok && out.contains("5 files: 5 already on chain"), "{out}");
	let checked = out.lines().filter(|l| l.starts_with("song ") && l.contains("on chain:"));
	assert_eq!(checked.count(), 5, "{out}");

	// The artist corrects a title; the other fields stay.
	let fixture = songs.iter().find(|s| s.title() == "Fixture Song").expect("song").id;
	let id = fixture.to_string();
	let (ok, out) = a.run(&["song", "edit", &id, "--title", "Fixture Song (2026 Remaster)"]);
	assert!(ok && out.contains("title:   Fixture Song (2026 Remaster)"), "{out}");
	assert!(out.contains("artist:  The Generators"), "{out}");
	let song = chain.songs().into_iter().find(|s| s.id == fixture).expect("song");
	assert_eq!(song.title(), "Fixture Song (2026 Remaster)");
	assert_eq!(song.album(), "Synthetic Sessions");
	// Nobody else may.
	let b = User::new("B", "//Bob", &node);
	let (ok, out) = b.run(&["song", "edit", &id, "--title", "Mine Now"]);
	assert!(!ok && out.contains("only a song's artist may correct it"), "{out}");
	assert_eq!(
		chain.songs().into_iter().find(|s| s.id == fixture).map(|s| s.title()),
		Some("Fixture Song (2026 Remaster)".into())
	);
}
