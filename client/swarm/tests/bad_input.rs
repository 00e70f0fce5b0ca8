//! Bad input on the swarm's protocols: malformed messages, oversized
//! requests, requests on the wrong protocol and for unknown content get
//! errors or a closed stream, and the host keeps serving others.

mod common;

use common::{
	fixtures,
	net::{fetch_same, served, spawn, until},
};
use futures::{AsyncReadExt, AsyncWriteExt, StreamExt};
use libp2p::{
	noise,
	request_response::{self, ProtocolSupport},
	swarm::SwarmEvent,
	tcp, yamux, Multiaddr, PeerId, StreamProtocol, Swarm,
};
use musicchain_primitives::{ContentHash, PIECE_SIZE};
use musicchain_swarm::{
	host::SERVE_PER_PEER,
	protocol::{
		self, decode, decode_pieces_response, encode, ManifestRequest, ManifestResponse,
		PiecesRequest, PresenceRequest, PresenceResponse, Refusal,
	},
	Role, Served,
};
use std::time::Duration;

/// Sends bytes as they are and reads back whatever comes.
#[derive(Clone, Default)]
struct Raw;

impl request_response::Codec for Raw {
	type Protocol = StreamProtocol;
	type Request = Vec<u8>;
	type Response = Vec<u8>;

	async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> std::io::Result<Vec<u8>>
	where
		T: futures::AsyncRead + Unpin + Send,
	{
		let mut v = Vec::new();
		io.read_to_end(&mut v).await?;
		Ok(v)
	}

	async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> std::io::Result<Vec<u8>>
	where
		T: futures::AsyncRead + Unpin + Send,
	{
		let mut v = Vec::new();
		io.take(8 << 20).read_to_end(&mut v).await?;
		Ok(v)
	}

	async fn write_request<T>(
		&mut self,
		_: &StreamProtocol,
		io: &mut T,
		r: Vec<u8>,
	) -> std::io::Result<()>
	where
		T: futures::AsyncWrite + Unpin + Send,
	{
		io.write_all(&r).await?;
		io.close().await
	}

	async fn write_response<T>(
		&mut self,
		_: &StreamProtocol,
		io: &mut T,
		r: Vec<u8>,
	) -> std::io::Result<()>
	where
		T: futures::AsyncWrite + Unpin + Send,
	{
		io.write_all(&r).await?;
		io.close().await
	}
}

#[derive(libp2p::swarm::NetworkBehaviour)]
struct Prober {
	manifest: request_response::Behaviour<Raw>,
	pieces: request_response::Behaviour<Raw>,
	presence: request_response::Behaviour<Raw>,
}

fn prober() -> Swarm<Prober> {
	let rr = |p| {
		request_response::Behaviour::new(
			[(p, ProtocolSupport::Outbound)],
			request_response::Config::default().with_request_timeout(Duration::from_secs(120)),
		)
	};
	libp2p::SwarmBuilder::with_new_identity()
		.with_tokio()
		.with_tcp(tcp::Config::default(), noise::Config::new, yamux::Config::default)
		.expect("tcp")
		.with_behaviour(|_| Prober {
			manifest: rr(protocol::MANIFEST),
			pieces: rr(protocol::PIECES),
			presence: rr(protocol::PRESENCE),
		})
		.expect("behaviour")
		.with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(60)))
		.build()
}

fn framed(body: &[u8]) -> Vec<u8> {
	let mut v = (body.len() as u32).to_be_bytes().to_vec();
	v.extend_from_slice(body);
	v
}

/// What came back for one probe.
#[derive(Debug)]
enum Outcome {
	/// An answer's bytes, without the frame's length.
	Answer(Vec<u8>),
	/// The stream was closed without an answer, or the request failed.
	Closed,
}

#[derive(Clone, Copy)]
enum On {
	Manifest,
	Pieces,
	Presence,
}

