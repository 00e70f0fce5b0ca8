//! The event loop: the one task that owns the swarm. It takes commands
//! from [`Host`] handles, swarm events, and the results of blocking file
//! work run off the loop ([`Internal`]), and hands each to the part that
//! owns it (`download`, `serve`, `presence`).

use super::{
	behaviour::{build_swarm, Behaviour, BehaviourEvent},
	download::{Download, PiecesAsk},
	handle::{Command, Host},
	key::load_or_create_key,
	links::Links,
	presence::PresenceAsk,
	serve::Serving,
	Connection, HostConfig, OnlinePeer, Role, Stats, DEAD_AFTER,
};
use crate::{
	catalog::Catalog,
	error::{DownloadError, HostError},
	files::RunningHash,
	presence::{Gossip, Presence, BEACON_INTERVAL},
	protocol::{self, Malformed, PiecesResponse, PlayResponse},
};
use futures::StreamExt;
use libp2p::{
	core::transport::ListenerId,
	identify, kad,
	kad::RecordKey,
	multiaddr::Protocol,
	ping,
	request_response::{self, OutboundRequestId, ResponseChannel},
	swarm::{dial_opts::DialOpts, ConnectionId, SwarmEvent},
	Multiaddr, PeerId, Swarm,
};
use musicchain_primitives::ContentHash;
use std::{
	collections::{HashMap, HashSet, VecDeque},
	fs::File,
	path::PathBuf,
	time::{Duration, Instant},
};
use tokio::sync::{mpsc, oneshot};

/// Provider records published at once.
const PROVIDE_AT_ONCE: usize = 8;
/// How often an active download's schedule is looked at without an event.
const REPUMP: Duration = Duration::from_millis(100);

/// Results of blocking work done off the loop.
pub(super) enum Internal {
	Read { peer: PeerId, channel: ResponseChannel<PiecesResponse>, result: PiecesResponse },
	Opened { dl: u64, result: std::io::Result<(File, Vec<bool>, Option<RunningHash>)> },
	Written { dl: u64, peer: PeerId, first: u32, count: u32, verdicts: Vec<(u32, bool)> },
	Finished { dl: u64, result: Result<PathBuf, DownloadError> },
}

/// Outbound requests awaiting an answer: one map per protocol, since each
/// protocol numbers its requests on its own and answers only its own.
#[derive(Default)]
pub(super) struct Pending {
	/// Manifest requests, by the download they are for.
	pub manifest: HashMap<OutboundRequestId, u64>,
	pub pieces: HashMap<OutboundRequestId, PiecesAsk>,
	pub presence: HashMap<OutboundRequestId, PresenceAsk>,
	pub play: HashMap<OutboundRequestId, oneshot::Sender<Result<PlayResponse, String>>>,
}

/// One request/response event, as the loop handles it.
enum Exchange<Req, Resp> {
	Request { peer: PeerId, request: Req, channel: ResponseChannel<Resp> },
	Answer { peer: PeerId, id: OutboundRequestId, response: Resp },
	Failed { peer: PeerId, id: OutboundRequestId, error: String },
	None,
}

pub(super) struct EventLoop {
	pub swarm: Swarm<Behaviour>,
	pub config: HostConfig,
	pub peer_id: PeerId,
	pub commands: mpsc::UnboundedReceiver<Command>,
	pub internal_tx: mpsc::UnboundedSender<Internal>,
	pub internal: mpsc::UnboundedReceiver<Internal>,
	pub pending: Pending,
	pub stats: Stats,
	/// Shared with the protocols' codecs; counts unreadable requests.
	pub malformed: Malformed,
	pub ticks: u64,
	/// Peers that sent corrupt data: disconnected, and ignored.
	pub banned: HashSet<PeerId>,

	// Serving (`serve`): what we serve, and what we are serving now.
	pub catalog: Catalog,
	pub serving: Serving,
	/// Provider records to publish, and the ones being published.
	pub provide_queue: VecDeque<ContentHash>,
	pub providing: HashSet<kad::QueryId>,

