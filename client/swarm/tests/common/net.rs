//! Hosts on loopback for the swarm tests.

use musicchain_primitives::{ContentHash, ManifestRoot};
use musicchain_swarm::{self as swarm, Catalog, DownloadRequest, Host, HostConfig, Role, Served};
use std::{
	path::Path,
	time::{Duration, Instant},
};

pub struct Peer {
	pub host: Host,
	pub dir: tempfile::TempDir,
	pub addrs: Vec<libp2p::Multiaddr>,
}

fn loopback() -> Vec<libp2p::Multiaddr> {
	vec!["/ip4/127.0.0.1/tcp/0".parse().expect("multiaddr")]
}

pub async fn spawn(role: Role, bootstrap: &[&Peer], files: &[(ContentHash, Served)]) -> Peer {
	spawn_with(role, bootstrap, files, |_| {}).await
}

pub async fn spawn_with(
	role: Role,
	bootstrap: &[&Peer],
	files: &[(ContentHash, Served)],
	tweak: impl FnOnce(&mut HostConfig),
) -> Peer {
	let mut catalog = Catalog::default();
	for (h, s) in files {
		catalog.insert(*h, s.clone());
	}
	let dir = tempfile::tempdir().expect("tempdir");
	spawn_at(dir, role, bootstrap, catalog, tweak).await
}

/// Starts a host in `dir` (a restart keeps the peer key found there).
pub async fn spawn_at(
	dir: tempfile::TempDir,
	role: Role,
	bootstrap: &[&Peer],
	catalog: Catalog,
	tweak: impl FnOnce(&mut HostConfig),
) -> Peer {
	let mut config = HostConfig::client(dir.path());
	config.role = role;
	config.listen = loopback();
	config.advertise_listen = true;
	config.bootstrap = bootstrap.iter().map(|p| p.addrs[0].clone()).collect();
	tweak(&mut config);
	let host = swarm::start(config, catalog).await.expect("host starts");
	let addrs = host.addrs().await.expect("addrs");
	Peer { host, dir, addrs }
}

/// A client whose only mini-node is gone: the mini-node's address and key,
/// with nothing listening there. Returns the client and that address.
pub async fn client_of_a_dead_mini_node() -> (Peer, libp2p::Multiaddr) {
	let m = spawn(Role::MiniNode, &[], &[]).await;
	let addr = m.addrs[0].clone();
	m.host.shutdown().await;
	drop(m.host);
	let client = spawn_with(Role::Client, &[], &[], |c| c.bootstrap = vec![addr.clone()]).await;
	(client, addr)
}

/// Whether `observer` sees `peer` online with its list pulled.
pub async fn sees(observer: &Host, peer: &libp2p::PeerId) -> bool {
	observer.online().await.map(|v| v.iter().any(|p| &p.peer == peer && p.listed)).unwrap_or(false)
}

/// Whether `observer` sees `peer` online at all.
pub async fn sees_online(observer: &Host, peer: &libp2p::PeerId) -> bool {
	observer.online().await.map(|v| v.iter().any(|p| &p.peer == peer)).unwrap_or(false)
}

/// Downloads `file` through `host` (in a minute at most) and checks that
/// the download is byte-identical to it.
pub async fn fetch_same(host: &Host, file: &(ContentHash, Served), root: Option<ManifestRoot>) {
	let request = DownloadRequest { content_hash: file.0, root, stream_from: None, name: None };
	let handle = host.download(request).expect("start");
	let done = tokio::time::timeout(Duration::from_secs(60), handle.finish())
		.await
		.expect("in time")
		.expect("downloaded");
	assert_eq!(
		std::fs::read(&done.path).expect("read"),
		std::fs::read(&file.1.path).expect("read"),
		"the download is {}",
		file.1.path.display()
	);
}

pub fn served(path: &Path) -> (ContentHash, Served) {
	Served::from_file(path).expect("hash the file")
}

/// Waits until `host` sees `hash` served by `n` online peers.
pub async fn until_providers(host: &Host, hash: ContentHash, n: usize) {
	until(Duration::from_secs(20), &format!("{n} online providers"), || async {
		host.providers(hash).await.map(|p| p.len() >= n).unwrap_or(false)
	})
	.await;
}

/// Waits until `f` holds, polling; panics with `what` after `limit`.
pub async fn until<F, Fut>(limit: Duration, what: &str, mut f: F) -> Duration
where
	F: FnMut() -> Fut,
	Fut: std::future::Future<Output = bool>,
{
	let start = Instant::now();
	loop {
		if f().await {
			return start.elapsed();
		}
		assert!(start.elapsed() < limit, "timed out after {limit:?} waiting for {what}");
		tokio::time::sleep(Duration::from_millis(50)).await;
	}
}
