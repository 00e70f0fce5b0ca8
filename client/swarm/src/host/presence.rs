//! Presence: hellos and deltas to connected peers, gossip (mini-nodes),
//! list pulls, the view, and the address book.

use super::{
	behaviour::PRESENCE_TOPIC,
	event_loop::{is_unspecified, EventLoop},
	Role,
};
use crate::{
	presence::{Actions, Gossip, ListMismatch},
	protocol::{self, PresenceRequest, PresenceResponse, Refusal, MAX_VIEW},
};
use libp2p::{gossipsub, request_response::ResponseChannel, Multiaddr, PeerId};
use musicchain_primitives::ContentHash;

/// What an outbound presence request was for.
pub(super) enum PresenceAsk {
	/// A hello or a delta of our own library.
	Announce,
	/// The list behind `peer`'s digest.
	List { peer: PeerId },
	/// A mini-node's view of who is online; `refresh`: the second one,
	/// asked once the mini-node's gossip reaches us.
	View { refresh: bool },
}

impl EventLoop {
	fn send_presence(&mut self, peer: PeerId, request: PresenceRequest, ask: PresenceAsk) {
		let bytes = protocol::encode(&request).map(|b| b.len() as u64).unwrap_or(0);
		self.stats.presence_sent += 1;
		self.stats.presence_sent_bytes += bytes;
		if matches!(ask, PresenceAsk::Announce) {
			self.stats.announces_sent += 1;
			self.stats.announce_bytes += bytes;
		}
		let id = self.swarm.behaviour_mut().presence.send_request(&peer, request);
		self.pending.presence.insert(id, ask);
	}

	/// Tells a newly connected peer what our library is.
	pub(super) fn hello(&mut self, peer: PeerId) {
		let (digest, files) = self.presence.hello();
		self.send_presence(peer, PresenceRequest::Hello { digest, files }, PresenceAsk::Announce);
	}

	/// Asks a mini-node who is online, once per connection.
	pub(super) fn ask_view(&mut self, peer: PeerId) {
		if self.viewed.insert(peer) {
			self.send_presence(peer, PresenceRequest::View, PresenceAsk::View { refresh: false });
		}
	}

	/// Asks a mini-node's view a second time, when its first gossip reaches
	/// us. Its announcements go only to the peers it knows subscribe to the
	/// topic, so one made between its answer to our first `View` and its
	/// learning of our subscription reached neither (a seeder that joined
	/// at the same moment stayed unseen). A message from it proves it knows
	/// our subscription: from then on gossip carries every change, and this
	/// answer holds everything before.
	pub(super) fn refresh_view(&mut self, from: PeerId) {
		if self.viewed.contains(&from) && self.refreshed.insert(from) {
			self.send_presence(from, PresenceRequest::View, PresenceAsk::View { refresh: true });
		}
	}

	pub(super) fn publish(&mut self, mut gossip: Gossip) {
		if self.config.role != Role::MiniNode {
			return;
		}
		if let Gossip::Online { peer, addrs, .. } = &mut gossip {
			let Some(p) = protocol::peer_from_bytes(peer) else { return };
			// Announced once identify has said where the peer listens, so
			// that others can dial it (see the identify handler).
			if !self.identified.contains(&p) {
				return;
			}
			*addrs = self.addrs_bytes(&p);
		}
		let Ok(bytes) = postcard::to_allocvec(&gossip) else { return };
		let topic = gossipsub::IdentTopic::new(PRESENCE_TOPIC);
		if self.swarm.behaviour_mut().gossip.publish(topic, bytes).is_ok() {
			self.stats.gossip_published += 1;
		}
	}

	pub(super) fn act(&mut self, actions: Actions) {
		if let Some((peer, from)) = actions.pull {
			self.pull(peer, from);
		}
		if let Some(g) = actions.gossip {
			self.publish(g);
		}
	}

	/// Remembers addresses `peer` listens on (from identify or presence).
	pub(super) fn learn_addrs(&mut self, peer: PeerId, addrs: impl IntoIterator<Item = Multiaddr>) {
		if peer == self.peer_id {
			return;
		}
		let book = self.book.entry(peer).or_default();
		let mut learned = false;
		for a in addrs {
			if !is_unspecified(&a) && !book.contains(&a) && a.len() <= 256 {
				if book.len() >= protocol::MAX_ADDRS {
					book.remove(0);
				}
				book.push(a);
				learned = true;
			}
		}
		if learned {
			// A download that could not reach the peer may try again.
			for d in self.downloads.values_mut() {
				d.unreachable.remove(&peer);
			}
		}
	}

	pub(super) fn learn_addr_bytes(&mut self, peer: &[u8], addrs: &[Vec<u8>]) {
		if let Some(p) = protocol::peer_from_bytes(peer) {
			let parsed: Vec<Multiaddr> = addrs
				.iter()
				.take(protocol::MAX_ADDRS)
				.filter_map(|b| Multiaddr::try_from(b.clone()).ok())
				.collect();
			self.learn_addrs(p, parsed);
		}
	}

