//! Presence: who is online now, and which content hashes they serve.
//!
//! A peer sends its library digest to every peer it connects to (a `Hello`
//! of 40-odd bytes). The receiver that already holds the list behind that
//! digest asks nothing more; otherwise it pulls the list once. A change to a
//! library is one `Delta`. Mini-nodes are the backbone: they vouch for their
//! directly connected peers on the gossip topic (online, delta, offline) and
//! beacon every few seconds, so a peer attached to one mini-node sees the
//! peers attached to all of them. A peer is online while something that is
//! itself alive vouches for it: a direct connection, or a mini-node heard
//! from within [`SOURCE_TTL`].
//!
//! This module is the bookkeeping only; the host moves the messages.

use super::protocol::{library_digest, Digest, PeerEntry};
use libp2p::PeerId;
use musicchain_primitives::ContentHash;
use serde::{Deserialize, Serialize};
use std::{
	collections::{BTreeSet, HashMap, HashSet},
	sync::Arc,
	time::{Duration, Instant},
};

/// How often a mini-node beacons on the gossip topic.
pub const BEACON_INTERVAL: Duration = Duration::from_secs(3);
/// A mini-node not heard from for this long no longer vouches for anyone.
pub const SOURCE_TTL: Duration = Duration::from_secs(10);
/// Most peers remembered (online or not) with the digest last seen.
const MAX_KNOWN: usize = 100_000;

/// A library: its sorted content hashes.
pub type List = Arc<BTreeSet<ContentHash>>;

/// What mini-nodes say on the presence topic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Gossip {
	/// A peer connected to the sender announced this digest; `addrs` are
	/// the addresses it listens on, as the sender heard them (multiaddr
	/// bytes), so others can dial it without a DHT lookup.
	Online { peer: Vec<u8>, digest: Digest, files: u32, addrs: Vec<Vec<u8>> },
	/// A peer connected to the sender changed its library.
	Delta {
		peer: Vec<u8>,
		prev: Digest,
		next: Digest,
		added: Vec<ContentHash>,
		removed: Vec<ContentHash>,
	},
	/// The sender no longer sees this peer.
	Offline { peer: Vec<u8> },
	/// The sender is alive.
	Beacon,
}

#[derive(Debug)]
struct Entry {
	digest: Digest,
	files: u32,
	/// Who vouches that the peer is online: the peer itself (a direct
	/// connection) or mini-nodes.
	sources: HashSet<PeerId>,
}

/// The presence state of one host.
#[derive(Debug)]
pub struct Presence {
	me: PeerId,
	own: List,
	own_digest: Digest,
	entries: HashMap<PeerId, Entry>,
	lists: HashMap<Digest, List>,
	/// Live sources and when they were last heard from; a directly
	/// connected peer is live while connected.
	heard: HashMap<PeerId, Instant>,
	connected: HashSet<PeerId>,
}

/// A pulled list that is not the one behind the digest it came with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the list does not match its digest")]
pub struct ListMismatch;

/// What the host should do after an input.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Actions {
	/// Pull the list behind `peer`'s digest from `from` (`from == peer`: its own).
	pub pull: Option<(PeerId, PeerId)>,
	/// Publish this on the gossip topic (mini-nodes only act on it).
	pub gossip: Option<Gossip>,
}

/// Result of applying a delta.
fn apply_delta(base: &List, added: &[ContentHash], removed: &[ContentHash]) -> List {
	let mut next = (**base).clone();
	for r in removed {
		next.remove(r);
	}
	next.extend(added.iter().copied());
	Arc::new(next)
}

impl Presence {
	pub fn new(me: PeerId, own: impl IntoIterator<Item = ContentHash>) -> Presence {
		let own: BTreeSet<ContentHash> = own.into_iter().collect();
		let own_digest = library_digest(&own);
		Presence {
			me,
			own: Arc::new(own),
			own_digest,
			entries: HashMap::new(),
			lists: HashMap::new(),
			heard: HashMap::new(),
			connected: HashSet::new(),
		}
	}

	/// Our own digest and file count, for the `Hello` we send.
	pub fn hello(&self) -> (Digest, u32) {
		(self.own_digest, self.own.len() as u32)
	}

