//! [`Host`]: the handle the rest of the program holds. Each call is a
//! [`Command`] to the event loop, answered on a oneshot channel.

use super::{Connection, DownloadRequest, Downloaded, LinkStatus, OnlinePeer, Progress, Stats};
use crate::{
	catalog::Served,
	error::{DownloadError, HostError, PlayError},
	play,
	prefix::{Prefix, PrefixReader},
	protocol::{PlayRequest, PlayResponse},
};
use codec::Decode;
use libp2p::{Multiaddr, PeerId};
use musicchain_primitives::{receipt::SessionReceipt, ContentHash};
use tokio::sync::{mpsc, oneshot, watch};

/// What the handle asks of the event loop.
pub(super) enum Command {
	Addrs(oneshot::Sender<Vec<Multiaddr>>),
	Dial(Multiaddr, oneshot::Sender<Result<(), String>>),
	Download {
		request: DownloadRequest,
		progress: watch::Sender<Progress>,
		prefix: Prefix,
		done: oneshot::Sender<Result<Downloaded, DownloadError>>,
	},
	Serve(ContentHash, Served),
	Unserve(ContentHash),
	Online(oneshot::Sender<Vec<OnlinePeer>>),
	OnlineContent(oneshot::Sender<Vec<ContentHash>>),
	Providers(ContentHash, oneshot::Sender<Vec<PeerId>>),
	Stats(oneshot::Sender<Stats>),
	Connections(oneshot::Sender<Vec<Connection>>),
	Links(oneshot::Sender<Vec<LinkStatus>>),
	Play(PeerId, PlayRequest, oneshot::Sender<Result<PlayResponse, String>>),
	Shutdown(oneshot::Sender<()>),
}

/// The handle of a running host.
#[derive(Clone)]
pub struct Host {
	pub(super) peer_id: PeerId,
	pub(super) commands: mpsc::UnboundedSender<Command>,
}

/// A download in progress: wait for it with [`DownloadHandle::finish`],
/// read what has arrived with [`DownloadHandle::reader`].
pub struct DownloadHandle {
	pub progress: watch::Receiver<Progress>,
	reader: PrefixReader,
	done: oneshot::Receiver<Result<Downloaded, DownloadError>>,
}

impl DownloadHandle {
	/// A reader of the file from its start, as far as it is verified:
	/// reads past that wait for the pieces (and fail if the download
	/// does). It stays readable after the download has finished and moved.
	pub fn reader(&self) -> PrefixReader {
		self.reader.clone()
	}

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
		let (progress, rx) = watch::channel(Progress::default());
		let (done, done_rx) = oneshot::channel();
		let prefix = Prefix::default();
		let reader = prefix.reader();
		self.commands
			.send(Command::Download { request, progress, prefix, done })
			.map_err(|_| HostError::Stopped)?;
		Ok(DownloadHandle { progress: rx, reader, done: done_rx })
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

	/// The links to the mini-nodes and relays, and whether they are up.
	pub async fn links(&self) -> Result<Vec<LinkStatus>, HostError> {
		self.ask(Command::Links).await
	}

	async fn play(&self, peer: PeerId, request: PlayRequest) -> Result<PlayResponse, PlayError> {
		match self.ask(|tx| Command::Play(peer, request, tx)).await {
			Ok(Ok(PlayResponse::Refused(why))) => Err(PlayError::Refused(why)),
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
		match self.play(peer, PlayRequest::Open { content_hash, song, listener, nonce }).await? {
			PlayResponse::Opened { server, binding } => {
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
		match self.play(peer, PlayRequest::Heartbeat { listener, nonce, from_ms, to_ms }).await? {
			PlayResponse::Heartbeats { count } => Ok(count),
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
		match self.play(peer, PlayRequest::Close { listener, nonce }).await? {
			PlayResponse::Receipt { receipt, signature } => {
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
