//! The whole loop on a real dev chain: the `musicchain-node` binary
//! (`--dev`) and four real `musicchain` clients on loopback.
//!
//! A (Alice) scans and registers 3 songs (a 10 MUSIC deposit each), bonds
//! to serve and serves them; B (Bob) discovers them, plays one past half
//! from A and the receipt settles as pending credits, since the moderators
//! have not approved the song (B +1 MUSIC, A +1 as server and +1 as artist,
//! exactly, and nothing minted); B's second play at once gets the cooldown
//! answer; a play of less than half and a chorus on loop earn nothing and
//! say why; C (Charlie) registers a re-encoding of A's song and the
//! validators' verdict folds it into A's song as a variant; B downloads an
//! album (saved by artist and title) and C then streams a song of it from B
//! alone; D, an account without funds, is told so before its sync or play
//! sends anything, and A sends it some; the moderator
//! council approves A's song by majority, and the credits and the deposit
//! are paid out.
//!
//! It needs the node binary, built beside this test (`cargo build -p
//! musicchain-node`), so it is ignored in a plain `cargo test`;
//! `scripts/test.sh` runs it after the node is built.

mod common;

use common::{
	node::DevNode,
	user::{library, state, Reader, State, User},
};
use musicchain_chain::catalog::Status;
use musicchain_primitives::UNIT;
use std::time::{Duration, Instant};

/// The song id on the line of `out` that names `title`.
fn song_of(out: &str, title: &str) -> u32 {
	out.lines()
		.find(|l| l.contains(title) && l.trim_start().starts_with("song"))
		.and_then(|l| l.split_whitespace().nth(1))
		.and_then(|id| id.parse().ok())
		.unwrap_or_else(|| panic!("no song line for {title} in:\n{out}"))
}

