//! What can go wrong in the swarm, as the rest of the program sees it.

use super::play::PlayRefusal;
use libp2p::Multiaddr;
use std::{path::PathBuf, time::Duration};

/// Errors of the host.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
	#[error("peer key {path}")]
	Key { path: PathBuf, source: std::io::Error },
	#[error("peer key {path} is damaged: {reason}")]
	BadKey { path: PathBuf, reason: String },
	#[error("cannot set up the network: {0}")]
	Setup(String),
	#[error("cannot listen on {addr}: {reason}")]
	Listen { addr: Multiaddr, reason: String },
	#[error("the host has stopped")]
	Stopped,
}

/// Why a download failed.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
	#[error(
		"no online peer serves this content (looked for {:.1} s){}",
		waited.as_secs_f64(),
		unreachable_links(links)
	)]
	NoProvider {
		waited: Duration,
		/// The mini-nodes and relays that could not be reached meanwhile.
		links: Vec<String>,
	},
	#[error("every provider failed or was dropped ({0})")]
	ProvidersFailed(String),
	#[error(
		"the downloaded file does not match its content hash (a provider sent a wrong manifest)"
	)]
	ContentMismatch,
	#[error("cannot write the download: {0}")]
	Io(#[from] std::io::Error),
	#[error("the host has stopped")]
	Stopped,
}

/// "; and no mini-node can be reached: ..." when some could not.
fn unreachable_links(links: &[String]) -> String {
	if links.is_empty() {
		String::new()
	} else {
		format!("; the network cannot be reached: {}", links.join("; "))
	}
}

/// Why a play session request failed, listener side.
#[derive(Debug, thiserror::Error)]
pub enum PlayError {
	#[error("the server refused: {0}")]
	Refused(PlayRefusal),
	#[error("cannot reach the server: {0}")]
	Network(String),
	#[error("the server's account binding does not verify")]
	BadBinding,
	#[error("the server's receipt is malformed, not ours, or its signature does not verify")]
	BadReceipt,
	#[error("the server answered out of turn: {0}")]
	Unexpected(String),
}
