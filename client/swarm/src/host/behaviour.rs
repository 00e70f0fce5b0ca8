//! The libp2p behaviours a host runs, and the swarm built from them.

use super::{HostConfig, Role};
use crate::{
	error::HostError,
	protocol::{
		self, Malformed, ManifestCodec, PiecesCodec, PlayCodec, PresenceCodec, MANIFEST, PIECES,
		PLAY, PRESENCE,
	},
};
use libp2p::{
	autonat, dcutr, gossipsub, identify, identity,
	kad::{self, store::MemoryStore, store::MemoryStoreConfig},
	noise, ping, relay,
	request_response::{self, ProtocolSupport},
	swarm::{behaviour::toggle::Toggle, NetworkBehaviour},
	tcp, yamux, StreamProtocol, Swarm,
};
use std::time::Duration;

/// The presence gossip topic.
pub const PRESENCE_TOPIC: &str = "/musicchain/presence/1";

#[derive(NetworkBehaviour)]
pub(super) struct Behaviour {
	pub relay_client: relay::client::Behaviour,
	pub relay: Toggle<relay::Behaviour>,
	pub dcutr: Toggle<dcutr::Behaviour>,
	pub autonat: autonat::Behaviour,
	pub identify: identify::Behaviour,
	pub ping: ping::Behaviour,
	pub kad: kad::Behaviour<MemoryStore>,
	pub gossip: gossipsub::Behaviour,
	pub manifest: request_response::Behaviour<ManifestCodec>,
	pub pieces: request_response::Behaviour<PiecesCodec>,
	pub presence: request_response::Behaviour<PresenceCodec>,
	pub play: request_response::Behaviour<PlayCodec>,
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

fn rr<C: request_response::Codec<Protocol = StreamProtocol> + Clone + Send + 'static>(
	codec: C,
	protocol: StreamProtocol,
	timeout: Duration,
) -> request_response::Behaviour<C> {
	request_response::Behaviour::with_codec(
		codec,
		[(protocol, ProtocolSupport::Full)],
		request_response::Config::default()
			.with_request_timeout(timeout)
			.with_max_concurrent_streams(256),
	)
}

pub(super) fn build_swarm(
	key: identity::Keypair,
	config: &HostConfig,
	malformed: &Malformed,
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
	let m = malformed;
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
			manifest: rr(ManifestCodec::new(m.clone()), MANIFEST, Duration::from_secs(10)),
			pieces: rr(PiecesCodec::new(m.clone()), PIECES, Duration::from_secs(20)),
			presence: rr(PresenceCodec::new(m.clone()), PRESENCE, Duration::from_secs(10)),
			play: rr(PlayCodec::new(m.clone()), PLAY, Duration::from_secs(10)),
		})
		.map_err(|e| setup(&e))?
		.with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(300)))
		.build();
	Ok(swarm)
}