	// Downloading (`download`).
	pub downloads: HashMap<u64, Download>,
	pub next_download: u64,
	pub provider_queries: HashMap<kad::QueryId, u64>,

	// Presence (`presence`).
	pub presence: Presence,
	/// Peers whose view was asked for (once per connection).
	pub viewed: HashSet<PeerId>,
	/// Of those, the ones asked again once their gossip reached us (see
	/// `refresh_view`).
	pub refreshed: HashSet<PeerId>,
	/// Mini-nodes whose second view has arrived: while connected, every
	/// peer they see online is known here (a download that finds no
	/// provider among them can stop waiting).
	pub current_views: HashSet<PeerId>,
	/// Peers whose list is being pulled.
	pub pulling: HashSet<PeerId>,
	/// Addresses peers listen on, from identify and presence.
	pub book: HashMap<PeerId, Vec<Multiaddr>>,
	/// Connected peers whose identify arrived (their listen addresses are known).
	pub identified: HashSet<PeerId>,

	// Connections (here, and the mini-node and relay links in `links`).
	pub bootstrap_peers: HashSet<PeerId>,
	pub links: Links,
	pub addr_waiters: Vec<oneshot::Sender<Vec<Multiaddr>>>,
	pub dial_waiters: HashMap<ConnectionId, oneshot::Sender<Result<(), String>>>,
	pub open: HashMap<ConnectionId, Connection>,
	/// When each connected peer last answered a ping.
	pub alive: HashMap<PeerId, Instant>,
	/// Relays to listen through once connected, by relay peer.
	pub relay_pending: HashMap<PeerId, Multiaddr>,
	/// Circuit listeners, with the relay address to go back to if one closes.
	pub circuits: HashMap<ListenerId, (PeerId, Multiaddr)>,
}

/// A failed dial in a few words: the innermost cause of each address's
/// failure ("Connection refused (os error 111)"), not libp2p's nested
/// report of the transports.
fn dial_error(error: &libp2p::swarm::DialError) -> String {
	fn innermost(error: &dyn std::error::Error) -> String {
		let mut cause = error;
		while let Some(next) = cause.source() {
			cause = next;
		}
		cause.to_string()
	}
	let mut causes: Vec<String> = match error {
		libp2p::swarm::DialError::Transport(errors) => {
			errors.iter().map(|(_, e)| innermost(e)).filter(|c| !c.is_empty()).collect()
		},
		other => vec![innermost(other)],
	};
	causes.dedup();
	if causes.is_empty() {
		error.to_string()
	} else {
		causes.join("; ")
	}
}

pub(super) fn is_unspecified(addr: &Multiaddr) -> bool {
	addr.iter().any(|p| {
		matches!(p, Protocol::Ip4(ip) if ip.is_unspecified())
			|| matches!(p, Protocol::Ip6(ip) if ip.is_unspecified())
	})
}

fn is_relayed(addr: &Multiaddr) -> bool {
	addr.iter().any(|p| p == Protocol::P2pCircuit)
}

/// Sorts a request/response event out, dropping requests from banned peers
/// and counting inbound failures as malformed.
fn exchange<Req, Resp>(
	event: request_response::Event<Req, Resp>,
	banned: &HashSet<PeerId>,
	stats: &mut Stats,
) -> Exchange<Req, Resp> {
	use request_response::{Event, Message};
	match event {
		Event::Message { peer, message: Message::Request { request, channel, .. }, .. } => {
			if banned.contains(&peer) {
				return Exchange::None;
			}
			Exchange::Request { peer, request, channel }
		},
		Event::Message { peer, message: Message::Response { request_id, response }, .. } => {
			Exchange::Answer { peer, id: request_id, response }
		},
		Event::OutboundFailure { request_id, peer, error, .. } => {
			Exchange::Failed { peer, id: request_id, error: error.to_string() }
		},
		Event::InboundFailure { .. } => {
			stats.malformed += 1;
			Exchange::None
		},
		Event::ResponseSent { .. } => Exchange::None,
	}
}

