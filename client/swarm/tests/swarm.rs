//! The swarm with real hosts on loopback: mini-nodes, seeders, a corrupt
//! seeder, a seeder killed mid-download, a peer reachable only through a
//! relay circuit, content found across mini-nodes, and a mini-node stopped.

mod common;

use common::{
	fixtures,
	net::{served, spawn, spawn_at, spawn_with, until_providers},
};
use musicchain_primitives::{manifest_root, ContentHash, ManifestRoot, PIECE_SIZE};
use musicchain_swarm::{
	self as swarm, fetch::Dropped, Catalog, DownloadRequest, Downloaded, Host, Role, Served,
};
use std::{
	io::{Read, Seek},
	path::{Path, PathBuf},
	time::{Duration, Instant},
};

async fn fetch(host: &Host, hash: ContentHash, root: Option<ManifestRoot>) -> Downloaded {
	let handle = host
		.download(DownloadRequest { content_hash: hash, root, stream_from: None, name: None })
		.expect("start");
	tokio::time::timeout(Duration::from_secs(120), handle.finish())
		.await
		.expect("download finishes in time")
		.expect("download succeeds")
}

fn check(d: &Downloaded, original: &Path) {
	let got = std::fs::read(&d.path).expect("read download");
	let want = std::fs::read(original).expect("read original");
	assert!(got == want, "the download is byte-identical to {}", original.display());
}

