//! A download that cannot succeed says so as soon as nothing more can come,
//! not after the 30 s a download waits for a provider to appear: content
//! no online peer serves, a download whose only provider was dropped, a
//! network whose mini-node cannot be reached. And a provider whose file is
//! not the one registered is refused, whether the download checks its
//! pieces against the chain's manifest root (each byte hashed once) or
//! hashes the whole file.

mod common;

use common::{
	fixtures,
	net::{client_of_a_dead_mini_node, served, spawn, until_providers},
};
use musicchain_primitives::{manifest_root, ContentHash, ManifestRoot};
use musicchain_swarm::{DownloadError, DownloadRequest, Host, Role, Served};
use std::time::{Duration, Instant};

/// Well under the 30 s a download without providers would otherwise wait.
const SOON: Duration = Duration::from_secs(15);

/// Downloads `hash` through `host` and returns how it failed, and when.
async fn fails(host: &Host, hash: ContentHash) -> (DownloadError, Duration) {
	fails_with(host, hash, None).await
}

/// [`fails`], checking the pieces against `root` (the chain's).
async fn fails_with(
	host: &Host,
	hash: ContentHash,
	root: Option<ManifestRoot>,
) -> (DownloadError, Duration) {
	let started = Instant::now();
	let request = DownloadRequest { content_hash: hash, root, stream_from: None, name: None };
	let handle = host.download(request).expect("start");
	let result = tokio::time::timeout(Duration::from_secs(60), handle.finish()).await;
	let err = result.expect("it ends").expect_err("nothing can be downloaded");
	(err, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn content_no_peer_serves_fails_once_the_network_has_been_asked() {
	let flac = served(&fixtures().join("good/a.flac"));
	let m = spawn(Role::MiniNode, &[], &[]).await;
	let _seeder = spawn(Role::Client, &[&m], std::slice::from_ref(&flac)).await;
	let client = spawn(Role::Client, &[&m], &[]).await;
	let (err, took) = fails(&client.host, ContentHash([9; 32])).await;
	println!("unknown content: \"{err}\" after {took:?}");
	assert!(matches!(&err, DownloadError::NoProvider { links, .. } if links.is_empty()), "{err:?}");
	assert!(took < SOON, "it did not wait for a provider that cannot come: {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_download_whose_only_provider_was_dropped_fails_naming_it() {
	let flac = served(&fixtures().join("good/a.flac"));
	// A seeder whose copy rotted after it was hashed: each piece it sends
	// fails verification.
	let work = tempfile::tempdir().expect("tempdir");
	let rotten = work.path().join("rotten.flac");
	let bytes: Vec<u8> =
		std::fs::read(&flac.1.path).expect("read").iter().map(|b| b ^ 0x5a).collect();
	std::fs::write(&rotten, bytes).expect("write");
	let m = spawn(Role::MiniNode, &[], &[]).await;
	let bad =
		spawn(Role::Client, &[&m], &[(flac.0, Served { path: rotten, ..flac.1.clone() })]).await;
	let client = spawn(Role::Client, &[&m], &[]).await;
	until_providers(&client.host, flac.0, 1).await;
	let (err, took) = fails(&client.host, flac.0).await;
	println!("only a corrupt provider: \"{err}\" after {took:?}");
	let text = err.to_string();
	assert!(matches!(err, DownloadError::ProvidersFailed(_)), "{err:?}");
	assert!(
		text.contains(&bad.host.peer_id().to_string())
			&& text.contains("sent a piece that does not match the manifest"),
		"names the provider and why: {text}"
	);
	assert!(took < SOON, "it did not wait for a provider that cannot come: {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_download_without_a_reachable_mini_node_names_it() {
	let (client, addr) = client_of_a_dead_mini_node().await;
	let (err, took) = fails(&client.host, ContentHash([9; 32])).await;
	println!("no mini-node: \"{err}\" after {took:?}");
	let text = err.to_string();
	assert!(matches!(err, DownloadError::NoProvider { .. }), "{err:?}");
	assert!(
		text.contains("the network cannot be reached: mini-node")
			&& text.contains(&addr.to_string())
			&& text.contains("Connection refused"),
		"names the mini-node and why: {text}"
	);
	assert!(took < SOON, "it did not wait for a provider that cannot come: {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn another_file_under_a_registered_content_hash_is_refused_with_or_without_the_root() {
	let flac = served(&fixtures().join("good/a.flac"));
	// A seeder offers another file (its own manifest, consistent with its
	// bytes) under a.flac's content hash.
	let wav = served(&fixtures().join("good/a.wav"));
	let m = spawn(Role::MiniNode, &[], &[]).await;
	let liar = spawn(Role::Client, &[&m], &[(flac.0, wav.1.clone())]).await;
	let client = spawn(Role::Client, &[&m], &[]).await;
	until_providers(&client.host, flac.0, 1).await;

	// With the chain's root, its manifest is refused before any piece.
	let root = Some(manifest_root(&flac.1.pieces));
	let (err, took) = fails_with(&client.host, flac.0, root).await;
	println!("another file, checked against the root: \"{err}\" after {took:?}");
	let text = err.to_string();
	assert!(
		text.contains(&liar.host.peer_id().to_string())
			&& text.contains("has another file than the one registered"),
		"{text}"
	);
	assert!(took < SOON, "it did not wait for a provider that cannot come: {took:?}");

	// Without it, the pieces match the liar's manifest, and the whole
	// file's hash does not match the content hash: nothing is kept.
	let (err, _) = fails(&client.host, flac.0).await;
	assert!(matches!(err, DownloadError::ContentMismatch), "{err:?}");
	let downloads = client.dir.path().join("downloads");
	let kept = std::fs::read_dir(&downloads).map(|d| d.count()).unwrap_or(0);
	assert_eq!(kept, 0, "nothing kept in {}", downloads.display());
}
