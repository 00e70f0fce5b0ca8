//! The libp2p host: one per client or mini-node. It owns the swarm and runs
//! on a tokio task; [`Host`] is the handle the rest of the program uses.

use super::{
	catalog::{Catalog, Served},
	fetch::{Dropped, Schedule},
	files::{self, RunningHash},
	play::{self, Payout, PlayRefusal},
	presence::{Actions, Gossip, ListMismatch, Presence, BEACON_INTERVAL},
	protocol::{self, hex, Codec, Digest, Refusal, Request, Response, MAX_PIECES, MAX_VIEW},
};
use codec::Decode;
use futures::StreamExt;
use libp2p::{
	autonat, dcutr, gossipsub, identify, identity,
	kad::{self, store::MemoryStore, store::MemoryStoreConfig, RecordKey},
	multiaddr::Protocol,
	noise, ping, relay,
	request_response::{self, OutboundRequestId, ProtocolSupport, ResponseChannel},
	swarm::{behaviour::toggle::Toggle, dial_opts::DialOpts, NetworkBehaviour, SwarmEvent},
	tcp, yamux, Multiaddr, PeerId, Swarm,
};
use musicchain_primitives::{
	manifest_root, receipt::SessionReceipt, ContentHash, ManifestRoot, PIECE_SIZE,
};
use std::{
	collections::{HashMap, HashSet, VecDeque},
	fs::File,
	path::{Path, PathBuf},
	sync::Arc,
	time::{Duration, Instant},
};
use tokio::sync::{mpsc, oneshot, watch};

mod download;
mod presence;
mod serve;

/// File name of the peer key inside the data directory.
pub const KEY_FILE: &str = "peer.key";
/// The presence gossip topic.
pub const PRESENCE_TOPIC: &str = "/musicchain/presence/1";

/// Requests a server handles at once for one peer; more are refused `Busy`.
pub const SERVE_PER_PEER: usize = 8;
/// Requests a server handles at once in total.
pub const SERVE_TOTAL: usize = 128;
/// Provider records published at once.
const PROVIDE_AT_ONCE: usize = 8;
/// A connected peer that answers no ping for this long is taken as gone
/// (pings go every second).
pub const DEAD_AFTER: Duration = Duration::from_secs(6);
/// How often an active download's schedule is looked at without an event.
const REPUMP: Duration = Duration::from_millis(100);
/// A download looks for more providers while it has fewer than this.
const WANTED_PROVIDERS: usize = 8;
/// A provider whose manifest request failed is not asked again for this long
/// (a stale provider record would otherwise be dialled every second).
const MANIFEST_RETRY: Duration = Duration::from_secs(10);
/// A download with providers but no new piece for this long says so (and
/// again every as long), with what each provider is doing.
const STALL_WARNING: Duration = Duration::from_secs(5);
/// A download with no provider for this long fails.
const NO_PROVIDER_TIMEOUT: Duration = Duration::from_secs(30);

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
	#[error("no online peer serves this content (looked for {0:?})")]
	NoProvider(Duration),
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
	#[error("unexpected answer: {0}")]
	Unexpected(String),
}

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

enum Command {
	Addrs(oneshot::Sender<Vec<Multiaddr>>),
	Dial(Multiaddr, oneshot::Sender<Result<(), String>>),
	Download(
		DownloadRequest,
		watch::Sender<Progress>,
		oneshot::Sender<Result<Downloaded, DownloadError>>,
	),
	Serve(ContentHash, Served),
	Unserve(ContentHash),
	Online(oneshot::Sender<Vec<OnlinePeer>>),
	OnlineContent(oneshot::Sender<Vec<ContentHash>>),
	Providers(ContentHash, oneshot::Sender<Vec<PeerId>>),
	Stats(oneshot::Sender<Stats>),
	Connections(oneshot::Sender<Vec<Connection>>),
	Play(PeerId, Request, oneshot::Sender<Result<Response, String>>),
	Shutdown(oneshot::Sender<()>),
}

/// The handle of a running host.
#[derive(Clone)]
pub struct Host {
	peer_id: PeerId,
	commands: mpsc::UnboundedSender<Command>,
}

/// A download in progress: wait for it with [`DownloadHandle::finish`].
pub struct DownloadHandle {
	pub progress: watch::Receiver<Progress>,
	done: oneshot::Receiver<Result<Downloaded, DownloadError>>,
}

impl DownloadHandle {
	pub async fn finish(self) -> Result<Downloaded, DownloadError> {
		self.done.await.unwrap_or(Err(DownloadError::Stopped))
	}
}

impl Host {
	pub fn peer_id(&self) -> PeerId {
		self.peer_id
	}

	async fn ask<T>(
		&self,
		make: impl FnOnce(oneshot::Sender<T>) -> Command,
	) -> Result<T, HostError> {
		let (tx, rx) = oneshot::channel();
		self.commands.send(make(tx)).map_err(|_| HostError::Stopped)?;
		rx.await.map_err(|_| HostError::Stopped)
	}

