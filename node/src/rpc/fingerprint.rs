//! `musicchain_matchFingerprint`: the songs this node's offchain
//! fingerprint index finds for a fingerprint, with their similarity.
//!
//! The index is the one the dedupe offchain worker keeps and judges with,
//! read through the same matcher (`musicchain_primitives::fingerprint`), so
//! the RPC and the chain's verdicts agree.

use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::{error::INVALID_PARAMS_CODE, ErrorObjectOwned},
};
use musicchain_primitives::{
	fingerprint::{
		codec::decompress,
		index::{self, IndexStore},
		MAX_COMPRESSED_LEN,
	},
	SongId,
};
use musicchain_runtime::{opaque::Block, AccountId, Balance, BlockNumber};
use musicchain_runtime_api::MusicchainApi as MusicchainRuntimeApi;
use pallet_musicchain_songs::{offchain, SongStatus};
use polkadot_sdk::{
	sp_api::ProvideRuntimeApi,
	sp_blockchain::HeaderBackend,
	sp_core::{
		offchain::{OffchainStorage, STORAGE_PREFIX},
		Bytes, H256,
	},
	sp_runtime::traits::Block as BlockT,
};
use serde::{Deserialize, Serialize};
use std::{collections::BTreeMap, sync::Arc};

/// Full comparisons per query, as the offchain worker does.
const MAX_CANDIDATES: usize = offchain::MAX_CANDIDATES;

/// A registered song whose fingerprint matches the query.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FingerprintMatch {
	pub song: SongId,
	/// `1 - bit error rate` at the best alignment, 0.0 to 1.0.
	pub similarity: f64,
	/// The same in parts per million (what the chain compares).
	pub similarity_ppm: u32,
	/// Sub-fingerprints (about 124 ms each) the two overlap at that alignment.
	pub overlap: u32,
	/// The query's sub-fingerprint `i` lines up with the song's `i + offset`.
	pub offset: i32,
	/// The matched fingerprint (the song's own or one folded into it).
	pub fingerprint_hash: H256,
	/// `pending`, `active` or `hidden`.
	pub status: String,
	pub title: String,
	pub artist: String,
	pub duration_ms: u32,
}

#[rpc(server, namespace = "musicchain")]
pub trait MusicchainApi<BlockHash> {
	/// The songs this node's fingerprint index finds for `fingerprint` (a
	/// compressed Chromaprint fingerprint, as `songs.register` takes it),
	/// best first, at most one entry per song, resolved against the state
	/// at block `at` (the best block by default).
	#[method(name = "matchFingerprint", blocking)]
	fn match_fingerprint(
		&self,
		fingerprint: Bytes,
		at: Option<BlockHash>,
	) -> RpcResult<Vec<FingerprintMatch>>;
}

/// The implementation over a client (for the chain's state) and the
/// node's offchain database (for the index).
pub struct MusicchainRpc<C, S> {
	client: Arc<C>,
	offchain: Option<S>,
}

impl<C, S> MusicchainRpc<C, S> {
	pub fn new(client: Arc<C>, offchain: Option<S>) -> Self {
		Self { client, offchain }
	}
}

/// The offchain database seen as the index's key/value store.
struct NodeIndex<S>(S);

impl<S: OffchainStorage> IndexStore for NodeIndex<S> {
	fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
		self.0.get(STORAGE_PREFIX, key)
	}
	fn set(&mut self, key: &[u8], value: &[u8]) {
		self.0.set(STORAGE_PREFIX, key, value)
	}
}

fn invalid_params(message: String) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(INVALID_PARAMS_CODE, message, None::<()>)
}

/// Errors that are the node's, not the caller's.
const NODE_ERROR_CODE: i32 = musicchain_primitives::fingerprint::MATCH_RPC_NODE_ERROR;

fn node_error(message: String) -> ErrorObjectOwned {
	ErrorObjectOwned::owned(NODE_ERROR_CODE, message, None::<()>)
}

fn status_name(status: SongStatus) -> &'static str {
	match status {
		SongStatus::Pending => "pending",
		SongStatus::Active => "active",
		SongStatus::Hidden => "hidden",
	}
}

impl<C, S> MusicchainApiServer<<Block as BlockT>::Hash> for MusicchainRpc<C, S>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: MusicchainRuntimeApi<Block, AccountId, BlockNumber, Balance>,
	S: OffchainStorage + 'static,
{
	fn match_fingerprint(
		&self,
		fingerprint: Bytes,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<Vec<FingerprintMatch>> {
		if fingerprint.len() > MAX_COMPRESSED_LEN as usize {
			return Err(invalid_params(format!(
				"the fingerprint is {} bytes; a compressed fingerprint has at most {MAX_COMPRESSED_LEN}",
				fingerprint.len()
			)));
		}
		let query = decompress(&fingerprint).map_err(|e| {
			invalid_params(format!("not a compressed Chromaprint fingerprint ({e:?})"))
		})?;
		let store = NodeIndex(self.offchain.clone().ok_or_else(|| {
			node_error("this node has no offchain database, so no fingerprint index".into())
		})?);
		if store.get(offchain::CURSOR_KEY).is_none() {
			return Err(node_error(
				"this node's offchain worker has not built the fingerprint index: run the node \
				 with `--offchain-worker always` (validators run it by default) and offchain \
				 indexing on (the default)"
					.into(),
			));
		}
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let api = self.client.runtime_api();

		let mut best: BTreeMap<SongId, FingerprintMatch> = BTreeMap::new();
		for found in index::matches(&store, &query.items, None, MAX_CANDIDATES) {
			let fingerprint_hash = H256(found.hash.0);
			let Some(song) = api
				.song_by_fingerprint(at, found.hash)
				.map_err(|e| node_error(format!("runtime call failed: {e}")))?
			else {
				continue; // indexed here, but not registered in this block's state
			};
			if best.get(&song).is_some_and(|b| b.similarity_ppm >= found.alignment.similarity_ppm) {
				continue;
			}
			let Some(record) =
				api.song(at, song).map_err(|e| node_error(format!("runtime call failed: {e}")))?
			else {
				continue;
			};
			best.insert(
				song,
				FingerprintMatch {
					song,
					similarity: f64::from(found.alignment.similarity_ppm) / 1e6,
					similarity_ppm: found.alignment.similarity_ppm,
					overlap: found.alignment.overlap,
					offset: found.alignment.offset,
					fingerprint_hash,
					status: status_name(record.status).into(),
					title: String::from_utf8_lossy(&record.metadata.title).into_owned(),
					artist: String::from_utf8_lossy(&record.metadata.artist).into_owned(),
					duration_ms: record.duration_ms,
				},
			);
		}
		let mut found: Vec<_> = best.into_values().collect();
		found.sort_by(|a, b| b.similarity_ppm.cmp(&a.similarity_ppm).then(a.song.cmp(&b.song)));
		Ok(found)
	}
}
