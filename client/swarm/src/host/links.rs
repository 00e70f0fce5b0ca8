//! The links a host keeps to its mini-nodes (`--bootstrap`) and relays
//! (`--relay-via`): each is dialled at start and again, with backoff, while
//! it is down, so that a mini-node that restarts is rejoined within seconds
//! (Kademlia's own bootstrap would take minutes). Their state is what
//! `peers` and `serve` show and what a failed download names.

use libp2p::{
	swarm::{
		dial_opts::{DialOpts, PeerCondition},
		ConnectionId,
	},
	Multiaddr, PeerId,
};
use std::time::{Duration, Instant};

/// The first redial after a link is lost or a dial fails.
pub const FIRST_RETRY: Duration = Duration::from_millis(500);
/// Redials back off, doubling, up to this: a mini-node that comes back is
/// rejoined at most this long after.
pub const MAX_RETRY: Duration = Duration::from_secs(4);

/// What a link is to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
	/// A mini-node joined with `--bootstrap`.
	MiniNode,
	/// A mini-node that relays for us (`--relay-via`) only.
	Relay,
}

/// A link's state, as shown to the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkStatus {
	pub kind: LinkKind,
	pub peer: PeerId,
	pub addr: Multiaddr,
	pub connected: bool,
	/// How long it has been connected, or not.
	pub since: Duration,
	/// Why the last dial failed, while it is down.
	pub error: Option<String>,
	/// Dials that failed since it was last connected.
	pub failures: u32,
}

impl LinkStatus {
	/// One line: "mini-node PEER at ADDR: connected for 12 s", or
	/// "... unreachable for 30 s (7 dials failed: Connection refused)".
	pub fn describe(&self) -> String {
		let kind = match self.kind {
			LinkKind::MiniNode => "mini-node",
			LinkKind::Relay => "relay",
		};
		let secs = self.since.as_secs();
		if self.connected {
			return format!("{kind} {} at {}: connected for {secs} s", self.peer, self.addr);
		}
		let why = match (&self.error, self.failures) {
			(Some(e), n) => format!(" ({n} dials failed, last: {e})"),
			(None, 0) => " (dialling)".to_string(),
			(None, n) => format!(" ({n} dials failed)"),
		};
		format!("{kind} {} at {}: unreachable for {secs} s{why}", self.peer, self.addr)
	}
}

struct Link {
	kind: LinkKind,
	peer: PeerId,
	addr: Multiaddr,
	connected: bool,
	/// When it last became connected or not.
	changed: Instant,
	/// The dial in flight.
	dialling: Option<ConnectionId>,
	next_dial: Instant,
	backoff: Duration,
	error: Option<String>,
	failures: u32,
}

/// Every link of a host.
pub(super) struct Links {
	links: Vec<Link>,
}

impl Links {
	/// Links to `mini_nodes` and `relays` (a relay that is also a mini-node
	/// is one link), to be dialled at once.
	pub fn new(mini_nodes: &[(PeerId, Multiaddr)], relays: &[(PeerId, Multiaddr)]) -> Links {
		let now = Instant::now();
		let mut links: Vec<Link> = Vec::new();
		let all = mini_nodes
			.iter()
			.map(|l| (LinkKind::MiniNode, l))
			.chain(relays.iter().map(|l| (LinkKind::Relay, l)));
		for (kind, (peer, addr)) in all {
			if links.iter().any(|l| l.peer == *peer) {
				continue;
			}
			links.push(Link {
				kind,
				peer: *peer,
				addr: addr.clone(),
				connected: false,
				changed: now,
				dialling: None,
				next_dial: now,
				backoff: FIRST_RETRY,
				error: None,
				failures: 0,
			});
		}
		Links { links }
	}

	/// Dials for the links that are down and due one, noted as in flight.
	pub fn due(&mut self, now: Instant) -> Vec<DialOpts> {
		let mut dials = Vec::new();
		for l in self.links.iter_mut().filter(|l| !l.connected && l.dialling.is_none()) {
			if now < l.next_dial {
				continue;
			}
			let opts = DialOpts::peer_id(l.peer)
				.addresses(vec![l.addr.clone()])
				.condition(PeerCondition::DisconnectedAndNotDialing)
				.build();
			l.dialling = Some(opts.connection_id());
			dials.push(opts);
		}
		dials
	}

	/// A dial could not start: another dial to the peer is under way or it
	/// is connected (`None`: try again soon), or the swarm refused it.
	pub fn not_started(&mut self, id: ConnectionId, error: Option<String>, now: Instant) {
		match error {
			Some(error) => self.failed(id, error, now),
			None => {
				if let Some(l) = self.links.iter_mut().find(|l| l.dialling == Some(id)) {
					l.dialling = None;
					l.next_dial = now + FIRST_RETRY;
				}
			},
		}
	}

	/// A dial failed: the next waits longer.
	pub fn failed(&mut self, id: ConnectionId, error: String, now: Instant) {
		if let Some(l) = self.links.iter_mut().find(|l| l.dialling == Some(id)) {
			l.dialling = None;
			l.failures += 1;
			l.error = Some(error);
			l.next_dial = now + l.backoff;
			l.backoff = (l.backoff * 2).min(MAX_RETRY);
		}
	}

