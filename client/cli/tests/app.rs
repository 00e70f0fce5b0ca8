//! The player app in a real browser: a dev chain (the `musicchain-node`
//! binary), A (Alice) serving three real encoded songs with `musicchain
//! app` (a moderator, unlocked at start), and B's `musicchain app` driven
//! in headless Chromium through WebDriver, as a person would use it:
//!
//! - B creates a wallet in the page (A sends it some MUSIC);
//! - Discover shows A's songs, artist → album → the track pane;
//! - B plays a song in the page past half: the heartbeats are the page's
//!   played ranges, the receipt settles on chain (B +1 MUSIC of credits,
//!   exactly) and the page says so;
//! - search answers as B types; the album downloads into My Library;
//! - A's page shows the moderation view (B's does not);
//! - A stops: its songs leave B's Discover within 5 s; A starts again and
//!   they come back;
//! - an API call without the secret, or for another Host, is refused (403)
//!   and changes nothing.
//!
//! Screenshots of every screen, at desktop and phone width, are saved
//! under `TARGET/tmp/musicchain-app-screenshots/`.
//!
//! It needs the node binary (built beside this test), `chromium` and
//! `chromium-driver`, so it is ignored in a plain `cargo test`;
//! `scripts/test.sh` runs it.

mod common;

use common::{
	browser::{screenshot_dir, Browser},
	node::{free_port, DevNode, Proc},
	user::{library, state, Reader, State, User},
};
use musicchain_chain::catalog::Status;
use musicchain_primitives::UNIT;
use serde_json::{json, Value};
use std::{
	io::{Read, Write},
	time::{Duration, Instant},
};

/// A `musicchain app` running: its page's address, its swarm address.
struct App {
	proc: Proc,
	url: String,
	swarm: Option<String>,
}

impl App {
	fn start(user: &User, args: &[&str], unlocked: bool) -> App {
		let mut command = user.command(&[&["app", "--no-browser"][..], args].concat());
		if !unlocked {
			command.env_remove("MUSICCHAIN_PASSWORD");
		}
		let (proc, lines) = user.spawn_until(command, "the app is at ");
		let swarm = lines.iter().find_map(|l| l.strip_prefix("listening on ")).map(str::to_string);
		let url = lines.last().and_then(|l| l.strip_prefix("the app is at ")).expect("the address");
		App { proc, url: url.to_string(), swarm }
	}

	/// Stops it as a person closing it would (SIGTERM: connections close).
	fn stop(self) {
		let pid = self.proc.0.id().to_string();
		let _ = std::process::Command::new("kill").args(["-TERM", &pid]).status();
		let mut proc = self.proc;
		let _ = proc.0.wait();
	}

	/// The page's origin (no secret).
	fn origin(&self) -> String {
		self.url.split("/?").next().expect("url").to_string()
	}
}

/// A mini-node (`musicchain relay`) on a loopback port: it and its address.
fn mini_node(user: &User) -> (Proc, String) {
	let listen = format!("/ip4/127.0.0.1/tcp/{}", free_port());
	user.spawn_listening(&["relay", "--listen", &listen, "--advertise-listen"])
}

