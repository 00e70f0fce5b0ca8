//! The swarm's request/response protocols and their wire format.
//!
//! Each protocol has its own request and response types, so an answer can
//! only be taken for the request it answers: the event loop keeps one
//! pending map per protocol, keyed by that protocol's request ids.
//!
//! Every protocol is versioned by its name. A message is one frame: a
//! big-endian `u32` length and that many bytes, read with a limit that
//! depends on the protocol and the direction, so an oversized or endless
//! message is refused before it is buffered. Messages are postcard, and a
//! request must fill its frame exactly; the piece data of a pieces answer is
//! raw bytes after a fixed header.

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::{request_response, PeerId, StreamProtocol};
use musicchain_primitives::{ContentHash, PIECE_SIZE};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::{
	fmt::Debug,
	io,
	marker::PhantomData,
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc,
	},
};

/// A content hash's per-piece SHA-256 list.
pub const MANIFEST: StreamProtocol = StreamProtocol::new("/musicchain/manifest/2");
/// A range of a file's pieces, as raw bytes.
pub const PIECES: StreamProtocol = StreamProtocol::new("/musicchain/pieces/2");
/// Presence: a library digest on connecting, deltas, and the lists behind them.
pub const PRESENCE: StreamProtocol = StreamProtocol::new("/musicchain/presence/2");
/// The play session: heartbeats in, a signed receipt out.
pub const PLAY: StreamProtocol = StreamProtocol::new("/musicchain/play/2");
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
/// Most addresses kept or passed on for one peer.
pub const MAX_ADDRS: usize = 8;

const MAX_REQUEST: usize = 64 * 1024;
const MAX_RESPONSE: usize = MAX_LIST * 32 + 1024;
/// A pieces answer: a tag byte and the first piece's index, then the data.
const PIECES_HEADER: usize = 1 + 4;
const MAX_PIECES_RESPONSE: usize = PIECES_HEADER + (MAX_PIECES_PER_REQUEST * PIECE_SIZE) as usize;

/// A digest over a set of content hashes: SHA-256 over them, sorted.
pub type Digest = [u8; 32];

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

// ---- manifest --------------------------------------------------------------

/// Asks for the manifest of a file the peer serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestRequest {
	pub content_hash: ContentHash,
}

/// A file's size, format and per-piece SHA-256 list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
	pub size: u64,
	pub piece_size: u32,
	pub format: u8,
	pub pieces: Vec<[u8; 32]>,
}

pub type ManifestResponse = Result<Manifest, Refusal>;

// ---- pieces ----------------------------------------------------------------

/// Asks for `count` pieces from `first`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PiecesRequest {
	pub content_hash: ContentHash,
	pub first: u32,
	pub count: u32,
}

/// The bytes of pieces `first..`, back to back (the file's last piece may
/// be short).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pieces {
	pub first: u32,
	pub data: Vec<u8>,
}

pub type PiecesResponse = Result<Pieces, Refusal>;

