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
/// A download looks for more providers while it has fewer than this.
const WANTED_PROVIDERS: usize = 8;
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
	let mut bootstrap_peers = HashSet::new();
	for addr in &config.bootstrap {
		let Some(Protocol::P2p(peer)) = addr.iter().last() else {
			return Err(HostError::Setup(format!(
				"bootstrap address {addr} does not end in /p2p/PEER_ID"
			)));
		};
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
		let Some(Protocol::P2p(relay)) = addr.iter().last() else {
			return Err(HostError::Setup(format!(
				"relay address {addr} does not end in /p2p/PEER_ID"
			)));
		};
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
		debug: std::env::var_os("MUSICCHAIN_DEBUG").is_some(),
		alive: HashMap::new(),
		codec,
		book: HashMap::new(),
		sessions: play::Sessions::default(),
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
	file: Option<Arc<File>>,
	schedule: Option<Schedule>,
	resumed: u32,
	first_piece: Option<Duration>,
	last_provider: Instant,
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
	pending: HashMap<OutboundRequestId, Pending>,
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
	/// `MUSICCHAIN_DEBUG` is set: print every swarm event.
	debug: bool,
	/// When each connected peer last answered a ping.
	alive: HashMap<PeerId, Instant>,
	/// Shared with the protocols; counts unreadable requests.
	codec: Codec,
	/// Addresses peers listen on, from identify and presence.
	book: HashMap<PeerId, Vec<Multiaddr>>,
	/// Open play sessions of listeners we serve.
	sessions: play::Sessions,
}

fn is_relayed(addr: &Multiaddr) -> bool {
	addr.iter().any(|p| p == Protocol::P2pCircuit)
}

