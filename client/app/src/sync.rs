//! A library meets the chain: every scanned file is matched to the song it
//! already belongs to, added to a song it is another encoding of, or
//! registered as a new song (see `musicchain_chain::sync` for the order of
//! the checks).

use musicchain_audio::Analysis;
use musicchain_chain::{
	sync::{Outcome, SongFile, Splits},
	Chain, ChainError,
};
use musicchain_library::Record;
use musicchain_wallet::Account;
use std::path::{Path, PathBuf};

/// What the chain is told of a scanned file. Fails for a container that
/// has no on-chain format.
pub fn song_file(a: &Analysis) -> Result<SongFile, ChainError> {
	let format = a.format().ok_or_else(|| {
		ChainError::Other(format!(
			"the file's container (code {}) has no on-chain format",
			a.format
		))
	})?;
	Ok(SongFile {
		content_hash: a.content_hash,
		format,
		size: a.size,
		piece_size: a.piece_size,
		manifest_root: a.manifest_root,
		duration_ms: a.duration_ms,
		fingerprint: a.fingerprint.clone(),
		fingerprint_hash: a.fingerprint_hash,
		metadata: a.tags.to_metadata(),
	})
}

/// What happened to one file of a sync.
#[derive(Debug)]
pub struct FileSynced<'a> {
	pub path: &'a Path,
	pub analysis: &'a Analysis,
	/// Its place on chain, or why it has none (the sync goes on).
	pub result: Result<Outcome, ChainError>,
}

/// How a whole sync went.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncSummary {
	pub files: usize,
	/// Already on chain as a variant.
	pub known: usize,
	/// Added to a song, or registered for the verdict to fold into one.
	pub joined: usize,
	/// Registered as new songs.
	pub registered: usize,
	/// Files that could not be synced, with why.
	pub failed: Vec<(PathBuf, String)>,
}

/// Matches or registers every file in `files` with `owner`'s key,
/// reporting each file to `on_file` as it is done. Stops at once, with the
/// error, when the node is lost or `owner` cannot pay for a file's
/// transaction (nothing after it could sync either); any other failure is
/// the file's and the sync goes on.
pub async fn sync_library(
	chain: &Chain,
	owner: &Account,
	files: &[(PathBuf, Record)],
	splits: &Splits,
	mut on_file: impl FnMut(FileSynced<'_>),
) -> Result<SyncSummary, ChainError> {
	let threshold = chain.match_threshold_ppm().await?;
	let mut summary = SyncSummary { files: files.len(), ..SyncSummary::default() };
	for (path, record) in files {
		let analysis = &record.analysis;
		let result = match song_file(analysis) {
			Ok(file) => chain.sync_file(owner, &file, splits, threshold).await,
			Err(e) => Err(e),
		};
		let result = match result {
			Err(
				e @ (ChainError::Lost { .. }
				| ChainError::Reconnecting { .. }
				| ChainError::NoFunds { .. }),
			) => return Err(e),
			other => other,
		};
		match &result {
			Ok(Outcome::Known { .. }) => summary.known += 1,
			Ok(Outcome::Joined { .. } | Outcome::Claimed { .. }) => summary.joined += 1,
			Ok(Outcome::Registered { .. }) => summary.registered += 1,
			Err(e) => summary.failed.push((path.clone(), e.to_string())),
		}
		on_file(FileSynced { path, analysis, result });
	}
	Ok(summary)
}