	/// Our listen addresses (each with `/p2p/PEER_ID`), once at least one is up.
	pub async fn addrs(&self) -> Result<Vec<Multiaddr>, HostError> {
		self.ask(Command::Addrs).await
	}

	pub async fn dial(&self, addr: Multiaddr) -> Result<Result<(), String>, HostError> {
		self.ask(|tx| Command::Dial(addr, tx)).await
	}

	pub fn download(&self, request: DownloadRequest) -> Result<DownloadHandle, HostError> {
		let (ptx, prx) = watch::channel(Progress::default());
		let (tx, rx) = oneshot::channel();
		self.commands.send(Command::Download(request, ptx, tx)).map_err(|_| HostError::Stopped)?;
		Ok(DownloadHandle { progress: prx, done: rx })
	}

	/// Serves one more file (announced to peers as a presence delta).
	pub fn serve(&self, hash: ContentHash, served: Served) -> Result<(), HostError> {
		self.commands.send(Command::Serve(hash, served)).map_err(|_| HostError::Stopped)
	}

	pub fn unserve(&self, hash: ContentHash) -> Result<(), HostError> {
		self.commands.send(Command::Unserve(hash)).map_err(|_| HostError::Stopped)
	}

	pub async fn online(&self) -> Result<Vec<OnlinePeer>, HostError> {
		self.ask(Command::Online).await
	}

	/// Every content hash with an online provider now (what Discover shows).
	pub async fn online_content(&self) -> Result<Vec<ContentHash>, HostError> {
		self.ask(Command::OnlineContent).await
	}

	/// Online peers serving `hash`, as presence sees them.
	pub async fn providers(&self, hash: ContentHash) -> Result<Vec<PeerId>, HostError> {
		self.ask(|tx| Command::Providers(hash, tx)).await
	}

	pub async fn stats(&self) -> Result<Stats, HostError> {
		self.ask(Command::Stats).await
	}

	pub async fn connections(&self) -> Result<Vec<Connection>, HostError> {
		self.ask(Command::Connections).await
	}

	async fn play(&self, peer: PeerId, request: Request) -> Result<Response, PlayError> {
		match self.ask(|tx| Command::Play(peer, request, tx)).await {
			Ok(Ok(Response::PlayRefused(why))) => Err(PlayError::Refused(why)),
			Ok(Ok(r)) => Ok(r),
			Ok(Err(e)) => Err(PlayError::Network(e)),
			Err(_) => Err(PlayError::Network("the host has stopped".into())),
		}
	}

	/// Opens a play session with the peer serving the file: returns the
	/// account the server is paid on, checked against its signed binding.
	pub async fn play_open(
		&self,
		peer: PeerId,
		content_hash: ContentHash,
		song: u32,
		listener: [u8; 32],
		nonce: u64,
	) -> Result<[u8; 32], PlayError> {
		match self.play(peer, Request::PlayOpen { content_hash, song, listener, nonce }).await? {
			Response::PlayOpened { server, binding } => {
				let binding: [u8; 64] = binding.try_into().map_err(|_| PlayError::BadBinding)?;
				if play::verify_binding(&peer, &server, &binding) {
					Ok(server)
				} else {
					Err(PlayError::BadBinding)
				}
			},
			other => Err(PlayError::Unexpected(format!("{other:?}"))),
		}
	}

	/// Reports that `[from_ms, to_ms)` was played; returns the heartbeats so far.
	pub async fn play_heartbeat(
		&self,
		peer: PeerId,
		listener: [u8; 32],
		nonce: u64,
		from_ms: u32,
		to_ms: u32,
	) -> Result<u32, PlayError> {
		match self.play(peer, Request::Heartbeat { listener, nonce, from_ms, to_ms }).await? {
			Response::Heartbeats { count } => Ok(count),
			other => Err(PlayError::Unexpected(format!("{other:?}"))),
		}
	}

	/// Ends the session: the server's signed receipt, checked against
	/// `server` (from [`Host::play_open`]) and the chain's genesis hash.
	pub async fn play_close(
		&self,
		peer: PeerId,
		listener: [u8; 32],
		nonce: u64,
		server: [u8; 32],
		genesis_hash: [u8; 32],
	) -> Result<(SessionReceipt<[u8; 32]>, [u8; 64]), PlayError> {
		match self.play(peer, Request::PlayClose { listener, nonce }).await? {
			Response::Receipt { receipt, signature } => {
				let receipt = SessionReceipt::<[u8; 32]>::decode(&mut &receipt[..])
					.map_err(|_| PlayError::BadReceipt)?;
				let signature: [u8; 64] =
					signature.try_into().map_err(|_| PlayError::BadReceipt)?;
				let ours = receipt.listener == listener
					&& receipt.nonce == nonce
					&& receipt.server == server;
				if ours && play::verify_receipt(&receipt, &genesis_hash, &signature) {
					Ok((receipt, signature))
				} else {
					Err(PlayError::BadReceipt)
				}
			},
			other => Err(PlayError::Unexpected(format!("{other:?}"))),
		}
	}