// ---- presence --------------------------------------------------------------

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

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PresenceRequest {
	/// Sent on connecting: "my library has this digest".
	Hello { digest: Digest, files: u32 },
	/// One change to the sender's library.
	Delta { prev: Digest, next: Digest, added: Vec<ContentHash>, removed: Vec<ContentHash> },
	/// The content hashes behind a digest: the answering peer's own library
	/// (`peer: None`), or one it relays presence for.
	List { peer: Option<Vec<u8>> },
	/// Every online peer the answering peer knows of, with its digest.
	View,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PresenceResponse {
	/// A hello or delta taken (the receiver pulls a list it lacks itself).
	Ack,
	List {
		digest: Digest,
		hashes: Vec<ContentHash>,
	},
	View {
		peers: Vec<PeerEntry>,
	},
	Refused(Refusal),
}

// ---- play ------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlayRequest {
	/// Opens a play session of `song` from the file `content_hash`, for the
	/// `listener` account, with a nonce of the listener's choosing.
	Open { content_hash: ContentHash, song: u32, listener: [u8; 32], nonce: u64 },
	/// The listener played `[from_ms, to_ms)` of the song.
	Heartbeat { listener: [u8; 32], nonce: u64, from_ms: u32, to_ms: u32 },
	/// Ends the session: answered with the signed receipt.
	Close { listener: [u8; 32], nonce: u64 },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlayResponse {
	/// A session is open; `server` is the account we are paid on and
	/// `binding` its sr25519 signature of our peer id.
	Opened {
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
	Refused(super::play::PlayRefusal),
}

// ---- the wire --------------------------------------------------------------

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

/// A message's postcard bytes (without the frame's length).
pub fn encode<M: Serialize>(message: &M) -> io::Result<Vec<u8>> {
	postcard::to_allocvec(message).map_err(|e| invalid(e.to_string()))
}

/// A message from postcard bytes that hold exactly one: trailing bytes are
/// an error (a message of another protocol rarely decodes as one of ours,
/// and then never to the last byte).
pub fn decode<M: DeserializeOwned>(buf: &[u8]) -> io::Result<M> {
	match postcard::take_from_bytes(buf) {
		Ok((message, [])) => Ok(message),
		Ok((_, rest)) => Err(invalid(format!("{} bytes after the message", rest.len()))),
		Err(e) => Err(invalid(e.to_string())),
	}
}

const TAG_PIECES: u8 = 0xfe;
const TAG_REFUSED: u8 = 0x01;

/// A pieces answer from its bytes (without the frame's length).
pub fn decode_pieces_response(buf: &[u8]) -> io::Result<PiecesResponse> {
	match buf.split_first() {
		Some((&TAG_PIECES, rest)) if rest.len() >= PIECES_HEADER - 1 => {
			let (first, data) = rest.split_at(4);
			let first = u32::from_be_bytes(first.try_into().map_err(|_| invalid("short header"))?);
			Ok(Ok(Pieces { first, data: data.to_vec() }))
		},
		Some((&TAG_REFUSED, rest)) => Ok(Err(decode(rest)?)),
		_ => Err(invalid("unknown pieces answer")),
	}
}

/// Counts the inbound requests that could not be read, on every protocol
/// (request/response drops those streams without telling the behaviour).
#[derive(Clone, Debug, Default)]
pub struct Malformed(Arc<AtomicU64>);

impl Malformed {
	pub fn count(&self) -> u64 {
		self.0.load(Ordering::Relaxed)
	}

	async fn read_request<R: DeserializeOwned, T: AsyncRead + Unpin + Send>(
		&self,
		io: &mut T,
	) -> io::Result<R> {
		let result = match read_frame(io, MAX_REQUEST).await {
			Ok(buf) => decode(&buf),
			Err(e) => Err(e),
		};
		if result.is_err() {
			self.0.fetch_add(1, Ordering::Relaxed);
		}
		result
	}
}

/// The codec of a protocol whose requests and answers are both postcard.
pub struct Postcard<Req, Resp> {
	malformed: Malformed,
	types: PhantomData<fn() -> (Req, Resp)>,
}

impl<Req, Resp> Postcard<Req, Resp> {
	pub fn new(malformed: Malformed) -> Self {
		Postcard { malformed, types: PhantomData }
	}
}

impl<Req, Resp> Clone for Postcard<Req, Resp> {
	fn clone(&self) -> Self {
		Postcard::new(self.malformed.clone())
	}
}

pub type ManifestCodec = Postcard<ManifestRequest, ManifestResponse>;
pub type PresenceCodec = Postcard<PresenceRequest, PresenceResponse>;
pub type PlayCodec = Postcard<PlayRequest, PlayResponse>;

impl<Req, Resp> request_response::Codec for Postcard<Req, Resp>
where
	Req: Serialize + DeserializeOwned + Debug + Send + 'static,
	Resp: Serialize + DeserializeOwned + Debug + Send + 'static,
{
	type Protocol = StreamProtocol;
	type Request = Req;
	type Response = Resp;

	async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Req>
	where
		T: AsyncRead + Unpin + Send,
	{
		self.malformed.read_request(io).await
	}

	async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Resp>
	where
		T: AsyncRead + Unpin + Send,
	{
		decode(&read_frame(io, MAX_RESPONSE).await?)
	}

	async fn write_request<T>(&mut self, _: &StreamProtocol, io: &mut T, req: Req) -> io::Result<()>
	where
		T: AsyncWrite + Unpin + Send,
	{
		write_frame(io, &[&encode(&req)?]).await
	}

	async fn write_response<T>(
		&mut self,
		_: &StreamProtocol,
		io: &mut T,
		res: Resp,
	) -> io::Result<()>
	where
		T: AsyncWrite + Unpin + Send,
	{
		write_frame(io, &[&encode(&res)?]).await
	}
}

/// The codec of the pieces protocol: the piece data travels as raw bytes
/// and is read straight into its own buffer.
#[derive(Clone, Debug, Default)]
pub struct PiecesCodec {
	malformed: Malformed,
}

impl PiecesCodec {
	pub fn new(malformed: Malformed) -> Self {
		PiecesCodec { malformed }
	}
}

impl request_response::Codec for PiecesCodec {
	type Protocol = StreamProtocol;
	type Request = PiecesRequest;
	type Response = PiecesResponse;

	async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<PiecesRequest>
	where
		T: AsyncRead + Unpin + Send,
	{
		self.malformed.read_request(io).await
	}

	async fn read_response<T>(
		&mut self,
		_: &StreamProtocol,
		io: &mut T,
	) -> io::Result<PiecesResponse>
	where
		T: AsyncRead + Unpin + Send,
	{
		let len = read_len(io, MAX_PIECES_RESPONSE).await?;
		if len < PIECES_HEADER {
			let mut buf = vec![0u8; len];
			io.read_exact(&mut buf).await?;
			return decode_pieces_response(&buf);
		}
		let mut header = [0u8; PIECES_HEADER];
		io.read_exact(&mut header).await?;
		if header[0] != TAG_PIECES {
			let mut buf = header.to_vec();
			buf.resize(len, 0);
			io.read_exact(&mut buf[PIECES_HEADER..]).await?;
			return decode_pieces_response(&buf);
		}
		let first = u32::from_be_bytes([header[1], header[2], header[3], header[4]]);
		let mut data = crate::buffers::take(len - PIECES_HEADER);
		io.read_exact(&mut data).await?;
		Ok(Ok(Pieces { first, data }))
	}

	async fn write_request<T>(
		&mut self,
		_: &StreamProtocol,
		io: &mut T,
		req: PiecesRequest,
	) -> io::Result<()>
	where
		T: AsyncWrite + Unpin + Send,
	{
		write_frame(io, &[&encode(&req)?]).await
	}

	async fn write_response<T>(
		&mut self,
		_: &StreamProtocol,
		io: &mut T,
		res: PiecesResponse,
	) -> io::Result<()>
	where
		T: AsyncWrite + Unpin + Send,
	{
		match res {
			Ok(Pieces { first, data }) => {
				let sent = write_frame(io, &[&[TAG_PIECES], &first.to_be_bytes(), &data]).await;
				crate::buffers::give(data);
				sent
			},
			Err(why) => write_frame(io, &[&[TAG_REFUSED], &encode(&why)?]).await,
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
		let (a, b) = (ContentHash([1; 32]), ContentHash([2; 32]));
		assert_eq!(library_digest(&[a, b]), library_digest(&[b, a, b]));
		assert_ne!(library_digest(&[a]), library_digest(&[b]));
	}

	#[test]
	fn a_message_fills_its_frame() {
		let hello = PresenceRequest::Hello { digest: [0; 32], files: 1 };
		let bytes = encode(&hello).expect("encodes");
		assert_eq!(decode::<PresenceRequest>(&bytes).expect("decodes"), hello);
		// A presence hello is no manifest request, though its first 32
		// bytes would decode as one.
		assert!(decode::<ManifestRequest>(&bytes).is_err());
		let mut longer = bytes.clone();
		longer.push(0);
		assert!(decode::<PresenceRequest>(&longer).is_err());
	}

	#[test]
	fn pieces_round_trip_raw() {
		let mut buf = vec![TAG_PIECES];
		buf.extend_from_slice(&7u32.to_be_bytes());
		buf.extend_from_slice(&[9; 10]);
		let got = decode_pieces_response(&buf).expect("decodes");
		assert_eq!(got, Ok(Pieces { first: 7, data: vec![9; 10] }));
		let mut refused = vec![TAG_REFUSED];
		refused.extend(encode(&Refusal::Busy).expect("encodes"));
		assert_eq!(decode_pieces_response(&refused).expect("decodes"), Err(Refusal::Busy));
		assert!(decode_pieces_response(&[0x55]).is_err());
	}
}