	pub(super) fn addrs_bytes(&self, peer: &PeerId) -> Vec<Vec<u8>> {
		self.book.get(peer).map(|v| v.iter().map(|a| a.to_vec()).collect()).unwrap_or_default()
	}

	/// Pulls the list behind `peer`'s digest from `from`, once at a time.
	pub(super) fn pull(&mut self, peer: PeerId, from: PeerId) {
		if !self.pulling.insert(peer) {
			return;
		}
		let target = (peer != from).then(|| peer.to_bytes());
		self.send_presence(
			from,
			PresenceRequest::List { peer: target },
			PresenceAsk::List { peer },
		);
	}

	pub(super) fn own_changed(&mut self, added: &[ContentHash], removed: &[ContentHash]) {
		let Some((prev, next, added, removed)) = self.presence.change_own(added, removed) else {
			return;
		};
		let peers: Vec<PeerId> = self.swarm.connected_peers().copied().collect();
		for p in peers {
			let delta = PresenceRequest::Delta {
				prev,
				next,
				added: added.clone(),
				removed: removed.clone(),
			};
			self.send_presence(p, delta, PresenceAsk::Announce);
		}
	}

	pub(super) fn on_presence_request(
		&mut self,
		peer: PeerId,
		request: PresenceRequest,
		channel: ResponseChannel<PresenceResponse>,
	) {
		let response = match request {
			PresenceRequest::Hello { digest, files } => {
				self.stats.hellos_received += 1;
				let actions = self.presence.on_hello(peer, digest, files);
				self.act(actions);
				PresenceResponse::Ack
			},
			PresenceRequest::Delta { prev, next, added, removed } => {
				self.stats.deltas_received += 1;
				if added.len() + removed.len() > protocol::MAX_LIST {
					PresenceResponse::Refused(Refusal::TooLarge)
				} else {
					let actions = self.presence.on_delta(peer, peer, prev, next, &added, &removed);
					self.act(actions);
					PresenceResponse::Ack
				}
			},
			PresenceRequest::List { peer: target } => {
				let target = match target {
					None => Some(self.peer_id),
					Some(bytes) => protocol::peer_from_bytes(&bytes),
				};
				match target.and_then(|t| self.presence.list_of(&t)) {
					Some((digest, list)) => {
						self.stats.lists_served += 1;
						PresenceResponse::List { digest, hashes: list.iter().copied().collect() }
					},
					None => PresenceResponse::Refused(Refusal::UnknownPeer),
				}
			},
			// A peer connected to us is in the view once identify has said
			// where it listens, as in its gossip announcement: a peer shown
			// without an address cannot be dialled.
			PresenceRequest::View => PresenceResponse::View {
				peers: self
					.presence
					.view(MAX_VIEW)
					.into_iter()
					.filter_map(|mut e| {
						let p = protocol::peer_from_bytes(&e.peer)?;
						if e.via == e.peer && !self.identified.contains(&p) {
							return None;
						}
						e.addrs = self.addrs_bytes(&p);
						Some(e)
					})
					.collect(),
			},
		};
		if matches!(response, PresenceResponse::Refused(_)) {
			self.stats.refused += 1;
		}
		let _ = self.swarm.behaviour_mut().presence.send_response(channel, response);
	}

	pub(super) fn on_presence_response(
		&mut self,
		peer: PeerId,
		ask: PresenceAsk,
		response: PresenceResponse,
	) {
		match (ask, response) {
			(PresenceAsk::List { peer: of }, PresenceResponse::List { digest, hashes }) => {
				self.stats.lists_pulled += 1;
				self.pulling.remove(&of);
				match self.presence.on_list(of, digest, hashes) {
					Ok(Some(gossip)) => self.publish(gossip),
					Ok(None) => {},
					Err(ListMismatch) => {
						tracing::warn!("{peer} sent a list that does not match its digest")
					},
				}
			},
			(PresenceAsk::List { peer: of }, _) => {
				self.pulling.remove(&of);
			},
			(PresenceAsk::View { refresh }, PresenceResponse::View { peers }) => {
				for e in &peers {
					self.learn_addr_bytes(&e.peer, &e.addrs);
				}
				for (of, from) in self.presence.on_view(peer, peers) {
					self.act(Actions { pull: Some((of, from)), gossip: None });
				}
				if refresh {
					// From now on, what this mini-node knows, we know.
					self.current_views.insert(peer);
				}
			},
			_ => {},
		}
	}

	pub(super) fn presence_failed(&mut self, peer: PeerId, ask: PresenceAsk) {
		match ask {
			// Asked again when its next gossip reaches us.
			PresenceAsk::View { .. } => {
				self.refreshed.remove(&peer);
			},
			// Pulled again on a later tick.
			PresenceAsk::List { peer: of } => {
				self.pulling.remove(&of);
			},
			PresenceAsk::Announce => {},
		}
	}

	pub(super) fn on_gossip(&mut self, message: gossipsub::Message) {
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
}