	/// Closes every connection (so peers see us leave at once) and stops.
	pub async fn shutdown(&self) {
		let _ = self.ask(Command::Shutdown).await;
	}
}

/// Loads the peer key from `data_dir`, creating it on first use.
pub fn load_or_create_key(data_dir: &Path) -> Result<identity::Keypair, HostError> {
	let path = data_dir.join(KEY_FILE);
	let key_err = |source| HostError::Key { path: path.clone(), source };
	match std::fs::read(&path) {
		Ok(bytes) => identity::Keypair::from_protobuf_encoding(&bytes)
			.map_err(|e| HostError::BadKey { path: path.clone(), reason: e.to_string() }),
		Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
			std::fs::create_dir_all(data_dir).map_err(key_err)?;
			let key = identity::Keypair::generate_ed25519();
			let bytes = key
				.to_protobuf_encoding()
				.map_err(|e| HostError::BadKey { path: path.clone(), reason: e.to_string() })?;
			let tmp = path.with_extension("tmp");
			{
				use std::{io::Write, os::unix::fs::OpenOptionsExt};
				let mut f = std::fs::OpenOptions::new()
					.write(true)
					.create(true)
					.truncate(true)
					.mode(0o600)
					.open(&tmp)
					.map_err(key_err)?;
				f.write_all(&bytes).map_err(key_err)?;
				f.sync_all().map_err(key_err)?;
			}
			std::fs::rename(&tmp, &path).map_err(key_err)?;
			Ok(key)
		},
		Err(e) => Err(key_err(e)),
	}
}

#[derive(NetworkBehaviour)]
struct Behaviour {
	relay_client: relay::client::Behaviour,
	relay: Toggle<relay::Behaviour>,
	dcutr: Toggle<dcutr::Behaviour>,
	autonat: autonat::Behaviour,
	identify: identify::Behaviour,
	ping: ping::Behaviour,
	kad: kad::Behaviour<MemoryStore>,
	gossip: gossipsub::Behaviour,
	manifest: request_response::Behaviour<Codec>,
	pieces: request_response::Behaviour<Codec>,
	presence: request_response::Behaviour<Codec>,
	play: request_response::Behaviour<Codec>,
}

/// The relay server's limits: raised from libp2p's defaults (2 minutes,
/// 128 KiB per circuit) so a whole song can flow through a circuit, with
/// caps on circuits and reservations so a flood cannot exhaust the node.
pub fn relay_config() -> relay::Config {
	relay::Config {
		max_reservations: 1024,
		max_reservations_per_peer: 4,
		reservation_duration: Duration::from_secs(60 * 60),
		max_circuits: 256,
		max_circuits_per_peer: 8,
		max_circuit_duration: Duration::from_secs(60 * 60),
		max_circuit_bytes: 1 << 30,
		..relay::Config::default()
	}
}

fn rr(
	codec: &Codec,
	protocol: libp2p::StreamProtocol,
	timeout: Duration,
) -> request_response::Behaviour<Codec> {
	request_response::Behaviour::with_codec(
		codec.clone(),
		[(protocol, ProtocolSupport::Full)],
		request_response::Config::default()
			.with_request_timeout(timeout)
			.with_max_concurrent_streams(256),
	)
}

fn build_swarm(
	key: identity::Keypair,
	config: &HostConfig,
	codec: &Codec,
) -> Result<Swarm<Behaviour>, HostError> {
	let setup = |e: &dyn std::fmt::Display| HostError::Setup(e.to_string());
	let peer_id = key.public().to_peer_id();
	let mini = config.role == Role::MiniNode;
	let gossip_config = gossipsub::ConfigBuilder::default()
		.heartbeat_interval(Duration::from_millis(700))
		.validation_mode(gossipsub::ValidationMode::Strict)
		.max_transmit_size(64 * 1024)
		.build()
		.map_err(|e| setup(&e))?;
	let mut gossip = gossipsub::Behaviour::new(
		gossipsub::MessageAuthenticity::Signed(key.clone()),
		gossip_config,
	)
	.map_err(|e| setup(&e))?;
	gossip.subscribe(&gossipsub::IdentTopic::new(PRESENCE_TOPIC)).map_err(|e| setup(&e))?;

	let mut kad_config = kad::Config::new(protocol::KADEMLIA);
	kad_config.set_query_timeout(Duration::from_secs(20));
	let store = MemoryStore::with_config(
		peer_id,
		MemoryStoreConfig {
			max_provided_keys: 1_000_000,
			max_records: 1024,
			..MemoryStoreConfig::default()
		},
	);
	let mut kad = kad::Behaviour::with_config(peer_id, store, kad_config);
	kad.set_mode(Some(if mini { kad::Mode::Server } else { kad::Mode::Client }));

	let tcp_config = tcp::Config::default().nodelay(true);
	let swarm = libp2p::SwarmBuilder::with_existing_identity(key)
		.with_tokio()
		.with_tcp(tcp_config, noise::Config::new, yamux::Config::default)
		.map_err(|e| setup(&e))?
		.with_quic()
		.with_relay_client(noise::Config::new, yamux::Config::default)
		.map_err(|e| setup(&e))?
		.with_behaviour(|key, relay_client| Behaviour {
			relay_client,
			relay: Toggle::from(mini.then(|| relay::Behaviour::new(peer_id, relay_config()))),
			dcutr: Toggle::from(
				(!mini && config.hole_punch).then(|| dcutr::Behaviour::new(peer_id)),
			),
			autonat: autonat::Behaviour::new(peer_id, autonat::Config::default()),
			identify: identify::Behaviour::new(
				identify::Config::new(protocol::IDENTIFY.to_string(), key.public())
					.with_agent_version(format!("musicchain/{}", env!("CARGO_PKG_VERSION")))
					.with_push_listen_addr_updates(true),
			),
			ping: ping::Behaviour::new(
				ping::Config::new()
					.with_interval(Duration::from_secs(1))
					.with_timeout(Duration::from_secs(5)),
			),
			kad,
			gossip,
			manifest: rr(codec, protocol::MANIFEST, Duration::from_secs(10)),
			pieces: rr(codec, protocol::PIECES, Duration::from_secs(20)),
			presence: rr(codec, protocol::PRESENCE, Duration::from_secs(10)),
			play: rr(codec, protocol::PLAY, Duration::from_secs(10)),
		})
		.map_err(|e| setup(&e))?
		.with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(300)))
		.build();
	Ok(swarm)
}

