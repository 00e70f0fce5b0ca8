//! `musicchain-node --dev` end to end over JSON-RPC: finality, a song
//! registered and judged Unique by the offchain worker, another encoding
//! folded in as a variant, `musicchain_matchFingerprint` finding a third
//! encoding, and garbage input answered with errors while blocks go on.

mod common;

use common::*;
use musicchain_primitives::{
	blake2_256, fingerprint::Fingerprint, sha2_256, ContentHash, Format, ManifestRoot, Metadata,
	SongId, PIECE_SIZE,
};
use musicchain_runtime::{AccountId, BlockNumber, RuntimeCall};
use pallet_musicchain_songs::{SongRecord, SongStatus, VariantInfo, VariantRecord};
use polkadot_sdk::{
	frame_support::BoundedVec, sp_keyring::Sr25519Keyring::Eve, sp_runtime::Permill,
};
use serde_json::json;
use std::{path::Path, time::Duration};

const MINUTE: Duration = Duration::from_secs(60);

/// A fixture file as the client registers it: its fingerprint (by fpcalc),
/// duration, content hash and format.
struct Recording {
	compressed: Vec<u8>,
	duration_ms: u32,
	content_hash: ContentHash,
	size: u64,
	format: Format,
}

impl Recording {
	fn of(path: &Path, format: Format) -> Recording {
		let (items, duration_ms) = fpcalc(path);
		let bytes = std::fs::read(path).expect("fixture file");
		Recording {
			compressed: Fingerprint { algorithm: 1, items }.compress(),
			duration_ms,
			content_hash: ContentHash(sha2_256(&bytes)),
			size: bytes.len() as u64,
			format,
		}
	}

	fn fingerprint_hash(&self) -> [u8; 32] {
		blake2_256(&self.compressed)
	}

	fn register(&self) -> RuntimeCall {
		RuntimeCall::Songs(pallet_musicchain_songs::Call::register {
			fingerprint: BoundedVec::truncate_from(self.compressed.clone()),
			duration_ms: self.duration_ms,
			metadata: Metadata::from_strs(
				"Fixture Song",
				"The Generators",
				"Synthetic Sessions",
				"Electronic",
				Some(2024),
				Some(3),
			),
			splits: BoundedVec::truncate_from(vec![(
				polkadot_sdk::sp_keyring::Sr25519Keyring::Ferdie.to_account_id(),
				Permill::from_percent(10),
			)]),
			variant: VariantInfo {
				content_hash: self.content_hash,
				format: self.format,
				size: self.size,
				piece_size: PIECE_SIZE,
				manifest_root: ManifestRoot(sha2_256(self.content_hash.as_ref())),
			},
		})
	}
}

fn song(node: &Node, id: SongId) -> Option<SongRecord<AccountId, BlockNumber>> {
	node.state_call("MusicchainApi_song", id)
}

fn song_by_fingerprint(node: &Node, hash: [u8; 32]) -> Option<SongId> {
	node.state_call("MusicchainApi_song_by_fingerprint", hash)
}

fn variants(node: &Node, id: SongId) -> Vec<(ContentHash, VariantRecord)> {
	node.state_call("MusicchainApi_variants", id)
}