	/// Changes our own library: returns the delta to send to every
	/// connected peer as `(prev, next, added, removed)`, or `None` if nothing
	/// changed.
	pub fn change_own(
		&mut self,
		added: &[ContentHash],
		removed: &[ContentHash],
	) -> Option<(Digest, Digest, Vec<ContentHash>, Vec<ContentHash>)> {
		let added: Vec<_> = added.iter().filter(|h| !self.own.contains(*h)).copied().collect();
		let removed: Vec<_> = removed.iter().filter(|h| self.own.contains(*h)).copied().collect();
		if added.is_empty() && removed.is_empty() {
			return None;
		}
		let prev = self.own_digest;
		self.own = apply_delta(&self.own, &added, &removed);
		self.own_digest = library_digest(self.own.iter());
		Some((prev, self.own_digest, added, removed))
	}

	/// The list we hold for `peer` (ours for `me`).
	pub fn list_of(&self, peer: &PeerId) -> Option<(Digest, &List)> {
		if peer == &self.me {
			return Some((self.own_digest, &self.own));
		}
		let e = self.entries.get(peer)?;
		self.lists.get(&e.digest).map(|l| (e.digest, l))
	}

	fn vouch(&mut self, peer: PeerId, source: PeerId, digest: Digest, files: u32) -> Actions {
		if peer == self.me {
			return Actions::default();
		}
		if !self.entries.contains_key(&peer) && self.entries.len() >= MAX_KNOWN {
			self.forget_offline();
		}
		let e = self.entries.entry(peer).or_insert_with(|| Entry {
			digest,
			files,
			sources: HashSet::new(),
		});
		e.digest = digest;
		e.files = files;
		e.sources.insert(source);
		self.heard.entry(source).or_insert_with(Instant::now);
		let listed = self.lists.contains_key(&digest) || files == 0;
		// Others are told once the list can be pulled from us.
		Actions { pull: (!listed).then_some((peer, source)), gossip: self.announcement(&peer) }
	}

	/// What a mini-node says of `peer` on the gossip topic while it is
	/// connected to us and its list is held: `Online` (addresses to be filled
	/// in by the host).
	pub fn announcement(&self, peer: &PeerId) -> Option<Gossip> {
		let e = self.entries.get(peer).filter(|e| e.sources.contains(peer))?;
		let listed = e.files == 0 || self.lists.contains_key(&e.digest);
		listed.then(|| Gossip::Online {
			peer: peer.to_bytes(),
			digest: e.digest,
			files: e.files,
			addrs: Vec::new(),
		})
	}

	/// Online peers whose list is not held, with a source to pull it from.
	pub fn unlisted(&self) -> Vec<(PeerId, PeerId)> {
		self.entries
			.iter()
			.filter(|(_, e)| e.files > 0 && !self.lists.contains_key(&e.digest))
			.filter_map(|(p, e)| {
				let source = if e.sources.contains(p) { Some(p) } else { e.sources.iter().next() };
				source.map(|s| (*p, *s))
			})
			.collect()
	}

	/// A peer connected to us.
	pub fn connected(&mut self, peer: PeerId) {
		self.connected.insert(peer);
	}

	/// A directly connected peer said hello.
	pub fn on_hello(&mut self, peer: PeerId, digest: Digest, files: u32) -> Actions {
		self.vouch(peer, peer, digest, files)
	}

	/// A directly connected peer, or a mini-node for `peer`, sent a delta.
	pub fn on_delta(
		&mut self,
		peer: PeerId,
		source: PeerId,
		prev: Digest,
		next: Digest,
		added: &[ContentHash],
		removed: &[ContentHash],
	) -> Actions {
		let files_before = self.entries.get(&peer).map(|e| e.files).unwrap_or(0);
		let base = if files_before == 0 && prev == library_digest(&[]) {
			Some(Arc::new(BTreeSet::new()))
		} else {
			self.lists.get(&prev).cloned()
		};
		let gossip = Gossip::Delta {
			peer: peer.to_bytes(),
			prev,
			next,
			added: added.to_vec(),
			removed: removed.to_vec(),
		};
		if let Some(base) = base {
			let list = apply_delta(&base, added, removed);
			if library_digest(list.iter()) == next {
				let files = list.len() as u32;
				self.lists.insert(next, list);
				let mut a = self.vouch(peer, source, next, files);
				a.gossip = Some(gossip);
				return a;
			}
		}
		// A delta on a list we do not hold, or one that does not add up:
		// take the new digest and pull the whole list.
		let files = files_before
			.saturating_add(added.len() as u32)
			.saturating_sub(removed.len() as u32)
			.max(1);
		let mut a = self.vouch(peer, source, next, files);
		a.pull = Some((peer, source));
		a.gossip = Some(gossip);
		a
	}