/// Starts a host serving `catalog`. Must be called inside a tokio runtime.
pub async fn start(config: HostConfig, catalog: Catalog) -> Result<Host, HostError> {
	let key = load_or_create_key(&config.data_dir)?;
	let peer_id = key.public().to_peer_id();
	let codec = Codec::default();
	let mut swarm = build_swarm(key, &config, &codec)?;
	for addr in &config.listen {
		swarm
			.listen_on(addr.clone())
			.map_err(|e| HostError::Listen { addr: addr.clone(), reason: e.to_string() })?;
	}
	for addr in &config.external {
		swarm.add_external_address(addr.clone());
	}
	let peer_of = |addr: &Multiaddr, what: &str| match addr.iter().last() {
		Some(Protocol::P2p(peer)) => Ok(peer),
		_ => Err(HostError::Setup(format!("{what} address {addr} does not end in /p2p/PEER_ID"))),
	};
	let mut bootstrap_peers = HashSet::new();
	for addr in &config.bootstrap {
		let peer = peer_of(addr, "bootstrap")?;
		if peer == peer_id {
			continue;
		}
		bootstrap_peers.insert(peer);
		swarm.behaviour_mut().kad.add_address(&peer, addr.clone());
		let _ = swarm.dial(addr.clone());
	}
	if !bootstrap_peers.is_empty() {
		let _ = swarm.behaviour_mut().kad.bootstrap();
	}
	// A circuit is listened on once the relay is connected: a reservation
	// dialled alongside another dial to the same relay would be dropped.
	let mut relay_pending = HashMap::new();
	for addr in &config.relay_via {
		let relay = peer_of(addr, "relay")?;
		relay_pending.insert(relay, addr.clone());
		if !bootstrap_peers.contains(&relay) {
			let _ = swarm.dial(addr.clone());
		}
	}
	let presence = Presence::new(peer_id, catalog.hashes().copied());
	let provide_queue: VecDeque<ContentHash> = catalog.hashes().copied().collect();
	let (tx, rx) = mpsc::unbounded_channel();
	let (itx, irx) = mpsc::unbounded_channel();
	let event_loop = EventLoop {
		swarm,
		config,
		peer_id,
		catalog,
		presence,
		commands: rx,
		internal_tx: itx,
		internal: irx,
		pending: HashMap::new(),
		serving: HashMap::new(),
		serving_total: 0,
		downloads: HashMap::new(),
		next_download: 0,
		provider_queries: HashMap::new(),
		provide_queue,
		providing: HashSet::new(),
		banned: HashSet::new(),
		viewed: HashSet::new(),
		bootstrap_peers,
		addr_waiters: Vec::new(),
		dial_waiters: HashMap::new(),
		stats: Stats::default(),
		open: HashMap::new(),
		relay_pending,
		circuits: HashMap::new(),
		ticks: 0,
		pulling: HashSet::new(),
		alive: HashMap::new(),
		codec,
		book: HashMap::new(),
		sessions: play::Sessions::default(),
		identified: HashSet::new(),
	};
	tokio::spawn(event_loop.run());
	Ok(Host { peer_id, commands: tx })
}

/// What an outbound request was for.
enum Pending {
	Manifest { dl: u64 },
	Pieces { dl: u64, first: u32, count: u32 },
	Presence,
	List { peer: PeerId },
	View,
	Play(oneshot::Sender<Result<Response, String>>),
}

impl Pending {
	/// The protocol the request went out on.
	fn kind(&self) -> Kind {
		match self {
			Pending::Manifest { .. } => Kind::Manifest,
			Pending::Pieces { .. } => Kind::Pieces,
			Pending::Presence | Pending::List { .. } | Pending::View => Kind::Presence,
			Pending::Play(_) => Kind::Play,
		}
	}
}

