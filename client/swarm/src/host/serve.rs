//! Serving: manifests, pieces (read off the loop, within per-peer and
//! total limits) and play sessions.

use super::{event_loop::EventLoop, event_loop::Internal, SERVE_PER_PEER, SERVE_TOTAL};
use crate::{
	files,
	play::{self, PlayRefusal},
	protocol::{
		Manifest, ManifestRequest, ManifestResponse, PiecesRequest, PiecesResponse, PlayRequest,
		PlayResponse, Refusal, MAX_PIECES_PER_REQUEST,
	},
};
use libp2p::{request_response::ResponseChannel, PeerId};
use musicchain_primitives::PIECE_SIZE;
use std::collections::HashMap;

/// What the host is serving now.
#[derive(Default)]
pub(super) struct Serving {
	/// Piece reads under way, per peer and in total.
	pub per_peer: HashMap<PeerId, usize>,
	pub total: usize,
	/// Open play sessions of listeners we serve.
	pub sessions: play::Sessions,
}

impl EventLoop {
	pub(super) fn on_play_request(
		&mut self,
		peer: PeerId,
		request: PlayRequest,
		channel: ResponseChannel<PlayResponse>,
	) {
		let sessions = &mut self.serving.sessions;
		let result = match (&self.config.payout, request) {
			(None, _) => Err(PlayRefusal::NotPaid),
			(Some(payout), PlayRequest::Open { content_hash, song, listener, nonce }) => {
				if self.catalog.get(&content_hash).is_none() {
					Err(PlayRefusal::UnknownContent)
				} else {
					sessions.open(peer, listener, nonce, song, content_hash).map(|()| {
						PlayResponse::Opened {
							server: payout.account(),
							binding: payout.bind(&self.peer_id).to_vec(),
						}
					})
				}
			},
			(Some(_), PlayRequest::Heartbeat { listener, nonce, from_ms, to_ms }) => sessions
				.heartbeat(peer, listener, nonce, from_ms, to_ms)
				.map(|count| PlayResponse::Heartbeats { count }),
			(Some(payout), PlayRequest::Close { listener, nonce }) => sessions
				.close(peer, listener, nonce, payout)
				.map(|(receipt, signature)| PlayResponse::Receipt {
					receipt: play::encode_receipt(&receipt),
					signature: signature.to_vec(),
				}),
		};
		let response = result.unwrap_or_else(|why| {
			self.stats.refused += 1;
			PlayResponse::Refused(why)
		});
		let _ = self.swarm.behaviour_mut().play.send_response(channel, response);
	}

	pub(super) fn on_manifest_request(
		&mut self,
		request: ManifestRequest,
		channel: ResponseChannel<ManifestResponse>,
	) {
		let response = match self.catalog.get(&request.content_hash) {
			Some(s) => Ok(Manifest {
				size: s.size,
				piece_size: s.piece_size,
				format: s.format,
				pieces: s.pieces.to_vec(),
			}),
			None => {
				self.stats.refused += 1;
				Err(Refusal::UnknownContent)
			},
		};
		let _ = self.swarm.behaviour_mut().manifest.send_response(channel, response);
	}

	pub(super) fn on_pieces_request(
		&mut self,
		peer: PeerId,
		request: PiecesRequest,
		channel: ResponseChannel<PiecesResponse>,
	) {
		let refuse = |this: &mut Self, channel, why| {
			this.stats.refused += 1;
			let _ = this.swarm.behaviour_mut().pieces.send_response(channel, Err(why));
		};
		let PiecesRequest { content_hash, first, count } = request;
		let Some(served) = self.catalog.get(&content_hash).cloned() else {
			return refuse(self, channel, Refusal::UnknownContent);
		};
		if count == 0 || count > MAX_PIECES_PER_REQUEST {
			return refuse(self, channel, Refusal::TooLarge);
		}
		let n = served.pieces.len() as u64;
		if u64::from(first) + u64::from(count) > n {
			return refuse(self, channel, Refusal::BadRequest);
		}
		let mine = self.serving.per_peer.entry(peer).or_default();
		if *mine >= SERVE_PER_PEER || self.serving.total >= SERVE_TOTAL {
			return refuse(self, channel, Refusal::Busy);
		}
		*mine += 1;
		self.serving.total += 1;
		let tx = self.internal_tx.clone();
		tokio::task::spawn_blocking(move || {
			let result = files::read_pieces(&served, first, count);
			let _ = tx.send(Internal::Read { peer, channel, result });
		});
	}

	pub(super) fn on_read(
		&mut self,
		peer: PeerId,
		channel: ResponseChannel<PiecesResponse>,
		result: PiecesResponse,
	) {
		if let Some(n) = self.serving.per_peer.get_mut(&peer) {
			*n = n.saturating_sub(1);
			if *n == 0 {
				self.serving.per_peer.remove(&peer);
			}
		}
		self.serving.total = self.serving.total.saturating_sub(1);
		match &result {
			Ok(pieces) => {
				let bytes = pieces.data.len() as u64;
				self.stats.bytes_served += bytes;
				self.stats.pieces_served += bytes.div_ceil(u64::from(PIECE_SIZE));
			},
			Err(_) => self.stats.refused += 1,
		}
		let _ = self.swarm.behaviour_mut().pieces.send_response(channel, result);
	}
}
