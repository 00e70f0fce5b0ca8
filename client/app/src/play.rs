//! A play: find a peer serving the song, open a play session with it,
//! stream the file from the swarm while the player plays it in real time,
//! send the session's heartbeats as the audio is heard, then have the
//! server sign the receipt and submit it, and keep the downloaded file in
//! the library.

use crate::download;
use musicchain_chain::{
	catalog::{Song, Variant},
	plays::{PlayRefused, Settled},
	Chain, ChainError,
};
use musicchain_player::{self as player, Control, Event, Output};
use musicchain_swarm::{self as swarm, DownloadRequest, Host, PeerId, PrefixReader};
use musicchain_wallet::Account;
use std::{
	path::{Path, PathBuf},
	time::{Duration, Instant},
};

/// How long to look for a peer serving the song, and to wait for its first
/// piece.
pub const FIND_PEER_FOR: Duration = Duration::from_secs(30);

/// How to play.
pub struct PlayOptions {
	/// Where the sound goes.
	pub output: Output,
	/// The parts to play, in order, as `[from_ms, to_ms)`; empty: the whole
	/// song.
	pub segments: Vec<(u32, u32)>,
	/// Seeks, pause, volume and stop from the listener while it plays.
	pub control: Option<std::sync::mpsc::Receiver<Control>>,
	/// When the listener asked for the play (the time to first audio is
	/// counted from it).
	pub asked: Instant,
}

/// What a play is doing, as it goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlayEvent {
	/// Looking for a peer that serves one of the song's files.
	LookingForPeer,
	/// A play session is open with `peer`, who is paid on `server`.
	Streaming { peer: PeerId, server: [u8; 32] },
	/// `peer` serves the file but opened no play session.
	NoSession { peer: PeerId, reason: String },
	/// No peer serving the file opened a session: it plays, but cannot earn.
	Unpaid,
	/// Where the sound goes.
	Output(String),
	/// The first audio went out this long after the play was asked for.
	Started { after: Duration },
	/// `[from_ms, to_ms)` of the song was heard (and sent as a heartbeat).
	Heard { from_ms: u32, to_ms: u32 },
	/// Where the play is, a few times a second: `at_ms` of the song, with
	/// `[since_ms, at_ms)` heard since the last `Heard`.
	At { since_ms: u32, at_ms: u32 },
	/// The listener paused (`true`) or went on.
	Paused(bool),
	/// The volume is now this (percent).
	Volume(u8),
	/// The server did not take a heartbeat.
	HeartbeatRefused { reason: String },
	/// The downloaded file was added to the library (it is served from now).
	Kept { path: PathBuf },
	/// The downloaded file could not be added to the library.
	NotKept { path: PathBuf, reason: String },
	/// The receipt is going to the chain.
	Submitting { heard_ms: u32, heartbeats: usize },
}

/// How a play ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlayOutcome {
	/// The receipt settled on chain.
	Settled(Settled),
	/// The chain refused the receipt by a play rule: its name and meaning.
	Refused { name: String, meaning: String },
	/// No serving peer opened a play session, so there was no receipt.
	Unpaid { heard_ms: u32 },
}

