//! The swarm's request/response protocols and their wire format.
//!
//! Every protocol is versioned by its name. A message is one frame: a
//! big-endian `u32` length and that many bytes, read with a limit that
//! depends on the protocol and the direction, so an oversized or endless
//! message is refused before it is buffered. Small messages are postcard;
//! the piece data of [`Response::Pieces`] is raw bytes after a fixed header.

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::{request_response, PeerId, StreamProtocol};
use musicchain_primitives::{ContentHash, PIECE_SIZE};
use serde::{Deserialize, Serialize};
use std::{
	io,
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc,
	},
};

/// A content hash's per-piece SHA-256 list.
pub const MANIFEST: StreamProtocol = StreamProtocol::new("/musicchain/manifest/1");
/// A range of a file's pieces, as raw bytes.
pub const PIECES: StreamProtocol = StreamProtocol::new("/musicchain/pieces/1");
/// Presence: a library digest on connecting, deltas, and the lists behind them.
pub const PRESENCE: StreamProtocol = StreamProtocol::new("/musicchain/presence/1");
/// The play session: heartbeats in, a signed receipt out.
pub const PLAY: StreamProtocol = StreamProtocol::new("/musicchain/play/1");
/// Kademlia under our own name: our DHT never mixes with public ones.
pub const KADEMLIA: StreamProtocol = StreamProtocol::new("/musicchain/kad/1");
/// Identify's protocol version string.
pub const IDENTIFY: &str = "/musicchain/id/1";

/// Most pieces one request may ask for (2 MiB).
pub const MAX_PIECES_PER_REQUEST: u32 = 8;
/// Largest file a manifest may describe: 16 GiB at 256 KiB pieces.
pub const MAX_PIECES: usize = 65_536;
/// Most content hashes in one library list or delta.
pub const MAX_LIST: usize = 200_000;
/// Most peers in one view answer.
pub const MAX_VIEW: usize = 20_000;

const MAX_REQUEST: usize = 64 * 1024;
const MAX_RESPONSE: usize = MAX_LIST * 32 + 1024;
const PIECES_HEADER: usize = 1 + 4;

/// A digest over a set of content hashes: SHA-256 over them, sorted.
pub type Digest = [u8; 32];

/// What a peer asks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
	/// The manifest of a file the peer serves.
	Manifest { content_hash: ContentHash },
	/// `count` pieces from `first`.
	Pieces { content_hash: ContentHash, first: u32, count: u32 },
	/// Presence, sent on connecting: "my library has this digest".
	Hello { digest: Digest, files: u32 },
	/// Presence: one change to the sender's library.
	Delta { prev: Digest, next: Digest, added: Vec<ContentHash>, removed: Vec<ContentHash> },
	/// The content hashes behind a digest: the answering peer's own library
	/// (`peer: None`), or one it relays presence for.
	List { peer: Option<Vec<u8>> },
	/// Every online peer the answering peer knows of, with its digest.
	View,
	/// Opens a play session of `song` from the file `content_hash`, for the
	/// `listener` account, with a nonce of the listener's choosing.
	PlayOpen { content_hash: ContentHash, song: u32, listener: [u8; 32], nonce: u64 },
	/// The listener played `[from_ms, to_ms)` of the song.
	Heartbeat { listener: [u8; 32], nonce: u64, from_ms: u32, to_ms: u32 },
	/// Ends the session: answered with the signed receipt.
	PlayClose { listener: [u8; 32], nonce: u64 },
}

/// Why a request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Refusal {
	#[error("the peer does not serve this content")]
	UnknownContent,
	#[error("the request is malformed or not valid for this protocol")]
	BadRequest,
	#[error("the request asks for too much at once")]
	TooLarge,
	#[error("the peer is busy with this downloader's other requests")]
	Busy,
	#[error("the peer could not read the file")]
	Unavailable,
	#[error("the peer does not know that library")]
	UnknownPeer,
}

/// A peer's presence as another peer saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerEntry {
	pub peer: Vec<u8>,
	pub digest: Digest,
	pub files: u32,
	/// Who vouches for the peer: itself (a direct connection) or a mini-node.
	pub via: Vec<u8>,
	/// Addresses the peer listens on (multiaddr bytes), if known.
	pub addrs: Vec<Vec<u8>>,
}

/// Most addresses kept or passed on for one peer.
pub const MAX_ADDRS: usize = 8;