	/// A pulled list arrived. `Err` if it does not match the digest; else
	/// the gossip a mini-node sends now that it can hand the list on.
	pub fn on_list(
		&mut self,
		peer: PeerId,
		digest: Digest,
		hashes: Vec<ContentHash>,
	) -> Result<Option<Gossip>, ListMismatch> {
		let list: BTreeSet<ContentHash> = hashes.into_iter().collect();
		if library_digest(&list) != digest {
			return Err(ListMismatch);
		}
		let files = list.len() as u32;
		self.lists.insert(digest, Arc::new(list));
		let Some(e) = self.entries.get_mut(&peer) else { return Ok(None) };
		if e.digest != digest {
			return Ok(None);
		}
		e.files = files;
		Ok(self.announcement(&peer))
	}

	/// A mini-node's gossip.
	pub fn on_gossip(&mut self, source: PeerId, gossip: Gossip) -> Actions {
		self.heard.insert(source, Instant::now());
		let parse = |p: &[u8]| PeerId::from_bytes(p).ok();
		match gossip {
			Gossip::Online { peer, digest, files, .. } => match parse(&peer) {
				Some(peer) => {
					let mut a = self.vouch(peer, source, digest, files);
					a.gossip = None;
					a
				},
				None => Actions::default(),
			},
			Gossip::Delta { peer, prev, next, added, removed } => match parse(&peer) {
				Some(peer) if peer != self.me => {
					let mut a = self.on_delta(peer, source, prev, next, &added, &removed);
					a.gossip = None;
					a
				},
				_ => Actions::default(),
			},
			Gossip::Offline { peer } => {
				if let Some(peer) = parse(&peer) {
					self.unvouch(&peer, &source);
				}
				Actions::default()
			},
			Gossip::Beacon => Actions::default(),
		}
	}

	fn unvouch(&mut self, peer: &PeerId, source: &PeerId) {
		if let Some(e) = self.entries.get_mut(peer) {
			e.sources.remove(source);
		}
	}

	/// The last connection to `peer` closed: returns the gossip a mini-node
	/// sends for it, if we had vouched for it.
	pub fn disconnected(&mut self, peer: PeerId) -> Option<Gossip> {
		self.connected.remove(&peer);
		self.heard.remove(&peer);
		let was_direct = self.entries.get(&peer).is_some_and(|e| e.sources.contains(&peer));
		self.unvouch(&peer, &peer);
		was_direct.then(|| Gossip::Offline { peer: peer.to_bytes() })
	}

	/// Drops sources that have gone quiet. Call every second or so.
	pub fn expire(&mut self, now: Instant) {
		let connected = &self.connected;
		self.heard.retain(|p, t| connected.contains(p) || now.duration_since(*t) < SOURCE_TTL);
		let heard = &self.heard;
		for e in self.entries.values_mut() {
			e.sources.retain(|s| connected.contains(s) || heard.contains_key(s));
		}
	}

	fn forget_offline(&mut self) {
		self.entries.retain(|_, e| !e.sources.is_empty());
		let used: HashSet<Digest> = self.entries.values().map(|e| e.digest).collect();
		self.lists.retain(|d, _| used.contains(d));
	}

	/// Whether `peer` is online now.
	pub fn is_online(&self, peer: &PeerId) -> bool {
		self.entries.get(peer).is_some_and(|e| !e.sources.is_empty())
	}

	/// Online peers with their digest, file count and whether their list is held.
	pub fn online(&self) -> Vec<(PeerId, Digest, u32, bool)> {
		let mut v: Vec<_> = self
			.entries
			.iter()
			.filter(|(_, e)| !e.sources.is_empty())
			.map(|(p, e)| {
				(*p, e.digest, e.files, e.files == 0 || self.lists.contains_key(&e.digest))
			})
			.collect();
		v.sort_by_key(|(p, ..)| p.to_bytes());
		v
	}

	/// The online peers that serve `hash`.
	pub fn providers(&self, hash: &ContentHash) -> Vec<PeerId> {
		self.entries
			.iter()
			.filter(|(_, e)| !e.sources.is_empty())
			.filter(|(_, e)| self.lists.get(&e.digest).is_some_and(|l| l.contains(hash)))
			.map(|(p, _)| *p)
			.collect()
	}

	/// Every content hash with an online provider now: what Discover shows.
	pub fn online_content(&self) -> BTreeSet<ContentHash> {
		let mut all = BTreeSet::new();
		for e in self.entries.values().filter(|e| !e.sources.is_empty()) {
			if let Some(l) = self.lists.get(&e.digest) {
				all.extend(l.iter().copied());
			}
		}
		all
	}