enum Internal {
	Read { peer: PeerId, channel: ResponseChannel<Response>, result: Result<Response, Refusal> },
	Opened { dl: u64, result: std::io::Result<(File, Vec<bool>, RunningHash)> },
	Written { dl: u64, peer: PeerId, first: u32, count: u32, verdicts: Vec<(u32, bool)> },
	Finished { dl: u64, result: Result<PathBuf, DownloadError> },
}

struct Manifest {
	size: u64,
	format: u8,
	pieces: Arc<Vec<[u8; 32]>>,
	/// `manifest_root(pieces)`, to compare other providers' manifests with.
	root: ManifestRoot,
}

struct Download {
	request: DownloadRequest,
	started: Instant,
	progress: watch::Sender<Progress>,
	done: Option<oneshot::Sender<Result<Downloaded, DownloadError>>>,
	manifest: Option<Manifest>,
	/// Providers whose manifest matched, waiting for the file to be open.
	ready: Vec<PeerId>,
	asked_manifest: HashSet<PeerId>,
	/// Providers whose manifest request failed (unreachable, gone), and
	/// when: not dialled again before [`MANIFEST_RETRY`] has passed.
	unreachable: HashMap<PeerId, Instant>,
	file: Option<Arc<File>>,
	schedule: Option<Schedule>,
	resumed: u32,
	first_piece: Option<Duration>,
	last_provider: Instant,
	/// When the last new piece was verified (or the download started).
	last_piece: Instant,
	/// Kademlia provider lookups started, and when the last one was.
	lookups: u32,
	last_lookup: Instant,
	finishing: bool,
	part: PathBuf,
	/// The whole file's hash, computed as pieces are verified.
	hash: Option<RunningHash>,
}

struct EventLoop {
	swarm: Swarm<Behaviour>,
	config: HostConfig,
	peer_id: PeerId,
	catalog: Catalog,
	presence: Presence,
	commands: mpsc::UnboundedReceiver<Command>,
	internal_tx: mpsc::UnboundedSender<Internal>,
	internal: mpsc::UnboundedReceiver<Internal>,
	/// Outbound requests awaiting an answer. Each protocol numbers its
	/// requests on its own, so the protocol is part of the key.
	pending: HashMap<(Kind, OutboundRequestId), Pending>,
	serving: HashMap<PeerId, usize>,
	serving_total: usize,
	downloads: HashMap<u64, Download>,
	next_download: u64,
	provider_queries: HashMap<kad::QueryId, u64>,
	provide_queue: VecDeque<ContentHash>,
	providing: HashSet<kad::QueryId>,
	banned: HashSet<PeerId>,
	viewed: HashSet<PeerId>,
	bootstrap_peers: HashSet<PeerId>,
	addr_waiters: Vec<oneshot::Sender<Vec<Multiaddr>>>,
	dial_waiters: HashMap<libp2p::swarm::ConnectionId, oneshot::Sender<Result<(), String>>>,
	stats: Stats,
	open: HashMap<libp2p::swarm::ConnectionId, Connection>,
	/// Relays to listen through once connected, by relay peer.
	relay_pending: HashMap<PeerId, Multiaddr>,
	/// Circuit listeners, with the relay address to go back to if one closes.
	circuits: HashMap<libp2p::core::transport::ListenerId, (PeerId, Multiaddr)>,
	ticks: u64,
	/// Peers whose list is being pulled.
	pulling: HashSet<PeerId>,
	/// When each connected peer last answered a ping.
	alive: HashMap<PeerId, Instant>,
	/// Shared with the protocols; counts unreadable requests.
	codec: Codec,
	/// Addresses peers listen on, from identify and presence.
	book: HashMap<PeerId, Vec<Multiaddr>>,
	/// Open play sessions of listeners we serve.
	sessions: play::Sessions,
	/// Connected peers whose identify arrived (their listen addresses are known).
	identified: HashSet<PeerId>,
}

fn is_unspecified(addr: &Multiaddr) -> bool {
	addr.iter().any(|p| {
		matches!(p, Protocol::Ip4(ip) if ip.is_unspecified())
			|| matches!(p, Protocol::Ip6(ip) if ip.is_unspecified())
	})
}

fn is_relayed(addr: &Multiaddr) -> bool {
	addr.iter().any(|p| p == Protocol::P2pCircuit)
}

impl EventLoop {
	async fn run(mut self) {
		let mut tick = tokio::time::interval(Duration::from_secs(1));
		let mut beacon = tokio::time::interval(BEACON_INTERVAL);
		// While downloading, the schedule is looked at often, so that a
		// request stuck on one provider goes to another (the endgame)
		// without waiting for the next event.
		let mut repump = tokio::time::interval(REPUMP);
		repump.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
		loop {
			tokio::select! {
				event = self.swarm.select_next_some() => self.on_swarm(event),
				command = self.commands.recv() => match command {
					Some(Command::Shutdown(done)) => {
						self.shutdown().await;
						let _ = done.send(());
						return;
					},
					Some(c) => self.on_command(c),
					None => {
						self.shutdown().await;
						return;
					},
				},
				Some(internal) = self.internal.recv() => self.on_internal(internal),
				_ = tick.tick() => self.on_tick(),
				_ = beacon.tick(), if self.config.role == Role::MiniNode => self.publish(Gossip::Beacon),
				_ = repump.tick(), if !self.downloads.is_empty() => {
					let ids: Vec<u64> = self.downloads.keys().copied().collect();
					for dl in ids {
						self.pump(dl);
					}
				},
			}
		}
	}