/// The answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Response {
	Manifest {
		size: u64,
		piece_size: u32,
		format: u8,
		pieces: Vec<[u8; 32]>,
	},
	/// The bytes of pieces `first..`, back to back (the file's last piece
	/// may be short).
	Pieces {
		first: u32,
		data: Vec<u8>,
	},
	/// Presence acknowledged (the receiver pulls a list it lacks itself).
	Ack,
	List {
		digest: Digest,
		hashes: Vec<ContentHash>,
	},
	View {
		peers: Vec<PeerEntry>,
	},
	/// A session is open; `server` is the account we are paid on and
	/// `binding` its sr25519 signature of our peer id.
	PlayOpened {
		server: [u8; 32],
		binding: Vec<u8>,
	},
	/// Heartbeats recorded so far in the session.
	Heartbeats {
		count: u32,
	},
	/// The SCALE-encoded `SessionReceipt` and the server's sr25519 signature.
	Receipt {
		receipt: Vec<u8>,
		signature: Vec<u8>,
	},
	PlayRefused(super::play::PlayRefusal),
	Refused(Refusal),
}

/// The protocol a request travels on.
pub fn protocol_of(request: &Request) -> StreamProtocol {
	match request {
		Request::Manifest { .. } => MANIFEST,
		Request::Pieces { .. } => PIECES,
		Request::PlayOpen { .. } | Request::Heartbeat { .. } | Request::PlayClose { .. } => PLAY,
		_ => PRESENCE,
	}
}

/// Parses a peer id sent as bytes.
pub fn peer_from_bytes(bytes: &[u8]) -> Option<PeerId> {
	PeerId::from_bytes(bytes).ok()
}

fn invalid(what: impl Into<String>) -> io::Error {
	io::Error::new(io::ErrorKind::InvalidData, what.into())
}

/// Reads a frame's length, refusing one over `limit` before anything is buffered.
async fn read_len<T: AsyncRead + Unpin + Send>(io: &mut T, limit: usize) -> io::Result<usize> {
	let mut len = [0u8; 4];
	io.read_exact(&mut len).await?;
	let len = u32::from_be_bytes(len) as usize;
	if len > limit {
		return Err(invalid(format!("message of {len} bytes is over the limit of {limit}")));
	}
	Ok(len)
}

async fn read_frame<T: AsyncRead + Unpin + Send>(io: &mut T, limit: usize) -> io::Result<Vec<u8>> {
	let mut buf = vec![0u8; read_len(io, limit).await?];
	io.read_exact(&mut buf).await?;
	Ok(buf)
}

async fn write_frame<T: AsyncWrite + Unpin + Send>(io: &mut T, parts: &[&[u8]]) -> io::Result<()> {
	let len: usize = parts.iter().map(|p| p.len()).sum();
	let len = u32::try_from(len).map_err(|_| invalid("message too large"))?;
	io.write_all(&len.to_be_bytes()).await?;
	for p in parts {
		io.write_all(p).await?;
	}
	io.close().await
}

const TAG_PIECES: u8 = 0xfe;
const TAG_POSTCARD: u8 = 0x01;

/// Encodes a request (for tests that speak the wire format directly).
pub fn encode_request(request: &Request) -> io::Result<Vec<u8>> {
	postcard::to_allocvec(request).map_err(|e| invalid(e.to_string()))
}

/// Decodes a response body (without its length prefix).
pub fn decode_response(buf: &[u8]) -> io::Result<Response> {
	match buf.split_first() {
		Some((&TAG_PIECES, rest)) if rest.len() >= PIECES_HEADER - 1 => {
			let (first, data) = rest.split_at(4);
			let first = u32::from_be_bytes(first.try_into().map_err(|_| invalid("short header"))?);
			Ok(Response::Pieces { first, data: data.to_vec() })
		},
		Some((&TAG_POSTCARD, rest)) => {
			postcard::from_bytes(rest).map_err(|e| invalid(e.to_string()))
		},
		_ => Err(invalid("unknown response tag")),
	}
}

/// The codec of all our request/response protocols. It counts the inbound
/// requests it could not read (request/response drops those streams
/// without telling the behaviour).
#[derive(Clone, Debug, Default)]
pub struct Codec {
	pub malformed: Arc<AtomicU64>,
}

impl request_response::Codec for Codec {
	type Protocol = StreamProtocol;
	type Request = Request;
	type Response = Response;

	async fn read_request<T>(
		&mut self,
		protocol: &StreamProtocol,
		io: &mut T,
	) -> io::Result<Request>
	where
		T: AsyncRead + Unpin + Send,
	{
		let read = async {
			let buf = read_frame(io, MAX_REQUEST).await?;
			let request: Request =
				postcard::from_bytes(&buf).map_err(|e| invalid(e.to_string()))?;
			if protocol_of(&request).as_ref() != protocol.as_ref() {
				return Err(invalid(format!("{request:?} is not a {protocol} request")));
			}
			Ok(request)
		};
		let result = read.await;
		if result.is_err() {
			self.malformed.fetch_add(1, Ordering::Relaxed);
		}
		result
	}