/// Why a play stopped.
#[derive(Debug, thiserror::Error)]
pub enum PlayError {
	#[error(
		"no online peer serves song {song} ({files} files) after {} s; try again later, or check \
		 --bootstrap",
		FIND_PEER_FOR.as_secs()
	)]
	NoServer { song: u32, files: usize },
	#[error("no piece arrived from the swarm in {} s", FIND_PEER_FOR.as_secs())]
	NoPiece,
	#[error("the download failed: {0}")]
	DownloadFailed(swarm::DownloadError),
	#[error("playback stopped: {0}")]
	Player(String),
	#[error("the server did not take the heartbeat: {0}")]
	Heartbeat(String),
	#[error("the server gave no valid receipt: {0}")]
	Receipt(String),
	#[error(transparent)]
	Swarm(#[from] swarm::HostError),
	#[error(transparent)]
	Chain(#[from] ChainError),
}

/// What a downloaded file of `song` is called: "Artist - Title" (the
/// swarm makes it safe for a file name and adds the extension).
pub fn file_name(song: &Song) -> String {
	format!("{} - {}", song.artist(), song.title())
}

/// The index of a file of `song` that a peer serves now, looking for up
/// to [`FIND_PEER_FOR`].
pub async fn find_server(host: &Host, song: &Song) -> Result<usize, PlayError> {
	let deadline = Instant::now() + FIND_PEER_FOR;
	loop {
		for (i, v) in song.variants.iter().enumerate() {
			if !host.providers(v.content_hash).await?.is_empty() {
				return Ok(i);
			}
		}
		if Instant::now() > deadline {
			return Err(PlayError::NoServer { song: song.id, files: song.variants.len() });
		}
		tokio::time::sleep(Duration::from_millis(250)).await;
	}
}

/// The whole download of a play's file (in `downloads/` once it is done).
pub type Finished = tokio::task::JoinHandle<Result<swarm::Downloaded, swarm::DownloadError>>;

/// A play under way: a play session with the serving peer (when one
/// opened), and the song's file streaming in from the swarm, readable as
/// far as it is verified. Whatever plays it (the local player, or a page
/// fed over HTTP) reports what was heard with [`Stream::heard`], then
/// [`Stream::settle`]s.
pub struct Stream {
	pub song: Song,
	/// The file that streams.
	pub variant: Variant,
	/// The file from its start, as far as it is verified; reads past that
	/// wait for the pieces.
	pub reader: PrefixReader,
	/// The peer that opened the play session, and the account it is paid on.
	pub session: Option<(PeerId, [u8; 32])>,
	nonce: u64,
}

/// Starts a play of `song` for `listener` through `host`: checks that the
/// listener can pay for the receipt, finds a serving peer, opens a play
/// session with it and streams the file until its first piece is in.
/// Returns the play and its whole download.
pub async fn start(
	host: &Host,
	chain: &Chain,
	listener: &Account,
	song: &Song,
	mut on_event: impl FnMut(PlayEvent),
) -> Result<(Stream, Finished), PlayError> {
	// A listener who could not submit the receipt hears so now, not after
	// the song.
	if let Some(file) = song.variants.first() {
		chain.check_play_funds(listener, song.id, file.content_hash, song.duration_ms).await?;
	}
	on_event(PlayEvent::LookingForPeer);
	let index = find_server(host, song).await?;
	let variant = song.variants[index].clone();
	let nonce: u64 = rand::random();
	// The play session goes to the first peer serving the file that opens
	// one (a peer without an account refuses); without any, the song still
	// plays, but it cannot earn.
	let mut session = None;
	for peer in host.providers(variant.content_hash).await? {
		match host.play_open(peer, variant.content_hash, song.id, listener.public(), nonce).await {
			Ok(server) => {
				on_event(PlayEvent::Streaming { peer, server });
				session = Some((peer, server));
				break;
			},
			Err(e) => on_event(PlayEvent::NoSession { peer, reason: e.to_string() }),
		}
	}
	if session.is_none() {
		on_event(PlayEvent::Unpaid);
	}

	let handle = host.download(DownloadRequest {
		content_hash: variant.content_hash,
		root: Some(variant.manifest_root),
		stream_from: Some(0),
		name: Some(file_name(song)),
	})?;
	// The player reads what has arrived, verified and in order; it starts
	// once the first piece is in.
	let reader = handle.reader();
	let mut progress = handle.progress.clone();
	let first_piece = progress.wait_for(|p| p.contiguous > 0);
	let finished = tokio::spawn(handle.finish());
	// (No guard of the progress is held past this line.)
	let arrived = tokio::time::timeout(FIND_PEER_FOR, first_piece).await.map(|r| r.is_ok());
	match arrived {
		Ok(true) => {},
		// The download ended before its first piece: say why.
		Ok(false) => {
			return Err(match finished.await {
				Ok(Err(e)) => PlayError::DownloadFailed(e),
				_ => PlayError::NoPiece,
			})
		},
		Err(_) => return Err(PlayError::NoPiece),
	}
	Ok((Stream { song: song.clone(), variant, reader, session, nonce }, finished))
}

impl Stream {
	/// Sends the heartbeat "`[from_ms, to_ms)` of the song was heard" to the
	/// serving peer (nothing without a play session).
	pub async fn heard(
		&self,
		host: &Host,
		listener: &Account,
		from_ms: u32,
		to_ms: u32,
	) -> Result<(), PlayError> {
		if let Some((peer, _)) = self.session {
			host.play_heartbeat(peer, listener.public(), self.nonce, from_ms, to_ms)
				.await
				.map_err(|e| PlayError::Heartbeat(e.to_string()))?;
		}
		Ok(())
	}

	/// Ends the play: the server signs the receipt of the heartbeats it
	/// took, and the listener submits it to the chain.
	pub async fn settle(
		&self,
		host: &Host,
		chain: &Chain,
		listener: &Account,
		heard_ms: u32,
		mut on_event: impl FnMut(PlayEvent),
	) -> Result<PlayOutcome, PlayError> {
		let Some((peer, server)) = self.session else {
			return Ok(PlayOutcome::Unpaid { heard_ms });
		};
		let (receipt, signature) = host
			.play_close(peer, listener.public(), self.nonce, server, chain.genesis_hash())
			.await
			.map_err(|e| PlayError::Receipt(e.to_string()))?;
		on_event(PlayEvent::Submitting { heard_ms, heartbeats: receipt.heartbeats.len() });
		match chain.submit_receipt(listener, &receipt, signature).await {
			Ok(settled) => Ok(PlayOutcome::Settled(settled)),
			Err(PlayRefused::Rule { name, meaning }) => Ok(PlayOutcome::Refused { name, meaning }),
			Err(PlayRefused::Chain(e)) => Err(e.into()),
		}
	}
}

/// Plays `song` for `listener` through `host` (a client host paid on the
/// listener's account) on the local player and settles the play on
/// `chain`; `data_dir` is the client's, where the download lands and joins
/// the library.
pub async fn play(
	host: &Host,
	chain: &Chain,
	listener: &Account,
	song: &Song,
	options: PlayOptions,
	data_dir: &Path,
	mut on_event: impl FnMut(PlayEvent),
) -> Result<PlayOutcome, PlayError> {
	let (stream, mut finished) = start(host, chain, listener, song, &mut on_event).await?;
	let PlayOptions { output, segments, control, asked } = options;
	let segments = if segments.is_empty() { vec![(0, song.duration_ms)] } else { segments };
	let size = stream.variant.size;
	let format = stream.variant.format;
	let reader = stream.reader.clone();
	let (events_tx, mut events) = tokio::sync::mpsc::unbounded_channel();
	let playing = tokio::task::spawn_blocking(move || {
		let open = || player::open_stream(reader.clone(), size, format);
		let mut report = |e: Event| {
			let _ = events_tx.send(e);
		};
		player::play_controlled(&open, &output, &segments, control.as_ref(), &mut report)
	});
	while let Some(event) = events.recv().await {
		match event {
			Event::Output(name) => on_event(PlayEvent::Output(name)),
			Event::Started => on_event(PlayEvent::Started { after: asked.elapsed() }),
			Event::At { since_ms, at_ms } => on_event(PlayEvent::At { since_ms, at_ms }),
			Event::Paused(paused) => on_event(PlayEvent::Paused(paused)),
			Event::Volume(percent) => on_event(PlayEvent::Volume(percent)),
			Event::Heard { from_ms, to_ms } => {
				on_event(PlayEvent::Heard { from_ms, to_ms });
				if let Err(e) = stream.heard(host, listener, from_ms, to_ms).await {
					on_event(PlayEvent::HeartbeatRefused { reason: e.to_string() });
				}
			},
		}
	}
	let heard_ms = playing
		.await
		.map_err(|e| PlayError::Player(e.to_string()))?
		.map_err(|e| PlayError::Player(e.to_string()))?;
	keep(&mut finished, data_dir, &mut on_event).await;
	stream.settle(host, chain, listener, heard_ms, on_event).await
}

/// Waits for the play's download to finish and adds the file to the
/// library (from then on it is served), saying how it went.
async fn keep(finished: &mut Finished, data_dir: &Path, on_event: &mut impl FnMut(PlayEvent)) {
	if let Ok(Ok(done)) = finished.await {
		match download::add_to_library(data_dir, &done.path) {
			Ok(()) => on_event(PlayEvent::Kept { path: done.path }),
			Err(e) => on_event(PlayEvent::NotKept { path: done.path, reason: e.to_string() }),
		}
	}
}