async fn probe(
	swarm: &mut Swarm<Prober>,
	peer: PeerId,
	addr: &Multiaddr,
	on: On,
	bytes: Vec<u8>,
) -> Outcome {
	let b = swarm.behaviour_mut();
	let behaviour = match on {
		On::Manifest => &mut b.manifest,
		On::Pieces => &mut b.pieces,
		On::Presence => &mut b.presence,
	};
	let id = behaviour.send_request_with_addresses(&peer, bytes, vec![addr.clone()]);
	loop {
		let event = tokio::time::timeout(Duration::from_secs(20), swarm.select_next_some())
			.await
			.expect("the host answers or closes in time");
		use request_response::{Event, Message};
		let rr = match event {
			SwarmEvent::Behaviour(ProberEvent::Manifest(e))
			| SwarmEvent::Behaviour(ProberEvent::Pieces(e))
			| SwarmEvent::Behaviour(ProberEvent::Presence(e)) => e,
			_ => continue,
		};
		match rr {
			Event::Message { message: Message::Response { request_id, response }, .. }
				if request_id == id =>
			{
				return match response.get(4..) {
					Some(body) => Outcome::Answer(body.to_vec()),
					None => Outcome::Closed,
				};
			},
			Event::OutboundFailure { request_id, .. } if request_id == id => {
				return Outcome::Closed
			},
			_ => {},
		}
	}
}