#[test]
#[ignore = "needs the musicchain-node binary and chromium; scripts/test.sh runs it"]
fn the_player_app_in_a_browser() {
	let shots = screenshot_dir("musicchain-app-screenshots");
	let node = DevNode::start();
	let chain = Reader::new(&node.url);
	let a = User::new("A", "//Alice", &node);
	let b = User::new("B", "//Bob", &node);

	// A registers three songs (two albums) and bonds to serve.
	let a_lib = library(&["good/a.flac", "other/b-320k.mp3", "album/c.flac"]);
	let (ok, out) =
		a.run(&["library", "add", a_lib.path().to_str().expect("utf-8"), "--no-progress"]);
	assert!(ok && out.matches("registered (a new song").count() == 3, "{out}");
	let started = Instant::now();
	while chain.songs().iter().any(|s| s.status != Status::Active) {
		assert!(started.elapsed() < Duration::from_secs(120), "the dedupe verdicts never came");
		std::thread::sleep(Duration::from_secs(1));
	}
	let (ok, out) = a.run(&["bond"]);
	assert!(ok, "{out}");
	// A mini-node on loopback: the swarm's backbone, both apps join it.
	let (_mini, mini) = mini_node(&a);
	let a_listen = format!("/ip4/127.0.0.1/tcp/{}", free_port());
	let a_args =
		["--listen", a_listen.as_str(), "--advertise-listen", "--bootstrap", mini.as_str()];
	let a_app = App::start(&a, &a_args, true);
	assert!(a_app.swarm.is_some(), "A listens");

	// B: a fresh client, no wallet, its app in the browser.
	let b = User { name: "B", dir: tempfile::tempdir().expect("tmp"), node: b.node.clone() };
	let b_app = App::start(&b, &["--bootstrap", &mini, "--no-listen"], false);
	let page = Browser::start(1280, 860);
	let loaded = Instant::now();
	page.open(&b_app.url);
	page.wait_for("the page", Duration::from_secs(10), "return document.readyState === 'complete'");
	let first_paint = page.eval(
		"const p = performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint'); return p ? p.startTime : null",
		json!([]),
	);
	println!("first contentful paint: {first_paint} ms (page open in {:?})", loaded.elapsed());
	println!("page weight: {} bytes (HTML, JS, CSS, icon)", musicchain_web::PAGE_WEIGHT);

	// Without a wallet the page opens on the Wallet tab; B creates one.
	page.wait_for(
		"the wallet form",
		Duration::from_secs(10),
		"return !document.getElementById('w-none').hidden",
	);
	page.screenshot(&shots.join("1-wallet-new-desktop.png"));
	page.type_into("#create-pw", "b secret");
	page.type_into("#create-pw2", "b secret");
	page.click("#create-form button");
	let address = page.wait_for(
		"the new account",
		Duration::from_secs(30),
		"const a = document.getElementById('address').textContent; return document.getElementById('w-open').hidden ? null : a",
	);
	let address = address.as_str().expect("address").to_string();
	let phrase = page.text("#phrase");
	assert_eq!(phrase.split_whitespace().count(), 12, "{phrase}");
	// Shown once: gone when B says it is written down.
	page.click("#phrase-done");
	assert_eq!(
		page.eval("return document.getElementById('phrase').textContent", json!([])),
		json!("")
	);
	let (ok, out) = a.run(&["send", "100", &address]);
	assert!(ok, "{out}");
	let acc_b = musicchain_wallet::public_of_address(&address).expect("ss58");
	page.click("[data-tab=wallet]");
	page.wait_for(
		"B's balance",
		Duration::from_secs(30),
		"return document.getElementById('money').textContent.includes('100 MUSIC')",
	);
	page.screenshot(&shots.join("2-wallet-desktop.png"));

	// Discover: A's three songs, live.
	page.click("[data-tab=discover]");
	page.wait_for(
		"A's songs in Discover",
		Duration::from_secs(30),
		"return window.mcStats.online.length === 3",
	);
	page.click_text("#artists li", "The Generators");
	page.click_text("#albums li", "Synthetic Sessions");
	page.wait_for("the track pane", Duration::from_secs(5), "return !document.getElementById('pane').hidden && document.querySelectorAll('#tracks li').length === 2");
	let tracks = page.text("#tracks");
	assert!(tracks.find("Fixture Song") < tracks.find("Third Song"), "tracks in order: {tracks}");
	page.screenshot(&shots.join("3-discover-desktop.png"));
	// The moderation tab is for moderators: B is not one.
	assert_eq!(
		page.eval("return document.querySelector('[data-tab=moderation]').hidden", json!([])),
		json!(true)
	);

	// A closes its app: its songs leave B's Discover; A starts again and
	// they come back.
	let stopped = Instant::now();
	a_app.stop();
	page.wait_for(
		"A's songs to leave",
		Duration::from_secs(5),
		"return window.mcStats.online.length === 0",
	);
	println!("Discover after A stopped: its songs gone in {:?}", stopped.elapsed());
	let started = Instant::now();
	let a_app = App::start(&a, &a_args, true);
	page.wait_for(
		"A's songs to come back",
		Duration::from_secs(30),
		"return window.mcStats.online.length === 3",
	);
	println!(
		"Discover after A started again: its songs back in {:?} (from the start of its process)",
		started.elapsed()
	);
	page.click_text("#albums li", "Synthetic Sessions");

	// B plays the Other Song (33 s, the only track of its album, so nothing
	// plays after it) in the page, past half.
	let before = state(&chain, acc_b);
	page.click_text("#artists li", "Noise Makers");
	page.click_text("#albums li", "Second Album");
	page.click_text("#tracks li", "Other Song");
	let first_audio =
		page.wait_for("first audio", Duration::from_secs(40), "return window.mcStats.firstAudioMs");
	println!("pressing play to first audio: {first_audio} ms");
	std::thread::sleep(Duration::from_secs(3));
	page.screenshot(&shots.join("4-player-playing-desktop.png"));
	// The keyboard: space pauses and plays on, the right arrow seeks 5 s on.
	page.click("#now-title");
	page.press("\u{E00D}");
	page.wait_for(
		"space to pause",
		Duration::from_secs(5),
		"return document.getElementById('audio').paused",
	);
	page.press("\u{E00D}");
	page.wait_for(
		"space to play on",
		Duration::from_secs(5),
		"return !document.getElementById('audio').paused",
	);
	let at = page.eval("return document.getElementById('audio').currentTime", json!([]));
	page.press("\u{E014}");
	page.wait_for(
		"the arrow to seek",
		Duration::from_secs(5),
		&format!(
			"return document.getElementById('audio').currentTime >= {} + 4",
			at.as_f64().expect("a time")
		),
	);
	let settled = page.wait_for(
		"the settlement",
		Duration::from_secs(90),
		"return window.mcStats.settled || null",
	);
	println!("settled: {settled}");
	let after_half = page.eval("return window.mcStats.settledAfterHalfMs", json!([]));
	println!("the play crossing half to the settlement in the page: {after_half} ms");
	let earn = page.text("#earn");
	assert!(earn.contains("settled on chain") && earn.contains("pending credits"), "{earn}");
	assert_eq!(settled["listener"], json!("1 MUSIC"), "{settled}");
	let after = state(&chain, acc_b);
	assert_eq!(
		after,
		State { free: before.free, credits: before.credits + UNIT },
		"B +1 MUSIC of credits, exactly; a valid receipt pays no fee"
	);
	page.screenshot(&shots.join("5-player-settled-desktop.png"));

	// Search, as B types.
	page.click("[data-tab=search]");
	page.type_into("#q", "noise mak");
	page.wait_for(
		"search results",
		Duration::from_secs(10),
		"return document.getElementById('results').textContent.includes('Other Song')",
	);
	page.screenshot(&shots.join("6-search-desktop.png"));

	// The album downloads into My Library.
	page.click("[data-tab=discover]");
	page.click_text("#artists li", "The Generators");
	// Right-click on the album downloads it, as in the player it replaces.
	page.right_click_text("#albums li", "Synthetic Sessions");
	page.click("[data-tab=library]");
	page.wait_for(
		"the album in My Library",
		Duration::from_secs(60),
		"const t = document.getElementById('lib-files').textContent; return t.includes('Fixture Song') && t.includes('Third Song') && t.includes('Other Song')",
	);
	assert_eq!(
		b.downloads(),
		[
			"Noise Makers - Other Song.mp3",
			"The Generators - Fixture Song.flac",
			"The Generators - Third Song.flac"
		],
		"the played song and the album"
	);
	page.screenshot(&shots.join("7-library-desktop.png"));

	// Phone width.
	page.resize(390, 844);
	page.click("[data-tab=discover]");
	std::thread::sleep(Duration::from_millis(300));
	page.screenshot(&shots.join("8-discover-phone.png"));
	page.click("[data-tab=library]");
	std::thread::sleep(Duration::from_millis(300));
	page.screenshot(&shots.join("9-library-phone.png"));
	page.click("[data-tab=wallet]");
	page.wait_for(
		"the credits of the play",
		Duration::from_secs(10),
		"return document.getElementById('money').textContent.includes('Pending credits1 MUSIC')",
	);
	page.screenshot(&shots.join("9-wallet-phone.png"));
	page.resize(1280, 860);
	page.click("[data-tab=discover]");

	// A's page: Alice is a moderator.
	let a_page = Browser::start(1280, 860);
	a_page.open(&a_app.url);
	a_page.wait_for(
		"the moderation tab",
		Duration::from_secs(20),
		"return !document.querySelector('[data-tab=moderation]').hidden",
	);
	a_page.click("[data-tab=moderation]");
	a_page.wait_for(
		"the songs awaiting a decision",
		Duration::from_secs(20),
		"return document.getElementById('awaiting').textContent.includes('Fixture Song')",
	);
	a_page.screenshot(&shots.join("10-moderation-desktop.png"));
	a_page.click("#awaiting li button");
	let said = a_page.wait_for(
		"the motion",
		Duration::from_secs(60),
		"return document.getElementById('mod-result').textContent || null",
	);
	assert!(said.as_str().is_some_and(|s| s.contains("motion #")), "{said}");
	drop(a_page);

	// B adds a folder in the page: the path field completes it, the scan
	// shows its progress and its problem file, and the sync says what each
	// file became (a re-encoding of A's song: registered for the verdict).
	let b_lib = library(&["album/c-192k.mp3", "bad/notaudio.mp3"]);
	let folder = b_lib.path().to_str().expect("utf-8");
	page.click("[data-tab=library]");
	page.type_into("#folder", &folder[..folder.len() - 2]);
	page.wait_for(
		"the folder among the completions",
		Duration::from_secs(10),
		&format!(
			"return [...document.querySelectorAll('#folders option')].some(o => o.value === {:?})",
			format!("{folder}/")
		),
	);
	page.eval("document.getElementById('folder').value = ''", json!([]));
	page.type_into("#folder", folder);
	page.click("#add-form button[type=submit]");
	page.wait_for(
		"the scan and sync",
		Duration::from_secs(90),
		"return document.getElementById('scan-text').textContent.includes('matched on chain')",
	);
	let problems = page.text("#problems");
	assert!(problems.contains("notaudio.mp3"), "{problems}");
	page.wait_for(
		"what the file became",
		Duration::from_secs(10),
		"return document.getElementById('lib-files').textContent.includes('waiting for the validators')",
	);
	page.screenshot(&shots.join("11-library-added-desktop.png"));
	let after = state(&chain, acc_b);

	// The API without the secret, or for another Host: 403, nothing changes.
	let origin = b_app.origin();
	let res = attohttpc::get(format!("{origin}/api/state")).send().expect("GET");
	assert_eq!(res.status().as_u16(), 403);
	let res = attohttpc::post(format!("{origin}/api/wallet/create"))
		.json(&json!({ "password": "x" }))
		.and_then(|r| r.send())
		.expect("POST");
	assert_eq!(res.status().as_u16(), 403);
	let secret = b_app.url.rsplit("t=").next().expect("secret").to_string();
	let res =
		attohttpc::get(format!("{origin}/api/state?t={}", "0".repeat(32))).send().expect("GET");
	assert_eq!(res.status().as_u16(), 403);
	// A page of another site whose name was rebound to 127.0.0.1 sends
	// its own name as the Host (written by hand: HTTP clients set it).
	let mut conn =
		std::net::TcpStream::connect(origin.trim_start_matches("http://")).expect("connect");
	write!(
		conn,
		"GET /api/state?t={secret} HTTP/1.1\r\nHost: rebound.example\r\nConnection: close\r\n\r\n"
	)
	.expect("request");
	let mut answer = String::new();
	conn.read_to_string(&mut answer).expect("answer");
	assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
	let res: Value = attohttpc::get(format!("{origin}/api/state?t={secret}"))
		.send()
		.and_then(|r| r.json())
		.expect("state");
	assert_eq!(res["wallet"]["address"], json!(address), "the wallet is B's own still");
	assert_eq!(state(&chain, acc_b), after, "nothing changed");
	drop(a_app);
}