/// A 3-minute WAV (31 MB, 121 pieces), so that a download takes long
/// enough to kill a seeder in the middle of it.
fn long_wav(dir: &Path) -> PathBuf {
	let out = dir.join("long-sine.wav");
	let status = std::process::Command::new("ffmpeg")
		.args(["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i"])
		.arg("sine=frequency=330:sample_rate=44100:duration=180")
		.args(["-ac", "2", "-c:a", "pcm_s16le"])
		.arg(&out)
		.status()
		.expect("run ffmpeg");
	assert!(status.success(), "ffmpeg made the long WAV");
	out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn swarm_transfers_survive_bad_and_vanishing_peers() {
	let good = fixtures().join("good");
	let wav = served(&good.join("a.wav"));
	let flac = served(&good.join("a.flac"));
	let mp3 = served(&good.join("a-320k.mp3"));
	let work = tempfile::tempdir().expect("tempdir");
	let long = served(&long_wav(work.path()));

	let m1 = spawn(Role::MiniNode, &[], &[]).await;
	let m2 = spawn(Role::MiniNode, &[&m1], &[]).await;

	// Three seeders of the long WAV.
	let s1 = spawn(Role::Client, &[&m1], &[long.clone(), wav.clone()]).await;
	let s2 = spawn(Role::Client, &[&m1], std::slice::from_ref(&long)).await;
	let s3 = spawn(Role::Client, &[&m2], std::slice::from_ref(&long)).await;
	// A seeder whose copy rotted after it was hashed: it serves pieces
	// that do not match the manifest.
	let rotten = work.path().join("rotten.wav");
	let mut bytes = std::fs::read(&long.1.path).expect("read");
	for b in bytes.iter_mut().skip(300_000) {
		*b ^= 0x5a;
	}
	std::fs::write(&rotten, &bytes).expect("write");
	let bad_entry = (long.0, Served { path: rotten, ..long.1.clone() });
	let bad = spawn(Role::Client, &[&m1], &[bad_entry]).await;

	let d = spawn(Role::Client, &[&m1], &[]).await;
	until_providers(&d.host, long.0, 4).await;

	// 1. Three seeders at once and a corrupt one, checked against the root.
	let started = Instant::now();
	let got = fetch(&d.host, long.0, Some(manifest_root(&long.1.pieces))).await;
	println!(
		"long WAV ({} pieces) in {:?}, first piece after {:?}, delivered {:?}, dropped {:?}",
		got.pieces.len(),
		started.elapsed(),
		got.first_piece,
		got.delivered,
		got.dropped
	);
	check(&got, &long.1.path);
	let seeders = [s1.host.peer_id(), s2.host.peer_id(), s3.host.peer_id()];
	let from_seeders = got.delivered.iter().filter(|(p, n)| seeders.contains(p) && *n > 0).count();
	assert_eq!(from_seeders, 3, "pieces came from all three seeders: {:?}", got.delivered);
	assert!(
		got.dropped.contains(&(bad.host.peer_id(), Dropped::Corrupt)),
		"the corrupt seeder was dropped: {:?}",
		got.dropped
	);
	// The downloader now serves the file too.
	until_providers(&m1.host, long.0, 5).await;

	// 2. A seeder killed in the middle of a download.
	let d2 = spawn(Role::Client, &[&m1], &[]).await;
	until_providers(&d2.host, long.0, 4).await;
	let handle = d2
		.host
		.download(DownloadRequest {
			content_hash: long.0,
			root: None,
			stream_from: None,
			name: None,
		})
		.expect("start");
	let mut progress = handle.progress.clone();
	let at_kill = loop {
		progress.changed().await.expect("progress");
		let p = progress.borrow().clone();
		if p.verified >= 4 {
			break p;
		}
	};
	s1.host.shutdown().await;
	assert!(at_kill.verified < at_kill.pieces, "the seeder was killed mid-download: {at_kill:?}");
	let got = tokio::time::timeout(Duration::from_secs(120), handle.finish())
		.await
		.expect("in time")
		.expect("the download survives a killed seeder");
	println!(
		"long WAV again: killed a seeder at {}/{} pieces; delivered {:?}",
		at_kill.verified, at_kill.pieces, got.delivered
	);
	check(&got, &long.1.path);

	// 3. A peer that cannot be dialled directly (no listener, no hole
	//    punching) serves a whole song through mini-node 1's relay circuit.
	let relay_addr = m1.addrs[0].clone();
	let hidden = spawn_with(Role::Client, &[&m1], std::slice::from_ref(&flac), |c| {
		c.listen.clear();
		c.relay_via = vec![relay_addr];
		c.hole_punch = false;
	})
	.await;
	until_providers(&d.host, flac.0, 1).await;
	let got = fetch(&d.host, flac.0, Some(manifest_root(&flac.1.pieces))).await;
	check(&got, &flac.1.path);
	let conns = d.host.connections().await.expect("connections");
	let to_hidden: Vec<_> = conns.iter().filter(|c| c.peer == hidden.host.peer_id()).collect();
	assert!(
		!to_hidden.is_empty() && to_hidden.iter().all(|c| c.relayed),
		"relayed only: {to_hidden:?}"
	);
	println!("a.flac through the relay: {:?}", to_hidden[0].addr);

	// 4. Content served by a client attached only to mini-node 2, found by
	//    a client bootstrapped only through mini-node 1 (the downloader).
	let far = spawn(Role::Client, &[&m2], std::slice::from_ref(&mp3)).await;
	until_providers(&d.host, mp3.0, 1).await;
	let got = fetch(&d.host, mp3.0, None).await;
	check(&got, &mp3.1.path);
	assert_eq!(got.delivered.iter().filter(|(_, n)| *n > 0).count(), 1);

	// 5. Mini-node 1 stops; a client that knows both keeps working through
	//    mini-node 2: it sees the providers online and downloads from them.
	//    The providers are the far client and the downloader of step 4,
	//    which serves what it downloaded (either may deliver every piece).
	m1.host.shutdown().await;
	let late = spawn(Role::Client, &[&m1, &m2], &[]).await;
	until_providers(&late.host, mp3.0, 1).await;
	let got = fetch(&late.host, mp3.0, None).await;
	check(&got, &mp3.1.path);
	let providers = [far.host.peer_id(), d.host.peer_id()];
	assert!(
		got.delivered.iter().any(|(p, n)| providers.contains(p) && *n > 0),
		"delivered by {:?}",
		got.delivered
	);
	drop((s2, s3, bad, hidden, m2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn downloads_stream_in_order_and_resume_after_a_restart() {
	let work = tempfile::tempdir().expect("tempdir");
	let long = served(&long_wav(work.path()));
	let m = spawn(Role::MiniNode, &[], &[]).await;
	let seeder = spawn(Role::Client, &[&m], std::slice::from_ref(&long)).await;
	let d = spawn(Role::Client, &[&m], &[]).await;
	until_providers(&d.host, long.0, 1).await;

	// Streaming from the start: the verified pieces are (nearly) all at
	// the front, so a player can start long before the end.
	let handle = d
		.host
		.download(DownloadRequest {
			content_hash: long.0,
			root: None,
			stream_from: Some(0),
			name: None,
		})
		.expect("start");
	// The verified prefix reads as it grows: a reader started before any
	// piece is in gets the file's first 40 pieces as they arrive.
	let want = 40 * PIECE_SIZE as usize;
	let mut reader = handle.reader();
	let reading = tokio::task::spawn_blocking(move || {
		let mut buf = vec![0u8; want];
		reader.read_exact(&mut buf).map(|()| (buf, reader))
	});
	let mut progress = handle.progress.clone();
	let mut worst_gap = 0;
	let stopped_at = loop {
		progress.changed().await.expect("progress");
		let p = progress.borrow().clone();
		worst_gap = worst_gap.max(p.verified - p.contiguous);
		if p.verified >= 40 {
			break p;
		}
	};
	println!("streaming: {stopped_at:?}, largest gap behind the front {worst_gap} pieces");
	assert!(
		worst_gap <= 2 * musicchain_swarm::fetch::PER_PROVIDER as u32 * 2,
		"pieces come in playback order (gap {worst_gap})"
	);
	let (head, mut reader) = reading.await.expect("join").expect("the prefix reads");
	let source = std::fs::read(&long.1.path).expect("read the source");
	assert!(head == source[..want], "the reader gives the file's bytes");

	// Stop the downloader in the middle, then start it again on the same
	// data directory: it keeps the pieces it had.
	d.host.shutdown().await;
	assert!(matches!(handle.finish().await, Err(swarm::DownloadError::Stopped)));
	// Past what was verified, the reader says why nothing more comes.
	reader.seek(std::io::SeekFrom::End(-1)).expect("seek");
	let err = tokio::task::spawn_blocking(move || reader.read(&mut [0u8; 1]))
		.await
		.expect("join")
		.expect_err("the download stopped");
	assert!(err.to_string().contains("the host has stopped"), "{err}");
	let d = spawn_at(d.dir, Role::Client, &[&m], Catalog::default(), |_| {}).await;
	until_providers(&d.host, long.0, 1).await;
	let got = fetch(&d.host, long.0, Some(manifest_root(&long.1.pieces))).await;
	println!("resumed with {} of {} pieces already on disk", got.resumed, got.pieces.len());
	assert!(got.resumed >= 40 && (got.resumed as usize) < got.pieces.len());
	check(&got, &long.1.path);
	drop(seeder);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_play_session_ends_in_a_receipt_signed_as_the_chain_checks() {
	use musicchain_swarm::{
		play::{keypair_from_seed, PlayRefusal},
		Payout, PlayError,
	};
	use polkadot_sdk::sp_core::{sr25519, Pair as _};
	let song = served(&fixtures().join("good").join("a-q6.ogg"));
	let genesis = [7u8; 32];
	let seed = [42u8; 32];
	let payout = Payout {
		key: std::sync::Arc::new(keypair_from_seed(&seed).expect("key")),
		genesis_hash: genesis,
	};
	let m = spawn(Role::MiniNode, &[], &[]).await;
	let server = spawn_with(Role::Client, &[&m], std::slice::from_ref(&song), |c| {
		c.payout = Some(payout.clone())
	})
	.await;
	let unpaid = spawn(Role::Client, &[&m], std::slice::from_ref(&song)).await;
	let listener = spawn(Role::Client, &[&m], &[]).await;
	until_providers(&listener.host, song.0, 2).await;
	let me = [5u8; 32];
	let (sp, up) = (server.host.peer_id(), unpaid.host.peer_id());

	// The server proves the account it is paid on.
	let account = listener.host.play_open(sp, song.0, 3, me, 1).await.expect("open");
	assert_eq!(account, payout.account());
	assert_eq!(account, sr25519::Pair::from_seed(&seed).public().0, "the same key as Substrate's");
	for (i, (from, to)) in [(0, 5_000), (5_000, 10_000), (10_000, 15_000)].into_iter().enumerate() {
		let n = listener.host.play_heartbeat(sp, me, 1, from, to).await.expect("heartbeat");
		assert_eq!(n as usize, i + 1);
	}
	let (receipt, signature) =
		listener.host.play_close(sp, me, 1, account, genesis).await.expect("a verified receipt");
	assert_eq!((receipt.song, receipt.content_hash, receipt.nonce), (3, song.0, 1));
	assert_eq!(receipt.heartbeats.len(), 3);
	assert!(receipt.heartbeats.windows(2).all(|w| w[0].at_ms < w[1].at_ms));
	// Substrate's verifier (what the runtime uses) accepts the signature.
	let ok = sr25519::Pair::verify(
		&sr25519::Signature::from_raw(signature),
		receipt.signing_payload(&genesis),
		&sr25519::Public::from_raw(account),
	);
	assert!(ok, "the receipt verifies with sp_core's sr25519");

	// Refusals: a closed session, unknown content, a peer without an account.
	let refused = |r: Result<u32, PlayError>, why: PlayRefusal| {
		assert!(matches!(r, Err(PlayError::Refused(w)) if w == why), "{r:?}");
	};
	refused(
		listener.host.play_heartbeat(sp, me, 1, 15_000, 20_000).await,
		PlayRefusal::UnknownSession,
	);
	let r = listener.host.play_open(sp, ContentHash([9; 32]), 3, me, 2).await;
	assert!(matches!(r, Err(PlayError::Refused(PlayRefusal::UnknownContent))), "{r:?}");
	let r = listener.host.play_open(up, song.0, 3, me, 2).await;
	assert!(matches!(r, Err(PlayError::Refused(PlayRefusal::NotPaid))), "{r:?}");
}