	async fn shutdown(&mut self) {
		let peers: Vec<PeerId> = self.swarm.connected_peers().copied().collect();
		for p in peers {
			let _ = self.swarm.disconnect_peer_id(p);
		}
		let deadline = tokio::time::sleep(Duration::from_secs(2));
		tokio::pin!(deadline);
		while self.swarm.connected_peers().next().is_some() {
			tokio::select! {
				_ = self.swarm.select_next_some() => {},
				_ = &mut deadline => break,
			}
		}
		for (_, mut d) in self.downloads.drain() {
			if let Some(done) = d.done.take() {
				let _ = done.send(Err(DownloadError::Stopped));
			}
		}
	}

	fn listen_addrs(&self) -> Vec<Multiaddr> {
		self.swarm
			.listeners()
			.filter(|a| !is_relayed(a))
			.map(|a| a.clone().with(Protocol::P2p(self.peer_id)))
			.chain(self.swarm.external_addresses().filter(|a| is_relayed(a)).cloned())
			.collect()
	}

	fn on_command(&mut self, command: Command) {
		match command {
			Command::Addrs(tx) => {
				if self.swarm.listeners().next().is_some() || self.config.listen.is_empty() {
					let _ = tx.send(self.listen_addrs());
				} else {
					self.addr_waiters.push(tx);
				}
			},
			Command::Dial(addr, tx) => {
				let opts = DialOpts::from(addr);
				let id = opts.connection_id();
				match self.swarm.dial(opts) {
					Ok(()) => {
						self.dial_waiters.insert(id, tx);
					},
					Err(e) => {
						let _ = tx.send(Err(e.to_string()));
					},
				}
			},
			Command::Download(request, progress, done) => {
				self.start_download(request, progress, done)
			},
			Command::Serve(hash, served) => {
				let new = self.catalog.insert(hash, served);
				if new {
					self.own_changed(&[hash], &[]);
					self.provide_queue.push_back(hash);
				}
			},
			Command::Unserve(hash) => {
				if self.catalog.remove(&hash).is_some() {
					self.own_changed(&[], &[hash]);
					self.swarm.behaviour_mut().kad.stop_providing(&RecordKey::new(&hash));
				}
			},
			Command::Online(tx) => {
				let v = self
					.presence
					.online()
					.into_iter()
					.map(|(peer, digest, files, listed)| OnlinePeer { peer, digest, files, listed })
					.collect();
				let _ = tx.send(v);
			},
			Command::OnlineContent(tx) => {
				let _ = tx.send(self.presence.online_content().into_iter().collect());
			},
			Command::Providers(hash, tx) => {
				let _ = tx.send(self.presence.providers(&hash));
			},
			Command::Stats(tx) => {
				let mut stats = self.stats.clone();
				stats.malformed += self.codec.malformed.load(std::sync::atomic::Ordering::Relaxed);
				let _ = tx.send(stats);
			},
			Command::Connections(tx) => {
				let _ = tx.send(self.connections());
			},
			Command::Play(peer, request, tx) => {
				let addrs = self.book.get(&peer).cloned().unwrap_or_default();
				let id = self
					.swarm
					.behaviour_mut()
					.play
					.send_request_with_addresses(&peer, request, addrs);
				self.awaiting(id, Pending::Play(tx));
			},
			Command::Shutdown(_) => {},
		}
	}

	fn connections(&self) -> Vec<Connection> {
		let mut v: Vec<Connection> = self.open.values().cloned().collect();
		v.sort_by_key(|c| (c.peer.to_bytes(), c.addr.to_string()));
		v
	}

	fn on_internal(&mut self, internal: Internal) {
		match internal {
			Internal::Read { peer, channel, result } => self.on_read(peer, channel, result),
			Internal::Opened { dl, result } => self.on_opened(dl, result),
			Internal::Written { dl, peer, first, count, verdicts } => {
				self.on_written(dl, peer, first, count, verdicts)
			},
			Internal::Finished { dl, result } => self.on_finished(dl, result),
		}
	}

	/// Peers that have not answered a ping for [`DEAD_AFTER`] are gone: a
	/// frozen or cut-off peer whose connection the OS still holds open.
	/// Presence hears of it at once; the close itself may take longer.
	fn reap_silent(&mut self) {
		let now = Instant::now();
		let dead: Vec<PeerId> = self
			.alive
			.iter()
			.filter(|(_, t)| now.duration_since(**t) > DEAD_AFTER)
			.map(|(p, _)| *p)
			.collect();
		for peer in dead {
			self.alive.remove(&peer);
			tracing::warn!("{peer} stopped answering; dropping its connections");
			if let Some(g) = self.presence.disconnected(peer) {
				self.publish(g);
			}
			let _ = self.swarm.disconnect_peer_id(peer);
		}
	}