	/// The view we answer a `View` request with: online peers and the
	/// source that vouches for each (`via`, so the asker can tell when that
	/// source goes away). Addresses are the host's to fill in.
	pub fn view(&self, limit: usize) -> Vec<PeerEntry> {
		self.entries
			.iter()
			.filter_map(|(p, e)| {
				let via = e.sources.iter().next()?;
				Some(PeerEntry {
					peer: p.to_bytes(),
					digest: e.digest,
					files: e.files,
					via: via.to_bytes(),
					addrs: Vec::new(),
				})
			})
			.take(limit)
			.collect()
	}

	/// Takes a `View` answer from `from`: each entry is vouched by its
	/// source if that source is `from` or a mini-node `from` heard from.
	pub fn on_view(&mut self, from: PeerId, entries: Vec<PeerEntry>) -> Vec<(PeerId, PeerId)> {
		let mut pulls = Vec::new();
		for e in entries {
			let (Ok(peer), Ok(via)) = (PeerId::from_bytes(&e.peer), PeerId::from_bytes(&e.via))
			else {
				continue;
			};
			// A peer vouched for by its own direct connection to `from` is
			// vouched for by `from` as far as we are concerned.
			let source = if via == peer { from } else { via };
			self.heard.entry(source).or_insert_with(Instant::now);
			if let Some((p, _)) = self.vouch(peer, source, e.digest, e.files).pull {
				pulls.push((p, from));
			}
		}
		pulls
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn h(n: u8) -> ContentHash {
		ContentHash([n; 32])
	}

	#[test]
	fn a_known_digest_is_not_pulled_again() {
		let (me, p) = (PeerId::random(), PeerId::random());
		let mut pr = Presence::new(me, []);
		let d = library_digest(&[h(1), h(2)]);
		let a = pr.on_hello(p, d, 2);
		assert_eq!(a.pull, Some((p, p)));
		assert_eq!(a.gossip, None, "others hear of it once its list is held");
		assert_eq!(pr.unlisted(), vec![(p, p)]);
		let g = pr.on_list(p, d, vec![h(2), h(1)]).expect("matches");
		assert_eq!(
			g,
			Some(Gossip::Online { peer: p.to_bytes(), digest: d, files: 2, addrs: vec![] })
		);
		assert!(pr.unlisted().is_empty());
		assert_eq!(pr.providers(&h(1)), vec![p]);
		assert_eq!(pr.disconnected(p), Some(Gossip::Offline { peer: p.to_bytes() }));
		assert!(pr.providers(&h(1)).is_empty());
		assert_eq!(pr.on_hello(p, d, 2).pull, None, "an unchanged library is not pulled again");
		assert!(pr.is_online(&p));
	}

	#[test]
	fn deltas_apply_and_bad_lists_are_refused() {
		let (me, p) = (PeerId::random(), PeerId::random());
		let mut pr = Presence::new(me, []);
		let d1 = library_digest(&[h(1)]);
		pr.on_hello(p, d1, 1);
		assert!(pr.on_list(p, d1, vec![h(9)]).is_err(), "a list that is not behind the digest");
		assert!(pr.on_list(p, d1, vec![h(1)]).is_ok());
		let d2 = library_digest(&[h(1), h(3)]);
		let a = pr.on_delta(p, p, d1, d2, &[h(3)], &[]);
		assert_eq!(a.pull, None);
		assert_eq!(pr.providers(&h(3)), vec![p]);
		// A delta that does not add up asks for the whole list.
		let a = pr.on_delta(p, p, d2, [7; 32], &[h(4)], &[]);
		assert_eq!(a.pull, Some((p, p)));
	}

	#[test]
	fn a_quiet_mini_node_stops_vouching() {
		let (me, m, p) = (PeerId::random(), PeerId::random(), PeerId::random());
		let mut pr = Presence::new(me, []);
		let d = library_digest(&[h(1)]);
		pr.on_gossip(m, Gossip::Online { peer: p.to_bytes(), digest: d, files: 1, addrs: vec![] });
		assert!(pr.is_online(&p));
		pr.expire(Instant::now() + SOURCE_TTL + Duration::from_secs(1));
		assert!(!pr.is_online(&p));
	}

	#[test]
	fn own_changes_make_deltas() {
		let mut pr = Presence::new(PeerId::random(), [h(1)]);
		assert_eq!(pr.change_own(&[h(1)], &[]), None);
		let (prev, next, added, removed) = pr.change_own(&[h(2)], &[h(1)]).expect("a change");
		assert_eq!((added, removed), (vec![h(2)], vec![h(1)]));
		assert_ne!(prev, next);
		assert_eq!(pr.hello(), (library_digest(&[h(2)]), 1));
	}
}
