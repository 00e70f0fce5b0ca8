//! The play session, server side: a listener opens a session for a file we
//! serve, reports heartbeats (each stamped with our clock as it arrives),
//! and on closing gets a [`SessionReceipt`] signed with the sr25519 key of
//! the chain account we are paid on. The signing payload is the primitives'
//! [`SessionReceipt::signing_payload`], bound to the chain's genesis hash.
//!
//! Opening a session also proves which account this peer is paid on: the
//! account key signs the peer id, so nobody can claim another's peer.

use codec::Encode;
use libp2p::PeerId;
use musicchain_primitives::{
	receipt::{Heartbeat, SessionReceipt, MAX_HEARTBEATS},
	ContentHash, SongId,
};
use schnorrkel::{signing_context, Keypair, PublicKey, Signature};
use std::{
	collections::HashMap,
	sync::Arc,
	time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

/// sr25519 signing context of Substrate (what the runtime verifies with).
const SUBSTRATE: &[u8] = b"substrate";
/// Domain of the peer-to-account binding.
pub const BINDING_DOMAIN: &[u8] = b"musicchain/peer-account/v1";
/// Sessions one peer may have open at once.
pub const SESSIONS_PER_PEER: usize = 4;
/// Sessions open at once in total.
pub const SESSIONS_TOTAL: usize = 1024;
/// A session without a heartbeat for this long is dropped.
pub const SESSION_IDLE: Duration = Duration::from_secs(10 * 60);

/// The account a server is paid on, and the chain its receipts are for.
#[derive(Clone)]
pub struct Payout {
	pub key: Arc<Keypair>,
	pub genesis_hash: [u8; 32],
}

impl Payout {
	pub fn account(&self) -> [u8; 32] {
		self.key.public.to_bytes()
	}

	fn sign(&self, message: &[u8]) -> [u8; 64] {
		self.key.sign(signing_context(SUBSTRATE).bytes(message)).to_bytes()
	}

	/// Signs `peer`: "this peer is paid on my account".
	pub fn bind(&self, peer: &PeerId) -> [u8; 64] {
		self.sign(&binding_message(peer))
	}
}

fn binding_message(peer: &PeerId) -> Vec<u8> {
	let mut m = BINDING_DOMAIN.to_vec();
	m.extend_from_slice(&peer.to_bytes());
	m
}

fn verify(account: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
	let (Ok(public), Ok(sig)) = (PublicKey::from_bytes(account), Signature::from_bytes(signature))
	else {
		return false;
	};
	public.verify(signing_context(SUBSTRATE).bytes(message), &sig).is_ok()
}

/// Whether `account` really signed that `peer` is paid on it.
pub fn verify_binding(peer: &PeerId, account: &[u8; 32], signature: &[u8; 64]) -> bool {
	verify(account, &binding_message(peer), signature)
}

/// Whether `signature` is the server's signature of `receipt` for the chain
/// with `genesis_hash` (what the chain checks).
pub fn verify_receipt(
	receipt: &SessionReceipt<[u8; 32]>,
	genesis_hash: &[u8; 32],
	signature: &[u8; 64],
) -> bool {
	verify(&receipt.server, &receipt.signing_payload(genesis_hash), signature)
}

/// Why a play request was refused.
#[derive(
	Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, thiserror::Error,
)]
pub enum PlayRefusal {
	/// This peer has no payout account (it cannot sign receipts).
	#[error("the server has no payout account and cannot sign receipts")]
	NotPaid,
	/// We do not serve that content.
	#[error("the server does not serve this content")]
	UnknownContent,
	/// No open session with that nonce.
	#[error("no open session with that nonce")]
	UnknownSession,
	/// A session with that nonce is already open.
	#[error("a session with that nonce is already open")]
	Duplicate,
	/// Too many sessions at once.
	#[error("too many play sessions at once")]
	Busy,
	/// The heartbeat's range is empty or reversed.
	#[error("the heartbeat's range is empty or reversed")]
	BadHeartbeat,
	/// The session holds the most heartbeats a receipt can carry.
	#[error("the session holds the most heartbeats a receipt can carry")]
	Full,
}

struct Session {
	song: SongId,
	content_hash: ContentHash,
	heartbeats: Vec<Heartbeat>,
	last: Instant,
}

/// The open sessions of a server.
#[derive(Default)]
pub struct Sessions {
	open: HashMap<(PeerId, [u8; 32], u64), Session>,
}