#[test]
#[ignore = "needs the musicchain-node binary; scripts/test.sh runs it after building the node"]
fn the_whole_loop_on_a_dev_chain() {
	let node = DevNode::start();
	let chain = Reader::new(&node.url);
	let (a, b, c) = (
		User::new("A", "//Alice", &node),
		User::new("B", "//Bob", &node),
		User::new("C", "//Charlie", &node),
	);

	// A scans and registers three songs.
	let a_lib = library(&["good/a.flac", "other/b-320k.mp3", "album/c.flac"]);
	let (ok, out) =
		a.run(&["library", "add", a_lib.path().to_str().expect("utf-8"), "--no-progress"]);
	assert!(ok, "A's scan and sync");
	assert_eq!(out.matches("registered (a new song").count(), 3, "{out}");
	let (fixture, other, third) =
		(song_of(&out, "Fixture Song"), song_of(&out, "Other Song"), song_of(&out, "Third Song"));
	let started = Instant::now();
	while chain.songs().iter().any(|s| s.status != Status::Active) {
		assert!(started.elapsed() < Duration::from_secs(120), "the dedupe verdicts never came");
		std::thread::sleep(Duration::from_secs(1));
	}

	// A bonds to serve: only a bonded server's receipts earn.
	let (ok, out) = a.run(&["bond"]);
	assert!(ok && out.contains("your play receipts earn"), "{out}");
	let (a_serve, a_addr) = a.serve();
	let from_a = ["--bootstrap", a_addr.as_str(), "--no-listen"];

	// B discovers them, grouped artist -> album -> tracks.
	let (ok, out) = b.run(&[&["discover"][..], &from_a].concat());
	assert!(ok);
	let generators = out.find("The Generators").expect("artist");
	let sessions = out.find("  Synthetic Sessions").expect("album");
	assert!(generators < sessions && sessions < out.find("3. Fixture Song").expect("track 3"));
	assert!(out.find("3. Fixture Song") < out.find("4. Third Song"), "tracks in order");
	assert!(out.contains("Noise Makers") && out.contains("Other Song"));
	assert!(out.contains("3 of 3 songs on chain have an online peer"));
	let online = b.json(&[&["discover", "--json"][..], &from_a].concat());
	let titles: Vec<_> =
		online.as_array().expect("array").iter().map(|s| s["title"].clone()).collect();
	assert_eq!(titles.len(), 3, "{online}");
	assert!(titles.contains(&"Fixture Song".into()), "{online}");
	let found = b.json(&["search", "--json", "fixture", "song"]);
	assert_eq!(found[0]["id"], fixture, "{found}");
	assert_eq!(found[0]["artist"], "The Generators");
	assert_eq!(found[0]["variants"][0]["content_hash"].as_str().map(str::len), Some(64));

	// B plays the Fixture Song (32 s) past half, from A; the receipt
	// settles as pending credits: the moderators have not approved it.
	let (acc_a, acc_b) = (a.account(), b.account());
	let (before_a, before_b) = (state(&chain, acc_a), state(&chain, acc_b));
	let id = fixture.to_string();
	let (ok, out) =
		b.run(&[&["play", id.as_str(), "--segments", "0-10,14-22"][..], &from_a].concat());
	assert!(ok, "the play settles");
	assert!(out.contains("settled in") && out.contains("as pending credits"), "{out}");
	let (after_a, after_b) = (state(&chain, acc_a), state(&chain, acc_b));
	assert_eq!(after_b, State { free: before_b.free, credits: before_b.credits + UNIT });
	assert_eq!(
		after_a,
		State { free: before_a.free, credits: before_a.credits + 2 * UNIT },
		"A +1 MUSIC as the server and +1 as the artist, as credits"
	);
	// The same, through the client.
	let (_, out) = b.run(&["balance"]);
	assert!(out.contains(&format!("free      {} MUSIC", after_b.free / UNIT)), "{out}");
	assert!(out.contains("credits   1 MUSIC"), "{out}");
	let balance = b.json(&["balance", "--json"]);
	assert_eq!(balance["free"], after_b.free.to_string(), "{balance}");
	assert_eq!(balance["credits"], UNIT.to_string(), "{balance}");
	assert_eq!(balance["decimals"], 12);

	// At once again: the cooldown.
	let (_, out) = b.run(&[&["play", id.as_str(), "--segments", "0-17"][..], &from_a].concat());
	assert!(out.contains("earned nothing") && out.contains("CooldownActive"), "{out}");
	// Less than half, and the chorus on loop, of another song.
	let id = other.to_string();
	let (_, out) = b.run(&[&["play", id.as_str(), "--segments", "0-5"][..], &from_a].concat());
	assert!(out.contains("less than half") && out.contains("InsufficientCoverage"), "{out}");
	let (_, out) =
		b.run(&[&["play", id.as_str(), "--segments", "5-9,5-9,5-9,5-9,5-9"][..], &from_a].concat());
	assert!(out.contains("over and over") && out.contains("RepeatedCoverage"), "{out}");
	// Refused plays earn nothing and pay their fee (a few thousandths).
	let now = state(&chain, acc_b).free;
	assert!(now < after_b.free && after_b.free - now < UNIT / 100, "{now} vs {}", after_b.free);

	// C's re-encoding of the Fixture Song: only A adds files to A's song,
	// so C's registers, and the validators' verdict folds it in.
	let c_lib = library(&["good/a-128k.mp3"]);
	let (ok, out) =
		c.run(&["library", "add", c_lib.path().to_str().expect("utf-8"), "--no-progress"]);
	assert!(ok);
	assert!(
		out.contains("joined (another encoding")
			&& out.contains("for the validators' verdict to fold in")
			&& song_of(&out, "Fixture Song") == fixture,
		"{out}"
	);
	let started = Instant::now();
	loop {
		let songs = chain.songs();
		let variants = songs.iter().find(|s| s.id == fixture).expect("song").variants.len();
		if songs.len() == 3 && variants == 2 {
			break;
		}
		assert!(started.elapsed() < Duration::from_secs(120), "the fold never came: {songs:?}");
		std::thread::sleep(Duration::from_secs(1));
	}

	// B downloads the album, then serves it; with A gone, C streams a song
	// of it from B.
	let (ok, out) = b.run(
		&[&["download", "--album", "Synthetic Sessions", "--no-progress"][..], &from_a].concat(),
	);
	assert!(
		ok && out.contains("2 of 2 songs in the library (1 already were, 1 downloaded)"),
		"{out}"
	);
	// Saved by artist and title, and a song played or downloaded again is
	// not kept twice.
	assert_eq!(
		b.downloads(),
		[
			"Noise Makers - Other Song.mp3",
			"The Generators - Fixture Song.flac",
			"The Generators - Third Song.flac"
		]
	);
	let (ok, out) = b.run(&["bond"]);
	assert!(ok, "{out}");
	let (b_serve, b_addr) = b.serve();
	drop(a_serve);
	let b_peer = b_addr.rsplit('/').next().expect("peer id").to_string();
	let id = third.to_string();
	let (_, out) =
		c.run(&["play", &id, "--segments", "0-3", "--bootstrap", &b_addr, "--no-listen"]);
	assert!(out.contains(&format!("streaming from {b_peer}")), "{out}");
	assert!(out.contains("first audio") && out.contains("less than half"), "{out}");
	drop(b_serve);

	// D, a new account with nothing in it: a sync and a play say so once,
	// before anything is sent or streamed; A sends D some MUSIC.
	let d = User::new("D", "//Dave//new", &node);
	let acc_d = d.account();
	let d_lib = library(&["album/c-192k.mp3", "other/b-320k.mp3"]);
	let (ok, out) =
		d.run(&["library", "add", d_lib.path().to_str().expect("utf-8"), "--no-progress"]);
	assert!(!ok, "{out}");
	assert_eq!(out.matches("which has 0 MUSIC free (nothing was done)").count(), 1, "{out}");
	assert!(out.contains("musicchain send AMOUNT"), "{out}");
	let (ok, out) = d.run(&["play", &fixture.to_string(), "--no-listen"]);
	assert!(
		!ok && out.contains("a play (its receipt's fee") && out.contains("0 MUSIC free"),
		"{out}"
	);
	assert!(!out.contains("streaming from"), "nothing streamed: {out}");
	let (ok, out) = a.run(&["send", "2.5", &musicchain_wallet::address(&acc_d)]);
	assert!(ok && out.contains("sent 2.5 MUSIC to"), "{out}");
	assert_eq!(state(&chain, acc_d).free, 5 * UNIT / 2);

	// The council (Alice, Bob, Charlie) approves the Fixture Song: one
	// moderator's motion is not enough, the second one's vote passes it;
	// A's deposit comes back and the credits are paid out.
	let credited = state(&chain, acc_a);
	assert!(credited.credits >= 2 * UNIT);
	let (ok, out) = b.run(&["moderate", "approve", &fixture.to_string()]);
	assert!(ok && out.contains("1 of the 2 ayes"), "{out}");
	assert_eq!(state(&chain, acc_a), credited, "one moderator cannot approve");
	let (ok, out) = c.run(&["moderate", "approve", &fixture.to_string()]);
	assert!(ok && out.contains("passed: done"), "{out}");
	let started = Instant::now();
	while state(&chain, acc_a).credits > 0 {
		assert!(started.elapsed() < Duration::from_secs(60), "the credits were never paid");
		std::thread::sleep(Duration::from_millis(500));
	}
	assert_eq!(
		state(&chain, acc_a).free,
		credited.free + credited.credits + 10 * UNIT,
		"the credits and the deposit paid to A"
	);
	// The approved song owes nothing yet (no play since): paying it out
	// says so, and costs only the refused call's fee.
	let (ok, out) = a.run(&["royalties", &fixture.to_string()]);
	assert!(!ok && out.contains("nothing paid out") && out.contains("NothingOwed"), "{out}");
}