impl EventLoop {
	/// Builds the swarm, listens, dials the mini-nodes, and spawns the loop.
	pub fn start(config: HostConfig, catalog: Catalog) -> Result<Host, HostError> {
		let key = load_or_create_key(&config.data_dir)?;
		let peer_id = key.public().to_peer_id();
		let malformed = Malformed::default();
		let mut swarm = build_swarm(key, &config, &malformed)?;
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
			_ => {
				Err(HostError::Setup(format!("{what} address {addr} does not end in /p2p/PEER_ID")))
			},
		};
		let mut bootstrap_peers = HashSet::new();
		let mut mini_nodes = Vec::new();
		for addr in &config.bootstrap {
			let peer = peer_of(addr, "bootstrap")?;
			if peer == peer_id {
				continue;
			}
			bootstrap_peers.insert(peer);
			mini_nodes.push((peer, addr.clone()));
			swarm.behaviour_mut().kad.add_address(&peer, addr.clone());
		}
		if !bootstrap_peers.is_empty() {
			let _ = swarm.behaviour_mut().kad.bootstrap();
		}
		// A circuit is listened on once the relay is connected: a reservation
		// dialled alongside another dial to the same relay would be dropped.
		let mut relay_pending = HashMap::new();
		let mut relays = Vec::new();
		for addr in &config.relay_via {
			let relay = peer_of(addr, "relay")?;
			relay_pending.insert(relay, addr.clone());
			relays.push((relay, addr.clone()));
		}
		// Dialled now, and again while down (`redial`).
		let links = Links::new(&mini_nodes, &relays);
		let presence = Presence::new(peer_id, catalog.hashes().copied());
		let provide_queue: VecDeque<ContentHash> = catalog.hashes().copied().collect();
		let (tx, rx) = mpsc::unbounded_channel();
		let (itx, irx) = mpsc::unbounded_channel();
		let mut event_loop = EventLoop {
			swarm,
			config,
			peer_id,
			commands: rx,
			internal_tx: itx,
			internal: irx,
			pending: Pending::default(),
			stats: Stats::default(),
			malformed,
			ticks: 0,
			banned: HashSet::new(),
			catalog,
			serving: Serving::default(),
			provide_queue,
			providing: HashSet::new(),
			downloads: HashMap::new(),
			next_download: 0,
			provider_queries: HashMap::new(),
			presence,
			viewed: HashSet::new(),
			refreshed: HashSet::new(),
			current_views: HashSet::new(),
			pulling: HashSet::new(),
			book: HashMap::new(),
			identified: HashSet::new(),
			bootstrap_peers,
			links,
			addr_waiters: Vec::new(),
			dial_waiters: HashMap::new(),
			open: HashMap::new(),
			alive: HashMap::new(),
			relay_pending,
			circuits: HashMap::new(),
		};
		event_loop.redial();
		tokio::spawn(event_loop.run());
		Ok(Host { peer_id, commands: tx })
	}

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
		let ids: Vec<u64> = self.downloads.keys().copied().collect();
		for dl in ids {
			self.fail(dl, DownloadError::Stopped);
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
			Command::Download { request, progress, prefix, done } => {
				self.start_download(request, progress, prefix, done)
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
				stats.malformed += self.malformed.count();
				let _ = tx.send(stats);
			},
			Command::Connections(tx) => {
				let _ = tx.send(self.connections());
			},
			Command::Links(tx) => {
				let _ = tx.send(self.links.status(Instant::now()));
			},
			Command::Play(peer, request, tx) => {
				let addrs = self.book.get(&peer).cloned().unwrap_or_default();
				let id = self
					.swarm
					.behaviour_mut()
					.play
					.send_request_with_addresses(&peer, request, addrs);
				self.pending.play.insert(id, tx);
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

	/// Dials the mini-nodes and relays that are down and due a dial.
	fn redial(&mut self) {
		let now = Instant::now();
		for opts in self.links.due(now) {
			let id = opts.connection_id();
			match self.swarm.dial(opts) {
				Ok(()) => {},
				Err(libp2p::swarm::DialError::DialPeerConditionFalse(_)) => {
					self.links.not_started(id, None, now)
				},
				Err(e) => self.links.not_started(id, Some(dial_error(&e)), now),
			}
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
			self.serving.sessions.expire(None);
		}
		self.redial();
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
				Err(e) => tracing::warn!("cannot announce {hash}: {e}"),
			}
		}
		self.tick_downloads();
	}

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
				if self.links.connected(peer_id, Instant::now())
					&& self.links.is_mini_node(&peer_id)
				{
					// A mini-node that came back (a restart) has lost our
					// provider records and its routing table: publish again.
					tracing::info!("mini-node {peer_id} is back");
					self.provide_queue = self.catalog.hashes().copied().collect();
					let _ = self.swarm.behaviour_mut().kad.bootstrap();
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
					self.hello(peer_id);
					if self.bootstrap_peers.contains(&peer_id) {
						self.ask_view(peer_id);
					}
				}
			},
			SwarmEvent::ConnectionClosed { peer_id, connection_id, num_established, .. } => {
				self.open.remove(&connection_id);
				if num_established == 0 {
					self.links.closed(peer_id, Instant::now());
					self.alive.remove(&peer_id);
					self.identified.remove(&peer_id);
					self.viewed.remove(&peer_id);
					self.refreshed.remove(&peer_id);
					self.current_views.remove(&peer_id);
					if let Some(g) = self.presence.disconnected(peer_id) {
						self.publish(g);
					}
					self.presence.expire(Instant::now());
				}
			},
			SwarmEvent::OutgoingConnectionError { connection_id, error, .. } => {
				self.links.failed(connection_id, dial_error(&error), Instant::now());
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
			BehaviourEvent::Gossip(libp2p::gossipsub::Event::Message {
				message,
				propagation_source,
				..
			}) => {
				self.refresh_view(propagation_source);
				self.on_gossip(message)
			},
			BehaviourEvent::Manifest(e) => match exchange(e, &self.banned, &mut self.stats) {
				Exchange::Request { request, channel, .. } => {
					self.on_manifest_request(request, channel)
				},
				Exchange::Answer { peer, id, response } => {
					if let Some(dl) = self.pending.manifest.remove(&id) {
						self.on_manifest(dl, peer, response)
					}
				},
				Exchange::Failed { peer, id, .. } => {
					if let Some(dl) = self.pending.manifest.remove(&id) {
						self.manifest_failed(dl, peer)
					}
				},
				Exchange::None => {},
			},
			BehaviourEvent::Pieces(e) => match exchange(e, &self.banned, &mut self.stats) {
				Exchange::Request { peer, request, channel } => {
					self.on_pieces_request(peer, request, channel)
				},
				Exchange::Answer { peer, id, response } => {
					if let Some(ask) = self.pending.pieces.remove(&id) {
						self.on_pieces(ask, peer, response)
					}
				},
				Exchange::Failed { peer, id, .. } => {
					if let Some(ask) = self.pending.pieces.remove(&id) {
						self.pieces_failed(ask, peer)
					}
				},
				Exchange::None => {},
			},
			BehaviourEvent::Presence(e) => match exchange(e, &self.banned, &mut self.stats) {
				Exchange::Request { peer, request, channel } => {
					self.on_presence_request(peer, request, channel)
				},
				Exchange::Answer { peer, id, response } => {
					if let Some(ask) = self.pending.presence.remove(&id) {
						self.on_presence_response(peer, ask, response)
					}
				},
				Exchange::Failed { peer, id, .. } => {
					if let Some(ask) = self.pending.presence.remove(&id) {
						self.presence_failed(peer, ask)
					}
				},
				Exchange::None => {},
			},
			BehaviourEvent::Play(e) => match exchange(e, &self.banned, &mut self.stats) {
				Exchange::Request { peer, request, channel } => {
					self.on_play_request(peer, request, channel)
				},
				Exchange::Answer { id, response, .. } => {
					if let Some(tx) = self.pending.play.remove(&id) {
						let _ = tx.send(Ok(response));
					}
				},
				Exchange::Failed { id, error, .. } => {
					if let Some(tx) = self.pending.play.remove(&id) {
						let _ = tx.send(Err(error));
					}
				},
				Exchange::None => {},
			},
			_ => {},
		}
	}
}
