//! Presence, measured: how fast a peer that leaves disappears from the
//! others' online view (a clean close, and a process frozen so that its
//! connections die silently), and what re-announcing an unchanged
//! 10,000-file library costs.

mod common;

use common::{
	fixtures,
	net::{sees, sees_online, served, spawn, spawn_at, until},
};
use musicchain_primitives::{sha2_256, ContentHash, PIECE_SIZE};
use musicchain_swarm::{Catalog, Role, Served};
use std::{
	io::{BufRead, BufReader},
	process::{Child, Command, Stdio},
	sync::Arc,
	time::{Duration, Instant},
};

/// Kills the child process when dropped, so a failed test leaves nothing behind.
struct Reaper(Child);

impl Drop for Reaper {
	fn drop(&mut self) {
		let _ = self.0.kill();
		let _ = self.0.wait();
	}
}

fn musicchain(data: &std::path::Path) -> Command {
	let mut c = Command::new(env!("CARGO_BIN_EXE_musicchain"));
	c.arg("--data-dir").arg(data);
	c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn peers_that_leave_disappear_and_reannouncing_is_one_small_message() {
	let m = spawn(Role::MiniNode, &[], &[]).await;
	let observer = spawn(Role::Client, &[&m], &[]).await;

	// 1. A clean close: gone from the view within 5 s.
	let song = served(&fixtures().join("good").join("a-q1.ogg"));
	let p = spawn(Role::Client, &[&m], std::slice::from_ref(&song)).await;
	let peer = p.host.peer_id();
	until(Duration::from_secs(15), "the observer sees the peer", || sees(&observer.host, &peer))
		.await;
	assert_eq!(observer.host.online_content().await.expect("content"), vec![song.0]);
	p.host.shutdown().await;
	let gone = until(Duration::from_secs(30), "the closed peer to go", || async {
		!sees_online(&observer.host, &peer).await
	})
	.await;
	println!("clean close: gone from the observer's view after {gone:?}");
	assert!(gone < Duration::from_secs(5), "a closed peer disappears within 5 s, took {gone:?}");
	assert!(observer.host.online_content().await.expect("content").is_empty());

	// 2. A `musicchain serve` process frozen (SIGSTOP): its connections
	//    stay open but nothing answers. Gone within 15 s.
	let data = tempfile::tempdir().expect("tempdir");
	let music = tempfile::tempdir().expect("tempdir");
	std::fs::copy(fixtures().join("good").join("a-q6.ogg"), music.path().join("a-q6.ogg"))
		.expect("copy");
	let status = musicchain(data.path())
		.args(["library", "add", "--no-progress"])
		.arg(music.path())
		.stdout(Stdio::null())
		.status()
		.expect("run musicchain library add");
	assert!(status.success());
	let mut child = musicchain(data.path())
		.args(["serve", "--listen", "/ip4/127.0.0.1/tcp/0", "--advertise-listen", "--bootstrap"])
		.arg(m.addrs[0].to_string())
		.env("RUST_LOG", "error")
		.stdout(Stdio::piped())
		.spawn()
		.expect("run musicchain serve");
	let stdout = child.stdout.take().expect("stdout");
	let reaper = Reaper(child);
	let mut lines = BufReader::new(stdout);
	let mut first = String::new();
	lines.read_line(&mut first).expect("read the first line");
	std::thread::spawn(move || {
		let mut sink = String::new();
		while lines.read_line(&mut sink).is_ok_and(|n| n > 0) {
			sink.clear();
		}
	});
	println!("musicchain serve: {}", first.trim());
	let served_peer: libp2p::PeerId = first
		.split_whitespace()
		.skip_while(|w| *w != "peer")
		.nth(1)
		.and_then(|w| w.parse().ok())
		.unwrap_or_else(|| panic!("no peer id in {first:?}"));
	until(Duration::from_secs(30), "the observer sees the serving process", || {
		sees(&observer.host, &served_peer)
	})
	.await;
	let pid = reaper.0.id().to_string();
	let stopped = Command::new("kill").args(["-STOP", &pid]).status().expect("kill -STOP");
	assert!(stopped.success());
	let frozen = Instant::now();
	until(Duration::from_secs(40), "the frozen peer to go", || async {
		!sees_online(&observer.host, &served_peer).await
	})
	.await;
	let gone = frozen.elapsed();
	println!("frozen process: gone from the observer's view after {gone:?}");
	assert!(gone < Duration::from_secs(15), "a dead peer disappears within 15 s, took {gone:?}");
	drop(reaper);

	// 3. A 10,000-file library, announced, closed, and announced again
	//    unchanged: one hello of at most 96 bytes, and no list is pulled.
	let catalog = {
		let mut c = Catalog::default();
		for i in 0u32..10_000 {
			let hash = ContentHash(sha2_256(&i.to_be_bytes()));
			c.insert(
				hash,
				Served {
					path: format!("/nonexistent/{i}.flac").into(),
					size: 1,
					piece_size: PIECE_SIZE,
					format: 2,
					pieces: Arc::new(vec![[0; 32]]),
				},
			);
		}
		c
	};
	let dir = tempfile::tempdir().expect("tempdir");
	let big = spawn_at(dir, Role::Client, &[&m], catalog.clone(), |_| {}).await;
	let big_peer = big.host.peer_id();
	until(Duration::from_secs(30), "the observer sees the big library", || {
		sees(&observer.host, &big_peer)
	})
	.await;
	assert_eq!(observer.host.online_content().await.expect("content").len(), 10_000);
	big.host.shutdown().await;
	until(Duration::from_secs(10), "the big library to go", || async {
		!sees_online(&observer.host, &big_peer).await
	})
	.await;
	let (m_before, o_before) =
		(m.host.stats().await.expect("stats"), observer.host.stats().await.expect("stats"));

	let again = spawn_at(big.dir, Role::Client, &[&m], catalog, |_| {}).await;
	assert_eq!(again.host.peer_id(), big_peer, "the peer key is kept across restarts");
	until(Duration::from_secs(15), "the observer sees the library again", || {
		sees(&observer.host, &big_peer)
	})
	.await;
	let (m_after, o_after) =
		(m.host.stats().await.expect("stats"), observer.host.stats().await.expect("stats"));
	let mine = again.host.stats().await.expect("stats");
	println!(
		"re-announce of 10,000 files: {} message(s), {} bytes of payload; lists pulled by the mini-node {} -> {}, by the observer {} -> {}",
		mine.announces_sent,
		mine.announce_bytes,
		m_before.lists_pulled,
		m_after.lists_pulled,
		o_before.lists_pulled,
		o_after.lists_pulled
	);
	assert_eq!(mine.announces_sent, 1, "one hello");
	assert!(mine.announce_bytes <= 96, "at most 96 bytes, was {}", mine.announce_bytes);
	assert_eq!(mine.lists_served, 0, "nobody pulled the unchanged list");
	assert_eq!(m_after.lists_pulled, m_before.lists_pulled);
	assert_eq!(o_after.lists_pulled, o_before.lists_pulled);
	assert_eq!(observer.host.online_content().await.expect("content").len(), 10_000);
}