fn request<R: serde::Serialize>(r: &R) -> Vec<u8> {
	framed(&encode(r).expect("encodes"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_requests_get_errors_and_the_host_keeps_serving() {
	let song = served(&fixtures().join("good").join("a.flac"));
	let m = spawn(Role::MiniNode, &[], &[]).await;
	// A served file whose reads never finish by themselves (see below).
	let work = tempfile::tempdir().expect("tempdir");
	let fifo = work.path().join("stuck.flac");
	let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("run mkfifo");
	assert!(made.success());
	let stuck = (
		ContentHash([0x57; 32]),
		Served {
			path: fifo,
			size: u64::from(PIECE_SIZE) * 4,
			piece_size: PIECE_SIZE,
			format: song.1.format,
			pieces: std::sync::Arc::new(vec![[0; 32]; 4]),
		},
	);
	let host = spawn(Role::Client, &[&m], &[song.clone(), stuck.clone()]).await;
	let peer = host.host.peer_id();
	let addr = host.addrs[0].clone();
	let mut p = prober();

	let closed = |o: Outcome| matches!(o, Outcome::Closed);
	let pieces_refused = |o: Outcome, why: Refusal| matches!(o, Outcome::Answer(b) if decode_pieces_response(&b).ok() == Some(Err(why)));

	// Malformed: a frame of garbage, a frame that ends early, no frame at all.
	assert!(closed(probe(&mut p, peer, &addr, On::Manifest, framed(&[0xff; 40])).await));
	assert!(closed(probe(&mut p, peer, &addr, On::Manifest, vec![0, 0, 1, 0, 1, 2]).await));
	assert!(closed(probe(&mut p, peer, &addr, On::Pieces, vec![]).await));
	// Oversized: a frame that says 100 MB is refused before it is read.
	let mut huge = (100u32 << 20).to_be_bytes().to_vec();
	huge.extend_from_slice(&[0; 1024]);
	assert!(closed(probe(&mut p, peer, &addr, On::Presence, huge).await));
	// A request on the wrong protocol.
	let hello = PresenceRequest::Hello { digest: [0; 32], files: 1 };
	assert!(closed(probe(&mut p, peer, &addr, On::Manifest, request(&hello)).await));

	// Unknown content, too many pieces, pieces past the end, an unknown list.
	let unknown = ManifestRequest { content_hash: ContentHash([7; 32]) };
	match probe(&mut p, peer, &addr, On::Manifest, request(&unknown)).await {
		Outcome::Answer(b) => assert_eq!(
			decode::<ManifestResponse>(&b).expect("a manifest answer"),
			Err(Refusal::UnknownContent)
		),
		Outcome::Closed => panic!("an unknown hash is answered"),
	}
	let unknown = PiecesRequest { content_hash: ContentHash([7; 32]), first: 0, count: 1 };
	assert!(pieces_refused(
		probe(&mut p, peer, &addr, On::Pieces, request(&unknown)).await,
		Refusal::UnknownContent
	));
	let many = PiecesRequest { content_hash: song.0, first: 0, count: 100 };
	assert!(pieces_refused(
		probe(&mut p, peer, &addr, On::Pieces, request(&many)).await,
		Refusal::TooLarge
	));
	let past = PiecesRequest { content_hash: song.0, first: 1000, count: 1 };
	assert!(pieces_refused(
		probe(&mut p, peer, &addr, On::Pieces, request(&past)).await,
		Refusal::BadRequest
	));
	let list = PresenceRequest::List { peer: Some(vec![1, 2, 3]) };
	match probe(&mut p, peer, &addr, On::Presence, request(&list)).await {
		Outcome::Answer(b) => assert_eq!(
			decode::<PresenceResponse>(&b).expect("a presence answer"),
			PresenceResponse::Refused(Refusal::UnknownPeer)
		),
		Outcome::Closed => panic!("a list request is answered"),
	}

	// A good request from the same prober still gets its piece.
	let good = PiecesRequest { content_hash: song.0, first: 0, count: 1 };
	match probe(&mut p, peer, &addr, On::Pieces, request(&good)).await {
		Outcome::Answer(b) => match decode_pieces_response(&b) {
			Ok(Ok(pieces)) if pieces.first == 0 => {
				assert_eq!(pieces.data.len(), PIECE_SIZE as usize)
			},
			other => panic!("a good request is served: {other:?}"),
		},
		Outcome::Closed => panic!("a good request is served"),
	}

	// One downloader asking for much at once is held to its share. The
	// file is a FIFO with no writer, so every read the host starts stays
	// open (blocked) until the test lets them go: exactly SERVE_PER_PEER
	// requests are taken on, the rest are refused as busy at once.
	let mut ids = Vec::new();
	for _ in 0..40 {
		let r = PiecesRequest { content_hash: stuck.0, first: 0, count: 1 };
		ids.push(p.behaviour_mut().pieces.send_request(&peer, request(&r)));
	}
	let (mut busy, mut unavailable) = (0, 0);
	let mut released = false;
	while busy + unavailable < ids.len() {
		if busy == ids.len() - SERVE_PER_PEER && !released {
			// Open the FIFO for writing and close it: the blocked reads
			// end (with nothing to read), so they are answered.
			let fifo = stuck.1.path.clone();
			tokio::task::spawn_blocking(move || std::fs::OpenOptions::new().write(true).open(fifo))
				.await
				.expect("join")
				.expect("open the FIFO");
			released = true;
		}
		let event = tokio::time::timeout(Duration::from_secs(60), p.select_next_some())
			.await
			.expect("answers");
		let SwarmEvent::Behaviour(ProberEvent::Pieces(e)) = event else { continue };
		match e {
			request_response::Event::Message {
				message: request_response::Message::Response { response, .. },
				..
			} => match response.get(4..).map(decode_pieces_response) {
				Some(Ok(Err(Refusal::Busy))) => {
					assert!(!released, "refused only while the host's share was taken");
					busy += 1
				},
				Some(Ok(Err(Refusal::Unavailable))) => {
					assert!(released, "answered once the reads ended");
					unavailable += 1
				},
				other => panic!("unexpected answer {other:?}"),
			},
			other @ request_response::Event::OutboundFailure { .. } => {
				panic!("every request is answered: {other:?}")
			},
			_ => {},
		}
	}
	println!("40 requests at once from one peer: {unavailable} taken on, {busy} refused as busy");
	assert_eq!(unavailable, SERVE_PER_PEER, "the per-peer share");

	let stats = host.host.stats().await.expect("stats");
	println!("host stats after the probes: {stats:?}");
	assert!(stats.malformed >= 4, "malformed inbound messages counted: {stats:?}");
	assert!(stats.refused >= 5);

	// And the host still serves a real downloader.
	let d = spawn(Role::Client, &[&m], &[]).await;
	until(Duration::from_secs(20), "the host to be online", || async {
		d.host.providers(song.0).await.map(|v| v.contains(&peer)).unwrap_or(false)
	})
	.await;
	fetch_same(&d.host, &song, None).await;
}