	async fn read_response<T>(
		&mut self,
		protocol: &StreamProtocol,
		io: &mut T,
	) -> io::Result<Response>
	where
		T: AsyncRead + Unpin + Send,
	{
		let limit = if protocol.as_ref() == PIECES.as_ref() {
			PIECES_HEADER + (MAX_PIECES_PER_REQUEST * PIECE_SIZE) as usize
		} else {
			MAX_RESPONSE
		};
		let len = read_len(io, limit).await?;
		let mut tag = [0u8; 1];
		if len > 0 {
			io.read_exact(&mut tag).await?;
		}
		if tag[0] == TAG_PIECES && len >= PIECES_HEADER {
			// Piece data is read straight into its own buffer: no copy.
			let mut first = [0u8; 4];
			io.read_exact(&mut first).await?;
			let mut data = vec![0u8; len - PIECES_HEADER];
			io.read_exact(&mut data).await?;
			return Ok(Response::Pieces { first: u32::from_be_bytes(first), data });
		}
		let mut buf = vec![0u8; len];
		if let Some((t, rest)) = buf.split_first_mut() {
			*t = tag[0];
			io.read_exact(rest).await?;
		}
		decode_response(&buf)
	}

	async fn write_request<T>(
		&mut self,
		_: &StreamProtocol,
		io: &mut T,
		req: Request,
	) -> io::Result<()>
	where
		T: AsyncWrite + Unpin + Send,
	{
		write_frame(io, &[&encode_request(&req)?]).await
	}

	async fn write_response<T>(
		&mut self,
		_: &StreamProtocol,
		io: &mut T,
		res: Response,
	) -> io::Result<()>
	where
		T: AsyncWrite + Unpin + Send,
	{
		match res {
			Response::Pieces { first, data } => {
				write_frame(io, &[&[TAG_PIECES], &first.to_be_bytes(), &data]).await
			},
			other => {
				let body = postcard::to_allocvec(&other).map_err(|e| invalid(e.to_string()))?;
				write_frame(io, &[&[TAG_POSTCARD], &body]).await
			},
		}
	}
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
	hex::encode(bytes)
}

/// Parses 64 hex digits (an optional `0x` in front) into 32 bytes.
pub fn parse_hash(text: &str) -> Option<[u8; 32]> {
	let t = text.trim();
	let t = t.strip_prefix("0x").unwrap_or(t);
	let mut out = [0u8; 32];
	hex::decode_to_slice(t, &mut out).ok().map(|()| out)
}

/// SHA-256 over sorted content hashes: the digest a peer announces.
pub fn library_digest<'a>(hashes: impl IntoIterator<Item = &'a ContentHash>) -> Digest {
	use sha2::{Digest as _, Sha256};
	let mut sorted: Vec<&ContentHash> = hashes.into_iter().collect();
	sorted.sort();
	sorted.dedup();
	let mut h = Sha256::new();
	for c in sorted {
		h.update(c);
	}
	h.finalize().into()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn hashes_parse_from_hex() {
		let h = [0xab; 32];
		assert_eq!(parse_hash(&hex(&h)), Some(h));
		assert_eq!(parse_hash(&format!("0x{}", hex(&h))), Some(h));
		assert_eq!(parse_hash("abcd"), None);
		assert_eq!(parse_hash(&"zz".repeat(32)), None);
	}

	#[test]
	fn digest_ignores_order_and_duplicates() {
		let (a, b) = ([1u8; 32], [2u8; 32]);
		assert_eq!(library_digest(&[a, b]), library_digest(&[b, a, b]));
		assert_ne!(library_digest(&[a]), library_digest(&[b]));
	}

	#[test]
	fn requests_only_fit_their_protocol() {
		let r = Request::Manifest { content_hash: [0; 32] };
		assert_eq!(protocol_of(&r), MANIFEST);
		assert_eq!(protocol_of(&Request::View), PRESENCE);
	}

	#[test]
	fn pieces_round_trip_raw() {
		let r = Response::Pieces { first: 7, data: vec![9; 10] };
		let mut buf = vec![TAG_PIECES];
		buf.extend_from_slice(&7u32.to_be_bytes());
		buf.extend_from_slice(&[9; 10]);
		assert_eq!(decode_response(&buf).expect("decodes"), r);
		assert!(decode_response(&[0x55]).is_err());
	}
}