	fn on_tick(&mut self) {
		self.reap_silent();
		self.presence.expire(Instant::now());
		self.ticks += 1;
		if self.ticks.is_multiple_of(3) {
			// Lists that could not be pulled yet (the source did not hold
			// it yet, or the request failed): try again.
			for (peer, from) in self.presence.unlisted().into_iter().take(16) {
				self.pull(peer, from);
			}
		}
		if self.ticks.is_multiple_of(60) {
			self.sessions.expire(None);
		}
		if self.ticks.is_multiple_of(10) {
			let relays: Vec<Multiaddr> = self
				.relay_pending
				.iter()
				.filter(|(p, _)| !self.swarm.is_connected(p))
				.map(|(_, a)| a.clone())
				.collect();
			for a in relays {
				let _ = self.swarm.dial(a);
			}
		}
		// Provider records, a few at a time.
		while self.providing.len() < PROVIDE_AT_ONCE {
			let Some(hash) = self.provide_queue.pop_front() else { break };
			if self.catalog.get(&hash).is_none() {
				continue;
			}
			match self.swarm.behaviour_mut().kad.start_providing(RecordKey::new(&hash)) {
				Ok(q) => {
					self.providing.insert(q);
				},
				Err(e) => tracing::warn!("cannot announce {}: {e}", hex(&hash)),
			}
		}
		self.tick_downloads();
	}

	// ---- the swarm ---------------------------------------------------------

	fn on_swarm(&mut self, event: SwarmEvent<BehaviourEvent>) {
		tracing::debug!(peer = %self.peer_id, ?event, "swarm event");
		match event {
			SwarmEvent::NewListenAddr { address, .. } => {
				if self.config.advertise_listen
					&& !is_relayed(&address)
					&& !is_unspecified(&address)
				{
					self.swarm.add_external_address(address);
				}
				let waiters: Vec<_> = self.addr_waiters.drain(..).collect();
				let addrs = self.listen_addrs();
				for w in waiters {
					let _ = w.send(addrs.clone());
				}
			},
			SwarmEvent::ExternalAddrConfirmed { .. } => {
				// Provider records carry our external addresses: publish them
				// again so they carry the new one.
				self.provide_queue = self.catalog.hashes().copied().collect();
			},
			SwarmEvent::ConnectionEstablished {
				peer_id,
				connection_id,
				endpoint,
				num_established,
				..
			} => {
				let addr = endpoint.get_remote_address().clone();
				let relayed = is_relayed(&addr);
				self.open.insert(connection_id, Connection { peer: peer_id, addr, relayed });
				if let Some(w) = self.dial_waiters.remove(&connection_id) {
					let _ = w.send(Ok(()));
				}
				if self.banned.contains(&peer_id) {
					let _ = self.swarm.disconnect_peer_id(peer_id);
					return;
				}
				if let Some(addr) = self.relay_pending.remove(&peer_id) {
					match self.swarm.listen_on(addr.clone().with(Protocol::P2pCircuit)) {
						Ok(id) => {
							self.circuits.insert(id, (peer_id, addr));
						},
						Err(e) => tracing::warn!("cannot listen through relay {addr}: {e}"),
					}
				}
				if num_established.get() == 1 {
					self.alive.insert(peer_id, Instant::now());
					self.presence.connected(peer_id);
					let (digest, files) = self.presence.hello();
					let id = self.send_presence(peer_id, Request::Hello { digest, files });
					self.awaiting(id, Pending::Presence);
					if self.bootstrap_peers.contains(&peer_id) {
						self.ask_view(peer_id);
					}
				}
			},
			SwarmEvent::ConnectionClosed { peer_id, connection_id, num_established, .. } => {
				self.open.remove(&connection_id);
				if num_established == 0 {
					self.alive.remove(&peer_id);
					self.identified.remove(&peer_id);
					self.viewed.remove(&peer_id);
					if let Some(g) = self.presence.disconnected(peer_id) {
						self.publish(g);
					}
					self.presence.expire(Instant::now());
				}
			},
			SwarmEvent::OutgoingConnectionError { connection_id, error, .. } => {
				if let Some(w) = self.dial_waiters.remove(&connection_id) {
					let _ = w.send(Err(error.to_string()));
				}
			},
			SwarmEvent::ListenerClosed { listener_id, addresses, reason } => {
				if let Err(e) = reason {
					tracing::warn!("stopped listening on {addresses:?}: {e}");
				}
				if let Some((relay, addr)) = self.circuits.remove(&listener_id) {
					// The relay went away: reserve again when it is back.
					self.relay_pending.insert(relay, addr);
				}
			},
			SwarmEvent::ListenerError { error, .. } => {
				tracing::warn!("listener error: {error}")
			},
			SwarmEvent::Behaviour(event) => self.on_behaviour(event),
			_ => {},
		}
	}

