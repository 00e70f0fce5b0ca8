//! The libp2p host: one per client or mini-node. It owns the swarm and runs
//! on a tokio task ([`event_loop`]); [`Host`] is the handle the rest of the
//! program uses.
//!
//! The event loop's work is split by what it owns: [`download`] (the
//! downloads and their provider lookups), [`serve`] (answering manifest,
//! pieces and play requests, within per-peer limits) and [`presence`] (who
//! is online with what, the gossip and the address book). [`behaviour`]
//! builds the swarm, [`key`] keeps the peer identity.

mod behaviour;
mod download;
mod event_loop;
mod handle;
mod key;
mod links;
mod presence;
mod serve;

pub use behaviour::{relay_config, PRESENCE_TOPIC};
pub use handle::{DownloadHandle, Host};
pub use key::{load_or_create_key, KEY_FILE};
pub use links::{LinkKind, LinkStatus, FIRST_RETRY, MAX_RETRY};

use crate::{catalog::Catalog, error::HostError, fetch::Dropped, play::Payout, protocol::Digest};
use libp2p::{Multiaddr, PeerId};
use musicchain_primitives::{ContentHash, ManifestRoot};
use std::{
	path::{Path, PathBuf},
	sync::Arc,
	time::Duration,
};

/// Requests a server handles at once for one peer; more are refused `Busy`.
pub const SERVE_PER_PEER: usize = 8;
/// Requests a server handles at once in total.
pub const SERVE_TOTAL: usize = 128;
/// A connected peer that answers no ping for this long is taken as gone
/// (pings go every second).
pub const DEAD_AFTER: Duration = Duration::from_secs(6);

/// Which kind of peer this host is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
	/// A listener's or artist's client.
	Client,
	/// `musicchain relay`: relay server, Kademlia server, presence backbone.
	MiniNode,
}

/// How to run a host.
#[derive(Clone)]
pub struct HostConfig {
	pub role: Role,
	/// Holds the peer key, partial downloads and finished downloads.
	pub data_dir: PathBuf,
	/// Addresses to listen on (TCP and QUIC).
	pub listen: Vec<Multiaddr>,
	/// Mini-nodes to join (each ending in `/p2p/PEER_ID`).
	pub bootstrap: Vec<Multiaddr>,
	/// Addresses others can reach us at, announced in provider records.
	pub external: Vec<Multiaddr>,
	/// Take our listen addresses as reachable (a LAN, loopback, or a host
	/// with a public address).
	pub advertise_listen: bool,
	/// Mini-nodes to reserve a relay circuit through, so peers that cannot
	/// dial us directly still reach us.
	pub relay_via: Vec<Multiaddr>,
	/// Try DCUtR hole punching over relayed connections.
	pub hole_punch: bool,
	/// The account we are paid on, to sign play receipts with; without it
	/// play sessions are refused.
	pub payout: Option<Payout>,
}

impl HostConfig {
	/// A client listening on every interface on random ports.
	pub fn client(data_dir: &Path) -> HostConfig {
		HostConfig {
			role: Role::Client,
			data_dir: data_dir.to_path_buf(),
			listen: vec![
				"/ip4/0.0.0.0/tcp/0".parse().expect("valid multiaddr"),
				"/ip4/0.0.0.0/udp/0/quic-v1".parse().expect("valid multiaddr"),
			],
			bootstrap: Vec::new(),
			external: Vec::new(),
			advertise_listen: false,
			relay_via: Vec::new(),
			hole_punch: true,
			payout: None,
		}
	}
}

/// Progress of a download.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Progress {
	/// Size of the file, once a manifest is in.
	pub size: u64,
	pub pieces: u32,
	pub verified: u32,
	/// Verified pieces from the start without a gap (what a player can use).
	pub contiguous: u32,
	pub providers: usize,
	/// Time from the request to the first verified piece.
	pub first_piece: Option<Duration>,
}

/// A finished download.
#[derive(Clone, Debug)]
pub struct Downloaded {
	pub path: PathBuf,
	pub size: u64,
	pub format: u8,
	pub pieces: Arc<Vec<[u8; 32]>>,
	/// Pieces that were already on disk from an earlier, interrupted run.
	pub resumed: u32,
	pub first_piece: Option<Duration>,
	/// Pieces each provider delivered.
	pub delivered: Vec<(PeerId, u64)>,
	/// Providers dropped, and why.
	pub dropped: Vec<(PeerId, Dropped)>,
}

/// What to download.
#[derive(Clone, Debug)]
pub struct DownloadRequest {
	pub content_hash: ContentHash,
	/// The manifest root to check manifests against (the chain's); without
	/// one, the first manifest is taken and the whole file's content hash is
	/// the only check.
	pub root: Option<ManifestRoot>,
	/// Stream: fetch from this piece on first, in order.
	pub stream_from: Option<u32>,
	/// What the finished file is called in the downloads folder, without
	/// its extension (such as "Artist - Title"; made safe for a file name);
	/// `None`: its content hash.
	pub name: Option<String>,
}

/// Counters, for `musicchain peers` and the presence measurements.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
	/// Announcements of our own library (hello and delta) and their payload bytes.
	pub announces_sent: u64,
	pub announce_bytes: u64,
	/// Presence requests (hello, delta, list, view) sent, and their payload bytes.
	pub presence_sent: u64,
	pub presence_sent_bytes: u64,
	/// Presence requests received, by kind.
	pub hellos_received: u64,
	pub deltas_received: u64,
	pub lists_served: u64,
	pub lists_pulled: u64,
	pub gossip_published: u64,
	pub pieces_served: u64,
	pub bytes_served: u64,
	/// Requests refused (bad, too large, unknown, busy).
	pub refused: u64,
	/// Inbound messages that could not be read.
	pub malformed: u64,
}

/// A connected peer.
#[derive(Clone, Debug)]
pub struct Connection {
	pub peer: PeerId,
	pub addr: Multiaddr,
	pub relayed: bool,
}

/// An online peer as presence sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnlinePeer {
	pub peer: PeerId,
	pub digest: Digest,
	pub files: u32,
	/// Whether the list behind the digest is held.
	pub listed: bool,
}

/// Starts a host serving `catalog`. Must be called inside a tokio runtime.
pub async fn start(config: HostConfig, catalog: Catalog) -> Result<Host, HostError> {
	event_loop::EventLoop::start(config, catalog)
}