	/// `peer` is connected. True when it is a link's peer that had been down
	/// after being up (a mini-node that came back: what it held of us, it
	/// may have lost).
	pub fn connected(&mut self, peer: PeerId, now: Instant) -> bool {
		let Some(l) = self.links.iter_mut().find(|l| l.peer == peer) else { return false };
		let back = !l.connected && l.failures + u32::from(l.error.is_some()) > 0;
		if !l.connected {
			l.connected = true;
			l.changed = now;
		}
		l.dialling = None;
		l.backoff = FIRST_RETRY;
		l.error = None;
		l.failures = 0;
		back
	}

	/// The last connection to `peer` closed: redial soon.
	pub fn closed(&mut self, peer: PeerId, now: Instant) {
		if let Some(l) = self.links.iter_mut().find(|l| l.peer == peer && l.connected) {
			l.connected = false;
			l.changed = now;
			l.next_dial = now + FIRST_RETRY;
			l.backoff = FIRST_RETRY * 2;
			l.error = Some("the connection closed".into());
		}
	}

	/// Whether `peer` is one of the mini-nodes.
	pub fn is_mini_node(&self, peer: &PeerId) -> bool {
		self.links.iter().any(|l| l.peer == *peer && l.kind == LinkKind::MiniNode)
	}

	/// Whether what the mini-nodes know of who is online has reached us:
	/// a connected mini-node's view is `current`, or every mini-node is
	/// down and has failed (nothing more can come from them for now), or
	/// there is none. A mini-node being dialled, or connected with its view
	/// on the way, is waited for.
	pub fn views_settled(&self, current: impl Fn(&PeerId) -> bool) -> bool {
		let mut settled = true;
		for l in self.links.iter().filter(|l| l.kind == LinkKind::MiniNode) {
			if l.connected && current(&l.peer) {
				return true;
			}
			if l.connected || (l.failures == 0 && l.error.is_none()) {
				settled = false;
			}
		}
		settled
	}

	pub fn status(&self, now: Instant) -> Vec<LinkStatus> {
		self.links
			.iter()
			.map(|l| LinkStatus {
				kind: l.kind,
				peer: l.peer,
				addr: l.addr.clone(),
				connected: l.connected,
				since: now.saturating_duration_since(l.changed),
				error: l.error.clone(),
				failures: l.failures,
			})
			.collect()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_lost_link_is_redialled_with_backoff_and_reset_when_back() {
		let peer = PeerId::random();
		let addr: Multiaddr = "/ip4/127.0.0.1/tcp/4001".parse().expect("addr");
		let mut links = Links::new(&[(peer, addr.clone())], &[(peer, addr)]);
		let t0 = Instant::now();
		let first = links.due(t0);
		assert_eq!(first.len(), 1, "one link for a mini-node that also relays");
		assert!(links.due(t0).is_empty(), "not dialled twice at once");
		assert!(!links.connected(peer, t0), "a first connection is not a return");
		assert!(links.due(t0 + MAX_RETRY).is_empty(), "connected: nothing to dial");

		// The mini-node goes away; its dials fail, each wait doubling.
		links.closed(peer, t0);
		assert!(!links.status(t0)[0].connected);
		assert!(links.due(t0).is_empty());
		let mut at = t0 + FIRST_RETRY;
		let mut waits = Vec::new();
		for _ in 0..5 {
			let dial = links.due(at);
			assert_eq!(dial.len(), 1, "due at {:?}", at - t0);
			links.failed(dial[0].connection_id(), "Connection refused".into(), at);
			let next = (1..=100)
				.map(|ms| at + Duration::from_millis(ms * 100))
				.find(|t| !links.due_peek(*t))
				.expect("a next dial");
			waits.push(next - at);
			at = next;
		}
		assert_eq!(
			waits.iter().map(|w| w.as_millis()).collect::<Vec<_>>(),
			[1000, 2000, 4000, 4000, 4000]
		);
		let status = &links.status(at)[0];
		assert!(!status.connected);
		assert_eq!(status.failures, 5);
		assert!(status.describe().contains("unreachable for"), "{}", status.describe());
		assert!(status.describe().contains("last: Connection refused"), "{}", status.describe());

		// It is back: a return, and the backoff starts over.
		let dial = links.due(at);
		assert!(links.connected(peer, at));
		assert!(links.status(at)[0].connected);
		assert!(links.status(at)[0].describe().contains("connected for 0 s"));
		drop(dial);
		links.closed(peer, at);
		assert_eq!(links.due(at + FIRST_RETRY).len(), 1);
	}

	#[test]
	fn views_are_settled_by_a_current_mini_node_or_by_all_failing() {
		let (a, b) = (PeerId::random(), PeerId::random());
		let addr: Multiaddr = "/ip4/127.0.0.1/tcp/4001".parse().expect("addr");
		let none = |_: &PeerId| false;
		assert!(Links::new(&[], &[(a, addr.clone())]).views_settled(none), "no mini-node");
		let mut links = Links::new(&[(a, addr.clone()), (b, addr)], &[]);
		let t0 = Instant::now();
		let dials = links.due(t0);
		assert!(!links.views_settled(none), "both being dialled");
		links.failed(dials[0].connection_id(), "refused".into(), t0);
		assert!(!links.views_settled(none), "one still being dialled");
		links.connected(b, t0);
		assert!(!links.views_settled(none), "b's view is on the way");
		assert!(links.views_settled(|p| *p == b), "b's view is current");
		links.closed(b, t0);
		assert!(links.views_settled(none), "both down and failed");
	}

	impl Links {
		/// Whether a dial is *not yet* due at `now` (for the test's search).
		fn due_peek(&self, now: Instant) -> bool {
			self.links.iter().all(|l| l.connected || l.dialling.is_some() || now < l.next_dial)
		}
	}
}