#[test]
fn dev_node_registers_dedupes_and_matches_songs() {
	let fixtures = fixtures();
	let flac = Recording::of(&fixtures.join("good/a.flac"), Format::Flac);
	let mp3 = Recording::of(&fixtures.join("good/a-128k.mp3"), Format::Mp3);
	let ogg = Recording::of(&fixtures.join("good/a-q6.ogg"), Format::Ogg);
	let other = Recording::of(&fixtures.join("other/b.flac"), Format::Flac);

	let dir = tempfile::tempdir().expect("temp dir");
	let args: Vec<String> = [
		"--dev",
		"--base-path",
		dir.path().to_str().expect("utf-8 path"),
		"--port",
		&free_port().to_string(),
		"--no-mdns",
	]
	.iter()
	.map(|s| s.to_string())
	.collect();
	let node = Node::start("dev", &args, dir.path().join("node.log"));

	node.wait("finalized block", 3 * MINUTE, || node.finalized() >= 1);

	// Eve registers the FLAC; the offchain worker judges it Unique.
	node.submit(Eve, flac.register()).expect("register accepted by the pool");
	node.wait("song 0 registered", MINUTE, || song(&node, 0).is_some());
	node.wait("song 0 Active", 2 * MINUTE, || {
		song(&node, 0).is_some_and(|s| s.status == SongStatus::Active)
	});
	let record = song(&node, 0).expect("song 0");
	assert_eq!(record.artist, Eve.to_account_id());
	assert_eq!(record.fingerprint_hash, flac.fingerprint_hash());

	// The same recording as a 128 kb/s MP3 registers as song 1, pending;
	// the offchain worker folds it into song 0 as a second file.
	node.submit(Eve, mp3.register()).expect("register accepted by the pool");
	node.wait("the MP3 folded into song 0", 2 * MINUTE, || {
		song_by_fingerprint(&node, mp3.fingerprint_hash()) == Some(0)
	});
	let files = variants(&node, 0);
	assert_eq!(files.len(), 2, "song 0 has the FLAC and the MP3");
	assert!(files.iter().any(|(hash, _)| *hash == mp3.content_hash));
	assert_eq!(song(&node, 1), None, "the duplicate's own record is gone");

	// A third encoding, never registered, is found by the RPC.
	let found = node
		.rpc("musicchain_matchFingerprint", json!([hex(&ogg.compressed)]))
		.expect("matchFingerprint");
	let found = found.as_array().expect("a list");
	assert!(!found.is_empty(), "the Vorbis encoding matches");
	assert_eq!(found[0]["song"], 0);
	assert_eq!(found[0]["status"], "active");
	assert_eq!(found[0]["title"], "Fixture Song");
	let similarity = found[0]["similarity"].as_f64().expect("similarity");
	assert!(similarity >= 0.85, "similarity {similarity}");
	eprintln!("matchFingerprint(a-q6.ogg) = {found:?}");

	// A different recording does not match song 0.
	let found = node
		.rpc("musicchain_matchFingerprint", json!([hex(&other.compressed)]))
		.expect("matchFingerprint");
	let found = found.as_array().expect("a list");
	assert!(
		found.iter().all(|m| m["song"] != 0 || m["similarity"].as_f64() < Some(0.85)),
		"{found:?}"
	);

	// Garbage in: each gets an error response.
	let before = node.best();
	let bad_extrinsic = node.rpc("author_submitExtrinsic", json!(["0xdeadbeef"]));
	assert!(bad_extrinsic.is_err(), "a malformed extrinsic is refused");
	let forged = musicchain_runtime::UncheckedExtrinsic::new_signed(
		flac.register(),
		polkadot_sdk::sp_runtime::MultiAddress::Id(Eve.to_account_id()),
		polkadot_sdk::sp_runtime::MultiSignature::Sr25519(
			polkadot_sdk::sp_core::sr25519::Signature::from_raw([7; 64]),
		),
		musicchain_runtime::tx_extension(
			node.nonce(Eve),
			polkadot_sdk::sp_runtime::generic::Era::Immortal,
			0,
		),
	);
	let forged = node.rpc("author_submitExtrinsic", json!([hex(&codec::Encode::encode(&forged))]));
	assert!(forged.is_err(), "a badly signed extrinsic is refused");
	for params in [json!(["0x00"]), json!(["not hex"]), json!([42]), json!([]), json!({"x": 1})] {
		let err = node
			.rpc("musicchain_matchFingerprint", params.clone())
			.expect_err("malformed parameters are refused");
		assert!(err.code < 0, "{params}: {err:?}");
	}
	let too_big = hex(&vec![1u8; 20_000]);
	let err = node.rpc("musicchain_matchFingerprint", json!([too_big])).expect_err("too big");
	assert!(err.message.contains("at most"), "{err:?}");
	assert!(node.rpc("no_suchMethod", json!([])).is_err());
	let junk = post(node.rpc_port, "{{{ not json").expect("an HTTP answer");
	assert!(junk.contains("error"), "{junk}");

	node.wait("blocks after the garbage", MINUTE, || node.best() >= before + 2);

	// The operator's subcommands on the chain this test made: export the
	// blocks, import them into a fresh database, purge that database.
	let mut node = node;
	node.stop();
	let base = dir.path().to_str().expect("utf-8 path");
	let blocks = dir.path().join("blocks.bin");
	let blocks = blocks.to_str().expect("utf-8 path");
	let out = std::process::Command::new(NODE)
		.args(["export-blocks", "--dev", "--base-path", base, "--binary", "--to", "5", blocks])
		.output()
		.expect("export-blocks");
	assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
	let fresh = tempfile::tempdir().expect("temp dir");
	let fresh = fresh.path().to_str().expect("utf-8 path");
	let out = std::process::Command::new(NODE)
		.args(["import-blocks", "--dev", "--base-path", fresh, "--binary", blocks])
		.output()
		.expect("import-blocks");
	let log = String::from_utf8_lossy(&out.stderr);
	assert!(out.status.success(), "{log}");
	assert!(log.contains("Imported 5 blocks"), "blocks #1 to #5: {log}");
	let out = std::process::Command::new(NODE)
		.args(["purge-chain", "--dev", "--base-path", fresh, "-y"])
		.output()
		.expect("purge-chain");
	assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
