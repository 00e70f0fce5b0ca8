//! The links to mini-nodes: a mini-node restarted under a running seeder and
//! downloader is rejoined by both within seconds, and the seeder is seen
//! online again (by them and by a client that arrives after); a mini-node
//! that cannot be reached is named, with why.

mod common;

use common::{
	fixtures,
	net::{client_of_a_dead_mini_node, fetch_same, sees, served, spawn, spawn_at, until, Peer},
};
use libp2p::{multiaddr::Protocol, Multiaddr};
use musicchain_primitives::manifest_root;
use musicchain_swarm::{host::MAX_RETRY, Catalog, Host, Role};
use std::time::{Duration, Instant};

/// Whether every link of `host` is connected (`true`) or none is (`false`).
async fn links_are(host: &Host, connected: bool) -> bool {
	let links = host.links().await.expect("links");
	!links.is_empty() && links.iter().all(|l| l.connected == connected)
}

fn without_peer(addr: &Multiaddr) -> Multiaddr {
	addr.iter().filter(|p| !matches!(p, Protocol::P2p(_))).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restarted_mini_node_is_rejoined_and_the_seeder_seen_again() {
	let flac = served(&fixtures().join("good/a.flac"));
	let m = spawn(Role::MiniNode, &[], &[]).await;
	let seeder = spawn(Role::Client, &[&m], std::slice::from_ref(&flac)).await;
	let downloader = spawn(Role::Client, &[&m], &[]).await;
	let seeder_id = seeder.host.peer_id();
	until(Duration::from_secs(20), "the downloader sees the seeder", || {
		sees(&downloader.host, &seeder_id)
	})
	.await;

	// The mini-node stops: both notice, and say so.
	let (addr, dir) = (m.addrs[0].clone(), m.dir);
	m.host.shutdown().await;
	drop(m.host);
	for p in [&seeder, &downloader] {
		until(Duration::from_secs(10), "the link is down", || links_are(&p.host, false)).await;
	}
	tokio::time::sleep(MAX_RETRY * 2).await;
	let down = &seeder.host.links().await.expect("links")[0];
	println!("while it is away: {}", down.describe());
	assert!(down.describe().contains("unreachable for"), "{}", down.describe());
	assert!(down.failures >= 2, "redialled: {down:?}");

	// It comes back at the same address, with the same key.
	let restarted = Instant::now();
	let m = spawn_at(dir, Role::MiniNode, &[], Catalog::default(), |c| {
		c.listen = vec![without_peer(&addr)];
	})
	.await;
	assert_eq!(m.addrs[0], addr, "same address and peer id");
	for p in [&seeder, &downloader] {
		until(Duration::from_secs(10), "the link is back", || links_are(&p.host, true)).await;
	}
	let rejoined = restarted.elapsed();
	let seen = until(Duration::from_secs(10), "the downloader sees the seeder again", || {
		sees(&downloader.host, &seeder_id)
	})
	.await;
	// A client that arrives after the restart sees it too.
	let late: Peer = spawn(Role::Client, &[&m], &[]).await;
	until(Duration::from_secs(10), "a new client sees the seeder", || sees(&late.host, &seeder_id))
		.await;
	let fresh = restarted.elapsed();
	println!(
		"mini-node restarted: links back in {rejoined:?}, seeder seen by the downloader {:?} \
		 after, by a new client {fresh:?} after the restart",
		seen
	);

	// And the download works through it.
	fetch_same(&downloader.host, &flac, Some(manifest_root(&flac.1.pieces))).await;
	drop((seeder, late));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_unreachable_mini_node_is_named_with_why() {
	let (client, addr) = client_of_a_dead_mini_node().await;
	until(Duration::from_secs(10), "a failed dial", || async {
		client.host.links().await.expect("links").iter().any(|l| l.failures > 0)
	})
	.await;
	let link = &client.host.links().await.expect("links")[0];
	println!("{}", link.describe());
	assert_eq!(link.addr, addr);
	assert!(!link.connected);
	let text = link.describe();
	assert!(text.starts_with("mini-node ") && text.contains("unreachable for"), "{text}");
	assert!(
		text.contains("last: Connection refused (os error 111))"),
		"names why, briefly: {text}"
	);
}