impl EventLoop {
	async fn run(mut self) {
		let mut tick = tokio::time::interval(Duration::from_secs(1));
		let mut beacon = tokio::time::interval(BEACON_INTERVAL);
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
				self.pending.insert(id, Pending::Play(tx));
			},
			Command::Shutdown(_) => {},
		}
	}

	fn connections(&self) -> Vec<Connection> {
		let mut v: Vec<Connection> = self.open.values().cloned().collect();
		v.sort_by_key(|c| (c.peer.to_bytes(), c.addr.to_string()));
		v
	}

	// ---- presence -------------------------------------------------------

	fn send_presence(&mut self, peer: PeerId, request: Request) -> OutboundRequestId {
		let bytes = protocol::encode_request(&request).map(|b| b.len() as u64).unwrap_or(0);
		self.stats.presence_sent += 1;
		self.stats.presence_sent_bytes += bytes;
		if matches!(request, Request::Hello { .. } | Request::Delta { .. }) {
			self.stats.announces_sent += 1;
			self.stats.announce_bytes += bytes;
		}
		self.swarm.behaviour_mut().presence.send_request(&peer, request)
	}

	fn publish(&mut self, mut gossip: Gossip) {
		if self.config.role != Role::MiniNode {
			return;
		}
		if let Gossip::Online { peer, addrs, .. } = &mut gossip {
			if let Some(p) = protocol::peer_from_bytes(peer) {
				*addrs = self.addrs_bytes(&p);
			}
		}
		let Ok(bytes) = postcard::to_allocvec(&gossip) else { return };
		let topic = gossipsub::IdentTopic::new(PRESENCE_TOPIC);
		if self.swarm.behaviour_mut().gossip.publish(topic, bytes).is_ok() {
			self.stats.gossip_published += 1;
		}
	}

	fn act(&mut self, actions: Actions) {
		if let Some((peer, from)) = actions.pull {
			self.pull(peer, from);
		}
		if let Some(g) = actions.gossip {
			self.publish(g);
		}
	}

	/// Remembers addresses `peer` listens on (from identify or presence).
	fn learn_addrs(&mut self, peer: PeerId, addrs: impl IntoIterator<Item = Multiaddr>) {
		if peer == self.peer_id {
			return;
		}
		let book = self.book.entry(peer).or_default();
		for a in addrs {
			let unspecified = a.iter().any(|p| {
				matches!(p, Protocol::Ip4(ip) if ip.is_unspecified())
					|| matches!(p, Protocol::Ip6(ip) if ip.is_unspecified())
			});
			if !unspecified && !book.contains(&a) && a.len() <= 256 {
				if book.len() >= protocol::MAX_ADDRS {
					book.remove(0);
				}
				book.push(a);
			}
		}
	}

	fn learn_addr_bytes(&mut self, peer: &[u8], addrs: &[Vec<u8>]) {
		if let Some(p) = protocol::peer_from_bytes(peer) {
			let parsed: Vec<Multiaddr> = addrs
				.iter()
				.take(protocol::MAX_ADDRS)
				.filter_map(|b| Multiaddr::try_from(b.clone()).ok())
				.collect();
			self.learn_addrs(p, parsed);
		}
	}

	fn addrs_bytes(&self, peer: &PeerId) -> Vec<Vec<u8>> {
		self.book.get(peer).map(|v| v.iter().map(|a| a.to_vec()).collect()).unwrap_or_default()
	}

	/// Pulls the list behind `peer`'s digest from `from`, once at a time.
	fn pull(&mut self, peer: PeerId, from: PeerId) {
		if !self.pulling.insert(peer) {
			return;
		}
		let target = (peer != from).then(|| peer.to_bytes());
		let id = self.send_presence(from, Request::List { peer: target });
		self.pending.insert(id, Pending::List { peer });
	}

	fn own_changed(&mut self, added: &[ContentHash], removed: &[ContentHash]) {
		let Some((prev, next, added, removed)) = self.presence.change_own(added, removed) else {
			return;
		};
		let peers: Vec<PeerId> = self.swarm.connected_peers().copied().collect();
		for p in peers {
			let id = self.send_presence(
				p,
				Request::Delta { prev, next, added: added.clone(), removed: removed.clone() },
			);
			self.pending.insert(id, Pending::Presence);
		}
	}

	fn on_presence_request(
		&mut self,
		peer: PeerId,
		request: Request,
		channel: ResponseChannel<Response>,
	) {
		let response = match request {
			Request::Hello { digest, files } => {
				self.stats.hellos_received += 1;
				let actions = self.presence.on_hello(peer, digest, files);
				let want_list = actions.pull.is_some();
				self.act(actions);
				Response::Ack { want_list }
			},
			Request::Delta { prev, next, added, removed } => {
				self.stats.deltas_received += 1;
				if added.len() + removed.len() > protocol::MAX_LIST {
					Response::Refused(Refusal::TooLarge)
				} else {
					let actions = self.presence.on_delta(peer, peer, prev, next, &added, &removed);
					let want_list = actions.pull.is_some();
					self.act(actions);
					Response::Ack { want_list }
				}
			},
			Request::List { peer: target } => {
				let target = match target {
					None => Some(self.peer_id),
					Some(bytes) => protocol::peer_from_bytes(&bytes),
				};
				match target.and_then(|t| self.presence.list_of(&t)) {
					Some((digest, list)) => {
						self.stats.lists_served += 1;
						Response::List { digest, hashes: list.iter().copied().collect() }
					},
					None => Response::Refused(Refusal::UnknownPeer),
				}
			},
			Request::View => Response::View {
				peers: self
					.presence
					.view(MAX_VIEW)
					.into_iter()
					.map(|(mut e, via)| {
						e.via = via.to_bytes();
						if let Some(p) = protocol::peer_from_bytes(&e.peer) {
							e.addrs = self.addrs_bytes(&p);
						}
						e
					})
					.collect(),
			},
			_ => Response::Refused(Refusal::BadRequest),
		};
		if matches!(response, Response::Refused(_)) {
			self.stats.refused += 1;
		}
		let _ = self.swarm.behaviour_mut().presence.send_response(channel, response);
	}

	fn on_presence_response(&mut self, peer: PeerId, pending: Pending, response: Response) {
		match (pending, response) {
			(Pending::List { peer: of }, Response::List { digest, hashes }) => {
				self.stats.lists_pulled += 1;
				self.pulling.remove(&of);
				match self.presence.on_list(of, digest, hashes) {
					Ok(Some(gossip)) => self.publish(gossip),
					Ok(None) => {},
					Err(ListMismatch) => {
						log_warn(&format!("{peer} sent a list that does not match its digest"))
					},
				}
			},
			(Pending::List { peer: of }, _) => {
				self.pulling.remove(&of);
			},
			(Pending::View, Response::View { peers }) => {
				for e in &peers {
					self.learn_addr_bytes(&e.peer, &e.addrs);
				}
				let entries = peers
					.into_iter()
					.filter_map(|e| {
						let via = PeerId::from_bytes(&e.via).ok()?;
						Some((e, via))
					})
					.collect();
				for (of, from) in self.presence.on_view(peer, entries) {
					self.act(Actions { pull: Some((of, from)), gossip: None });
				}
			},
			_ => {},
		}
	}

	fn on_gossip(&mut self, message: gossipsub::Message) {
		let Some(source) = message.source else { return };
		if source == self.peer_id {
			return;
		}
		let Ok(gossip) = postcard::from_bytes::<Gossip>(&message.data) else {
			self.stats.malformed += 1;
			return;
		};
		if let Gossip::Online { peer, addrs, .. } = &gossip {
			self.learn_addr_bytes(peer, addrs);
		}
		let actions = self.presence.on_gossip(source, gossip);
		self.act(actions);
	}

	// ---- play sessions -------------------------------------------------

	fn on_play_request(
		&mut self,
		peer: PeerId,
		request: Request,
		channel: ResponseChannel<Response>,
	) {
		let response = match (&self.config.payout, request) {
			(None, _) => Response::PlayRefused(PlayRefusal::NotPaid),
			(Some(payout), Request::PlayOpen { content_hash, song, listener, nonce }) => {
				if self.catalog.get(&content_hash).is_none() {
					Response::PlayRefused(PlayRefusal::UnknownContent)
				} else {
					match self.sessions.open(peer, listener, nonce, song, content_hash) {
						Ok(()) => Response::PlayOpened {
							server: payout.account(),
							binding: payout.bind(&self.peer_id).to_vec(),
						},
						Err(why) => Response::PlayRefused(why),
					}
				}
			},
			(Some(_), Request::Heartbeat { listener, nonce, from_ms, to_ms }) => {
				match self.sessions.heartbeat(peer, listener, nonce, from_ms, to_ms) {
					Ok(count) => Response::Heartbeats { count },
					Err(why) => Response::PlayRefused(why),
				}
			},
			(Some(payout), Request::PlayClose { listener, nonce }) => {
				match self.sessions.close(peer, listener, nonce, payout) {
					Ok((receipt, signature)) => Response::Receipt {
						receipt: play::encode_receipt(&receipt),
						signature: signature.to_vec(),
					},
					Err(why) => Response::PlayRefused(why),
				}
			},
			(Some(_), _) => Response::Refused(Refusal::BadRequest),
		};
		if matches!(response, Response::Refused(_) | Response::PlayRefused(_)) {
			self.stats.refused += 1;
		}
		let _ = self.swarm.behaviour_mut().play.send_response(channel, response);
	}

	// ---- serving ---------------------------------------------------------

	fn on_manifest_request(&mut self, request: Request, channel: ResponseChannel<Response>) {
		let response = match request {
			Request::Manifest { content_hash } => match self.catalog.get(&content_hash) {
				Some(s) => Response::Manifest {
					size: s.size,
					piece_size: s.piece_size,
					format: s.format,
					pieces: s.pieces.to_vec(),
				},
				None => Response::Refused(Refusal::UnknownContent),
			},
			_ => Response::Refused(Refusal::BadRequest),
		};
		if matches!(response, Response::Refused(_)) {
			self.stats.refused += 1;
		}
		let _ = self.swarm.behaviour_mut().manifest.send_response(channel, response);
	}

	fn on_pieces_request(
		&mut self,
		peer: PeerId,
		request: Request,
		channel: ResponseChannel<Response>,
	) {
		let refuse = |this: &mut Self, channel, why| {
			this.stats.refused += 1;
			let _ =
				this.swarm.behaviour_mut().pieces.send_response(channel, Response::Refused(why));
		};
		let Request::Pieces { content_hash, first, count } = request else {
			return refuse(self, channel, Refusal::BadRequest);
		};
		let Some(served) = self.catalog.get(&content_hash).cloned() else {
			return refuse(self, channel, Refusal::UnknownContent);
		};
		if count == 0 || count > protocol::MAX_PIECES_PER_REQUEST {
			return refuse(self, channel, Refusal::TooLarge);
		}
		let n = served.pieces.len() as u64;
		if u64::from(first) + u64::from(count) > n {
			return refuse(self, channel, Refusal::BadRequest);
		}
		let mine = self.serving.entry(peer).or_default();
		if *mine >= SERVE_PER_PEER || self.serving_total >= SERVE_TOTAL {
			return refuse(self, channel, Refusal::Busy);
		}
		*mine += 1;
		self.serving_total += 1;
		let tx = self.internal_tx.clone();
		tokio::task::spawn_blocking(move || {
			let result = files::read_pieces(&served, first, count);
			let _ = tx.send(Internal::Read { peer, channel, result });
		});
	}

	// ---- downloading -----------------------------------------------------

	fn start_download(
		&mut self,
		request: DownloadRequest,
		progress: watch::Sender<Progress>,
		done: oneshot::Sender<Result<Downloaded, DownloadError>>,
	) {
		let dl = self.next_download;
		self.next_download += 1;
		let part = self
			.config
			.data_dir
			.join("partial")
			.join(format!("{}.part", hex(&request.content_hash)));
		let query =
			self.swarm.behaviour_mut().kad.get_providers(RecordKey::new(&request.content_hash));
		self.provider_queries.insert(query, dl);
		let now = Instant::now();
		self.downloads.insert(
			dl,
			Download {
				request: request.clone(),
				started: now,
				progress,
				done: Some(done),
				manifest: None,
				ready: Vec::new(),
				asked_manifest: HashSet::new(),
				file: None,
				schedule: None,
				resumed: 0,
				first_piece: None,
				last_provider: now,
				finishing: false,
				part,
				hash: None,
			},
		);
		for p in self.presence.providers(&request.content_hash) {
			self.ask_manifest(dl, p, false);
		}
	}

	/// Asks `peer` for the manifest. `again`: even if a request to it is
	/// still out (Kademlia just gave addresses the first request lacked).
	fn ask_manifest(&mut self, dl: u64, peer: PeerId, again: bool) {
		if peer == self.peer_id || self.banned.contains(&peer) {
			return;
		}
		let Some(d) = self.downloads.get_mut(&dl) else { return };
		let providing = d.ready.contains(&peer)
			|| d.schedule.as_ref().is_some_and(|s| s.providers().any(|p| *p == peer));
		if providing || (!d.asked_manifest.insert(peer) && !again) {
			return;
		}
		let request = Request::Manifest { content_hash: d.request.content_hash };
		let addrs = self.book.get(&peer).cloned().unwrap_or_default();
		let id =
			self.swarm.behaviour_mut().manifest.send_request_with_addresses(&peer, request, addrs);
		self.pending.insert(id, Pending::Manifest { dl });
	}

	fn on_manifest(&mut self, dl: u64, peer: PeerId, response: Response) {
		let Some(d) = self.downloads.get_mut(&dl) else { return };
		let Response::Manifest { size, piece_size, format, pieces } = response else { return };
		let expected = size.div_ceil(u64::from(PIECE_SIZE)).max(1);
		let root = manifest_root(&pieces);
		let valid = piece_size == PIECE_SIZE
			&& pieces.len() as u64 == expected
			&& pieces.len() <= MAX_PIECES
			&& d.request.root.is_none_or(|r| r == root);
		if !valid {
			log_warn(&format!(
				"{peer} sent a manifest that does not match; not downloading from it"
			));
			return;
		}
		match &d.manifest {
			None => {
				d.manifest = Some(Manifest { size, format, pieces: Arc::new(pieces) });
				d.ready.push(peer);
				let m = d.manifest.as_ref().map(|m| (m.size, m.pieces.clone()));
				let part = d.part.clone();
				let tx = self.internal_tx.clone();
				if let Some((size, pieces)) = m {
					tokio::task::spawn_blocking(move || {
						let result =
							files::open_part(&part, size, &pieces).and_then(|(f, have)| {
								let hash = RunningHash::start(&part, size, &have)?;
								Ok((f, have, hash))
							});
						let _ = tx.send(Internal::Opened { dl, result });
					});
				}
			},
			Some(m) if m.size == size && manifest_root(&m.pieces) == root => {
				if let Some(s) = d.schedule.as_mut() {
					s.add_provider(peer);
					d.last_provider = Instant::now();
				} else {
					d.ready.push(peer);
				}
				self.pump(dl);
			},
			Some(_) => log_warn(&format!("{peer} sent a manifest unlike the others; ignored")),
		}
	}

	fn pump(&mut self, dl: u64) {
		let Some(d) = self.downloads.get_mut(&dl) else { return };
		let Some(s) = d.schedule.as_mut() else { return };
		let asks = s.next_asks(Instant::now());
		let hash = d.request.content_hash;
		for a in asks {
			let id = self.swarm.behaviour_mut().pieces.send_request(
				&a.peer,
				Request::Pieces { content_hash: hash, first: a.first, count: a.count },
			);
			self.pending.insert(id, Pending::Pieces { dl, first: a.first, count: a.count });
		}
		self.report(dl);
	}

	fn report(&mut self, dl: u64) {
		let Some(d) = self.downloads.get(&dl) else { return };
		let (pieces, verified, contiguous, providers) = match &d.schedule {
			Some(s) => {
				let n = d.manifest.as_ref().map(|m| m.pieces.len() as u32).unwrap_or(0);
				(n, n - s.missing(), s.contiguous(), s.providers().count())
			},
			None => (0, 0, 0, d.ready.len()),
		};
		let p = Progress {
			size: d.manifest.as_ref().map(|m| m.size).unwrap_or(0),
			pieces,
			verified,
			contiguous,
			providers,
			first_piece: d.first_piece,
		};
		d.progress.send_if_modified(|old| {
			let changed = *old != p;
			*old = p;
			changed
		});
	}

	fn on_pieces(&mut self, dl: u64, peer: PeerId, first: u32, count: u32, response: Response) {
		let Some(d) = self.downloads.get_mut(&dl) else { return };
		let (Some(m), Some(file)) = (&d.manifest, &d.file) else { return };
		let data = match response {
			Response::Pieces { first: f, data } if f == first => data,
			_ => {
				if let Some(s) = d.schedule.as_mut() {
					s.request_ended(&peer, first, count, false);
				}
				return self.pump(dl);
			},
		};
		let pieces = m.pieces.clone();
		let size = m.size;
		let file = file.clone();
		let tx = self.internal_tx.clone();
		let feed = d.hash.as_ref().map(RunningHash::feed);
		tokio::task::spawn_blocking(move || {
			let verdicts =
				files::verify_and_write(&file, &pieces, size, first, count, data, feed.as_ref());
			let _ = tx.send(Internal::Written { dl, peer, first, count, verdicts });
		});
	}

	fn ban(&mut self, peer: PeerId, why: &str) {
		if !self.banned.insert(peer) {
			return;
		}
		log_warn(&format!("dropping peer {peer}: {why}"));
		for d in self.downloads.values_mut() {
			if let Some(s) = d.schedule.as_mut() {
				s.drop_provider(peer, Dropped::Corrupt);
			}
		}
		let _ = self.swarm.disconnect_peer_id(peer);
	}

	fn on_written(
		&mut self,
		dl: u64,
		peer: PeerId,
		first: u32,
		count: u32,
		verdicts: Vec<(u32, bool)>,
	) {
		let corrupt = verdicts.iter().any(|(_, ok)| !ok);
		let Some(d) = self.downloads.get_mut(&dl) else { return };
		let Some(s) = d.schedule.as_mut() else { return };
		for (piece, ok) in &verdicts {
			if *ok && s.piece_done(&peer, *piece) && d.first_piece.is_none() {
				d.first_piece = Some(d.started.elapsed());
			}
		}
		s.request_ended(&peer, first, count, !corrupt && verdicts.len() as u32 == count);
		if corrupt {
			self.ban(peer, "it sent a piece that does not match the manifest");
		}
		self.check_done(dl);
		self.pump(dl);
	}

	fn check_done(&mut self, dl: u64) {
		let Some(d) = self.downloads.get_mut(&dl) else { return };
		if d.finishing || !d.schedule.as_ref().is_some_and(|s| s.is_done()) {
			return;
		}
		d.finishing = true;
		let Some(m) = d.manifest.as_ref() else { return };
		let ext = musicchain_primitives::Format::from_code(m.format)
			.map(|f| f.extension())
			.unwrap_or("bin");
		let dest = self
			.config
			.data_dir
			.join("downloads")
			.join(format!("{}.{ext}", hex(&d.request.content_hash)));
		let part = d.part.clone();
		let hash = d.request.content_hash;
		let tx = self.internal_tx.clone();
		d.file = None;
		let running = d.hash.take();
		tokio::task::spawn_blocking(move || {
			let result = match running.map(RunningHash::finish) {
				Some(Ok(got)) => files::finish_file(&part, &dest, &got, &hash),
				Some(Err(e)) => Err(DownloadError::Io(e)),
				None => Err(DownloadError::Io(std::io::Error::other("no content hash"))),
			};
			let _ = tx.send(Internal::Finished { dl, result });
		});
	}

	fn on_internal(&mut self, internal: Internal) {
		match internal {
			Internal::Read { peer, channel, result } => {
				if let Some(n) = self.serving.get_mut(&peer) {
					*n = n.saturating_sub(1);
					if *n == 0 {
						self.serving.remove(&peer);
					}
				}
				self.serving_total = self.serving_total.saturating_sub(1);
				let response = match result {
					Ok(r) => {
						if let Response::Pieces { data, .. } = &r {
							self.stats.bytes_served += data.len() as u64;
							self.stats.pieces_served +=
								(data.len() as u64).div_ceil(u64::from(PIECE_SIZE));
						}
						r
					},
					Err(why) => {
						self.stats.refused += 1;
						Response::Refused(why)
					},
				};
				let _ = self.swarm.behaviour_mut().pieces.send_response(channel, response);
			},
			Internal::Opened { dl, result } => {
				let Some(d) = self.downloads.get_mut(&dl) else { return };
				match result {
					Ok((file, have, hash)) => {
						d.hash = Some(hash);
						let n = have.len() as u32;
						let mut s = Schedule::new(n, have);
						d.resumed = n - s.missing();
						if let Some(from) = d.request.stream_from {
							s.seek(from);
						}
						for p in d.ready.drain(..) {
							s.add_provider(p);
						}
						d.file = Some(Arc::new(file));
						d.schedule = Some(s);
						self.check_done(dl);
						self.pump(dl);
					},
					Err(e) => self.fail(dl, DownloadError::Io(e)),
				}
			},
			Internal::Written { dl, peer, first, count, verdicts } => {
				self.on_written(dl, peer, first, count, verdicts)
			},
			Internal::Finished { dl, result } => {
				let Some(mut d) = self.downloads.remove(&dl) else { return };
				let Some(done) = d.done.take() else { return };
				let (Some(m), Some(s)) = (d.manifest, d.schedule) else { return };
				let out = result.map(|path| {
					let hash = d.request.content_hash;
					let served = Served {
						path: path.clone(),
						size: m.size,
						piece_size: PIECE_SIZE,
						format: m.format,
						pieces: m.pieces.clone(),
					};
					if self.catalog.insert(hash, served) {
						self.own_changed(&[hash], &[]);
						self.provide_queue.push_back(hash);
					}
					Downloaded {
						path,
						size: m.size,
						format: m.format,
						pieces: m.pieces,
						resumed: d.resumed,
						first_piece: d.first_piece,
						delivered: s.delivered(),
						dropped: s.dropped().iter().map(|(p, w)| (*p, *w)).collect(),
					}
				});
				let _ = done.send(out);
			},
		}
	}

	fn fail(&mut self, dl: u64, error: DownloadError) {
		if let Some(mut d) = self.downloads.remove(&dl) {
			if let Some(done) = d.done.take() {
				let _ = done.send(Err(error));
			}
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
			log_warn(&format!("{peer} stopped answering; dropping its connections"));
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
				Err(e) => log_warn(&format!("cannot announce {}: {e}", hex(&hash))),
			}
		}
		// Downloads look for more providers while they have few, and give
		// up when they have had none for a while.
		let ids: Vec<u64> = self.downloads.keys().copied().collect();
		for dl in ids {
			let Some(d) = self.downloads.get_mut(&dl) else { continue };
			if d.finishing {
				continue;
			}
			let active =
				d.schedule.as_ref().map(|s| s.providers().count()).unwrap_or(d.ready.len());
			let hash = d.request.content_hash;
			if active > 0 {
				d.last_provider = Instant::now();
			} else if d.last_provider.elapsed() > NO_PROVIDER_TIMEOUT {
				let dropped = d.schedule.as_ref().map(|s| s.dropped().len()).unwrap_or(0);
				let err = if dropped > 0 || d.manifest.is_some() {
					DownloadError::ProvidersFailed(format!("{dropped} dropped"))
				} else {
					DownloadError::NoProvider(NO_PROVIDER_TIMEOUT)
				};
				self.fail(dl, err);
				continue;
			}
			if active < WANTED_PROVIDERS {
				if !self.provider_queries.values().any(|v| *v == dl) {
					let q = self.swarm.behaviour_mut().kad.get_providers(RecordKey::new(&hash));
					self.provider_queries.insert(q, dl);
				}
				for p in self.presence.providers(&hash) {
					self.ask_manifest(dl, p, false);
				}
			}
			self.pump(dl);
		}
	}

	// ---- the swarm ---------------------------------------------------------

	fn on_swarm(&mut self, event: SwarmEvent<BehaviourEvent>) {
		if self.debug {
			log_warn(&format!("{}: {event:?}", self.peer_id));
		}
		match event {
			SwarmEvent::NewListenAddr { address, .. } => {
				if self.config.advertise_listen && !is_relayed(&address) {
					let unspecified = address.iter().any(|p| {
						matches!(p, Protocol::Ip4(ip) if ip.is_unspecified())
							|| matches!(p, Protocol::Ip6(ip) if ip.is_unspecified())
					});
					if !unspecified {
						self.swarm.add_external_address(address);
					}
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
						Err(e) => log_warn(&format!("cannot listen through relay {addr}: {e}")),
					}
				}
				if num_established.get() == 1 {
					self.alive.insert(peer_id, Instant::now());
					self.presence.connected(peer_id);
					let (digest, files) = self.presence.hello();
					let id = self.send_presence(peer_id, Request::Hello { digest, files });
					self.pending.insert(id, Pending::Presence);
					if self.bootstrap_peers.contains(&peer_id) {
						self.ask_view(peer_id);
					}
				}
			},
			SwarmEvent::ConnectionClosed { peer_id, connection_id, num_established, .. } => {
				self.open.remove(&connection_id);
				if num_established == 0 {
					self.alive.remove(&peer_id);
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
					log_warn(&format!("stopped listening on {addresses:?}: {e}"));
				}
				if let Some((relay, addr)) = self.circuits.remove(&listener_id) {
					// The relay went away: reserve again when it is back.
					self.relay_pending.insert(relay, addr);
				}
			},
			SwarmEvent::ListenerError { error, .. } => {
				log_warn(&format!("listener error: {error}"))
			},
			SwarmEvent::Behaviour(event) => self.on_behaviour(event),
			_ => {},
		}
	}

	fn ask_view(&mut self, peer: PeerId) {
		if self.viewed.insert(peer) {
			let id = self.send_presence(peer, Request::View);
			self.pending.insert(id, Pending::View);
		}
	}

	fn on_behaviour(&mut self, event: BehaviourEvent) {
		match event {
			BehaviourEvent::Identify(identify::Event::Received { peer_id, info, .. }) => {
				self.learn_addrs(peer_id, info.listen_addrs.iter().cloned());
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
				let Some(pending) = self.pending.remove(&request_id) else { return };
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
				.remove(&request_id)
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

#[derive(Clone, Copy)]
enum Kind {
	Manifest,
	Pieces,
	Presence,
	Play,
}

fn log_warn(message: &str) {
	if std::env::var_os("MUSICCHAIN_QUIET").is_none() {
		eprintln!("swarm: {message}");
	}
}