fn now_ms() -> u64 {
	SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

impl Sessions {
	pub fn len(&self) -> usize {
		self.open.len()
	}

	pub fn is_empty(&self) -> bool {
		self.open.is_empty()
	}

	/// Opens a session for `listener` (its account) with its `nonce`.
	pub fn open(
		&mut self,
		peer: PeerId,
		listener: [u8; 32],
		nonce: u64,
		song: SongId,
		content_hash: ContentHash,
	) -> Result<(), PlayRefusal> {
		let key = (peer, listener, nonce);
		if self.open.contains_key(&key) {
			return Err(PlayRefusal::Duplicate);
		}
		let mine = self.open.keys().filter(|(p, ..)| *p == peer).count();
		if mine >= SESSIONS_PER_PEER || self.open.len() >= SESSIONS_TOTAL {
			return Err(PlayRefusal::Busy);
		}
		self.open.insert(
			key,
			Session { song, content_hash, heartbeats: Vec::new(), last: Instant::now() },
		);
		Ok(())
	}

	/// Records a heartbeat, stamped with our clock now.
	pub fn heartbeat(
		&mut self,
		peer: PeerId,
		listener: [u8; 32],
		nonce: u64,
		from_ms: u32,
		to_ms: u32,
	) -> Result<u32, PlayRefusal> {
		let s = self.open.get_mut(&(peer, listener, nonce)).ok_or(PlayRefusal::UnknownSession)?;
		if from_ms >= to_ms {
			return Err(PlayRefusal::BadHeartbeat);
		}
		if s.heartbeats.len() >= MAX_HEARTBEATS as usize {
			return Err(PlayRefusal::Full);
		}
		// Strictly increasing, as the chain requires.
		let at_ms = now_ms().max(s.heartbeats.last().map(|h| h.at_ms + 1).unwrap_or(0));
		s.heartbeats.push(Heartbeat { from_ms, to_ms, at_ms });
		s.last = Instant::now();
		Ok(s.heartbeats.len() as u32)
	}

	/// Closes a session: the receipt and our signature of it.
	pub fn close(
		&mut self,
		peer: PeerId,
		listener: [u8; 32],
		nonce: u64,
		payout: &Payout,
	) -> Result<(SessionReceipt<[u8; 32]>, [u8; 64]), PlayRefusal> {
		let s = self.open.remove(&(peer, listener, nonce)).ok_or(PlayRefusal::UnknownSession)?;
		let receipt = SessionReceipt {
			listener,
			server: payout.account(),
			song: s.song,
			content_hash: s.content_hash,
			nonce,
			heartbeats: s.heartbeats.try_into().map_err(|_| PlayRefusal::Full)?,
		};
		let signature = payout.sign(&receipt.signing_payload(&payout.genesis_hash));
		Ok((receipt, signature))
	}

	/// Drops sessions idle for too long, and all of a peer that left.
	pub fn expire(&mut self, gone: Option<&PeerId>) {
		self.open.retain(|(p, ..), s| Some(p) != gone && s.last.elapsed() < SESSION_IDLE);
	}
}

/// Makes the sr25519 key of an account from a 32-byte secret seed, the way
/// Substrate does (`sp_core::sr25519::Pair::from_seed`).
pub fn keypair_from_seed(seed: &[u8; 32]) -> Option<Keypair> {
	schnorrkel::MiniSecretKey::from_bytes(seed)
		.ok()
		.map(|k| k.expand_to_keypair(schnorrkel::ExpansionMode::Ed25519))
}

/// Encodes a receipt as the chain expects it (SCALE).
pub fn encode_receipt(receipt: &SessionReceipt<[u8; 32]>) -> Vec<u8> {
	receipt.encode()
}

#[cfg(test)]
mod tests {
	use super::*;
	use codec::Decode;

	fn payout() -> Payout {
		Payout { key: Arc::new(Keypair::generate()), genesis_hash: [9; 32] }
	}

	#[test]
	fn a_session_makes_a_receipt_the_chain_would_accept() {
		let (p, peer) = (payout(), PeerId::random());
		let mut s = Sessions::default();
		s.open(peer, [1; 32], 7, 3, ContentHash([2; 32])).expect("open");
		assert_eq!(s.open(peer, [1; 32], 7, 3, ContentHash([2; 32])), Err(PlayRefusal::Duplicate));
		assert_eq!(s.heartbeat(peer, [1; 32], 7, 0, 5_000), Ok(1));
		assert_eq!(s.heartbeat(peer, [1; 32], 7, 5_000, 5_000), Err(PlayRefusal::BadHeartbeat));
		assert_eq!(s.heartbeat(peer, [1; 32], 7, 5_000, 10_000), Ok(2));
		assert_eq!(s.heartbeat(peer, [1; 32], 8, 0, 1), Err(PlayRefusal::UnknownSession));
		let (receipt, sig) = s.close(peer, [1; 32], 7, &p).expect("close");
		assert_eq!(receipt.server, p.account());
		assert!(receipt.heartbeats[0].at_ms < receipt.heartbeats[1].at_ms);
		assert!(verify_receipt(&receipt, &[9; 32], &sig));
		assert!(!verify_receipt(&receipt, &[8; 32], &sig), "bound to the genesis hash");
		let decoded = SessionReceipt::<[u8; 32]>::decode(&mut &encode_receipt(&receipt)[..])
			.expect("decodes");
		assert_eq!(decoded, receipt);
		assert!(s.is_empty());
	}

	#[test]
	fn the_binding_proves_the_account() {
		let (p, peer) = (payout(), PeerId::random());
		let sig = p.bind(&peer);
		assert!(verify_binding(&peer, &p.account(), &sig));
		assert!(!verify_binding(&PeerId::random(), &p.account(), &sig));
	}

	#[test]
	fn sessions_per_peer_are_limited() {
		let peer = PeerId::random();
		let mut s = Sessions::default();
		for n in 0..SESSIONS_PER_PEER as u64 {
			s.open(peer, [1; 32], n, 1, ContentHash([0; 32])).expect("open");
		}
		assert_eq!(s.open(peer, [1; 32], 99, 1, ContentHash([0; 32])), Err(PlayRefusal::Busy));
		s.expire(Some(&peer));
		assert!(s.is_empty());
	}
}