	/// Remembers what the request `id` is for, until it is answered or fails.
	fn awaiting(&mut self, id: OutboundRequestId, pending: Pending) {
		self.pending.insert((pending.kind(), id), pending);
	}

	fn ask_view(&mut self, peer: PeerId) {
		if self.viewed.insert(peer) {
			let id = self.send_presence(peer, Request::View);
			self.awaiting(id, Pending::View);
		}
	}

	fn on_behaviour(&mut self, event: BehaviourEvent) {
		match event {
			BehaviourEvent::Identify(identify::Event::Received { peer_id, info, .. }) => {
				self.learn_addrs(peer_id, info.listen_addrs.iter().cloned());
				// A mini-node announces a connected peer (again) now that it
				// knows the addresses that go with the announcement.
				self.identified.insert(peer_id);
				if let Some(g) = self.presence.announcement(&peer_id) {
					self.publish(g);
				}
				// A Kademlia server is a mini-node: it is in the DHT and
				// holds the presence view.
				if info.protocols.iter().any(|p| p.as_ref() == protocol::KADEMLIA.as_ref()) {
					for addr in info.listen_addrs.iter().filter(|a| !is_relayed(a)) {
						self.swarm.behaviour_mut().kad.add_address(&peer_id, addr.clone());
					}
					if self.config.role == Role::Client {
						self.ask_view(peer_id);
					}
				}
			},
			BehaviourEvent::Ping(ping::Event { peer, result: Ok(_), .. }) => {
				self.alive.insert(peer, Instant::now());
			},
			BehaviourEvent::Kad(kad::Event::OutboundQueryProgressed {
				id, result, step, ..
			}) => {
				match result {
					kad::QueryResult::GetProviders(Ok(kad::GetProvidersOk::FoundProviders {
						providers,
						..
					})) => {
						if let Some(&dl) = self.provider_queries.get(&id) {
							for p in providers {
								self.ask_manifest(dl, p, true);
							}
						}
					},
					kad::QueryResult::GetProviders(_) => {},
					kad::QueryResult::StartProviding(_) => {
						self.providing.remove(&id);
					},
					_ => {},
				}
				if step.last {
					self.provider_queries.remove(&id);
					self.providing.remove(&id);
				}
			},
			BehaviourEvent::Gossip(gossipsub::Event::Message { message, .. }) => {
				self.on_gossip(message)
			},
			BehaviourEvent::Manifest(e) => self.on_rr(Kind::Manifest, e),
			BehaviourEvent::Pieces(e) => self.on_rr(Kind::Pieces, e),
			BehaviourEvent::Presence(e) => self.on_rr(Kind::Presence, e),
			BehaviourEvent::Play(e) => self.on_rr(Kind::Play, e),
			_ => {},
		}
	}

	fn on_rr(&mut self, kind: Kind, event: request_response::Event<Request, Response>) {
		use request_response::{Event, Message};
		match event {
			Event::Message { peer, message: Message::Request { request, channel, .. }, .. } => {
				if self.banned.contains(&peer) {
					return;
				}
				match kind {
					Kind::Manifest => self.on_manifest_request(request, channel),
					Kind::Pieces => self.on_pieces_request(peer, request, channel),
					Kind::Presence => self.on_presence_request(peer, request, channel),
					Kind::Play => self.on_play_request(peer, request, channel),
				}
			},
			Event::Message {
				peer, message: Message::Response { request_id, response }, ..
			} => {
				let Some(pending) = self.pending.remove(&(kind, request_id)) else { return };
				match pending {
					Pending::Manifest { dl } => self.on_manifest(dl, peer, response),
					Pending::Play(tx) => {
						let _ = tx.send(Ok(response));
					},
					Pending::Pieces { dl, first, count } => {
						self.on_pieces(dl, peer, first, count, response)
					},
					p => self.on_presence_response(peer, p, response),
				}
			},
			Event::OutboundFailure { request_id, peer, error, .. } => match self
				.pending
				.remove(&(kind, request_id))
			{
				Some(Pending::Play(tx)) => {
					let _ = tx.send(Err(error.to_string()));
				},
				Some(Pending::Pieces { dl, first, count }) => {
					if let Some(s) = self.downloads.get_mut(&dl).and_then(|d| d.schedule.as_mut()) {
						s.request_ended(&peer, first, count, false);
					}
					self.pump(dl);
				},
				// Not reached (no address yet, or it left): it may be asked
				// again when Kademlia or presence names it next time.
				Some(Pending::Manifest { dl }) => {
					if let Some(d) = self.downloads.get_mut(&dl) {
						d.asked_manifest.remove(&peer);
						d.unreachable.insert(peer, Instant::now());
					}
				},
				Some(Pending::View) => {
					self.viewed.remove(&peer);
				},
				Some(Pending::List { peer: of }) => {
					self.pulling.remove(&of);
				},
				_ => {},
			},
			Event::InboundFailure { .. } => self.stats.malformed += 1,
			Event::ResponseSent { .. } => {},
		}
	}
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
	Manifest,
	Pieces,
	Presence,
	Play,
}
