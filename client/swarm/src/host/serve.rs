//! The event loop's serving work: manifests, pieces (read off the loop,
//! with per-peer limits) and play sessions.

use super::*;

impl EventLoop {
	// ---- play sessions -------------------------------------------------

	pub(super) fn on_play_request(
		&mut self,
		peer: PeerId,
		request: Request,
		channel: ResponseChannel<Response>,
	) {
		let response = match (&self.config.payout, request) {
			(None, _) => Response::PlayRefused(PlayRefusal::NotPaid),
			(Some(payout), Request::PlayOpen { content_hash, song, listener, nonce }) => {
				if self.catalog.get(&content_hash).is_none() {
					Response::PlayRefused(PlayRefusal::UnknownContent)
				} else {
					match self.sessions.open(peer, listener, nonce, song, content_hash) {
						Ok(()) => Response::PlayOpened {
							server: payout.account(),
							binding: payout.bind(&self.peer_id).to_vec(),
						},
						Err(why) => Response::PlayRefused(why),
					}
				}
			},
			(Some(_), Request::Heartbeat { listener, nonce, from_ms, to_ms }) => {
				match self.sessions.heartbeat(peer, listener, nonce, from_ms, to_ms) {
					Ok(count) => Response::Heartbeats { count },
					Err(why) => Response::PlayRefused(why),
				}
			},
			(Some(payout), Request::PlayClose { listener, nonce }) => {
				match self.sessions.close(peer, listener, nonce, payout) {
					Ok((receipt, signature)) => Response::Receipt {
						receipt: play::encode_receipt(&receipt),
						signature: signature.to_vec(),
					},
					Err(why) => Response::PlayRefused(why),
				}
			},
			(Some(_), _) => Response::Refused(Refusal::BadRequest),
		};
		if matches!(response, Response::Refused(_) | Response::PlayRefused(_)) {
			self.stats.refused += 1;
		}
		let _ = self.swarm.behaviour_mut().play.send_response(channel, response);
	}

	// ---- serving ---------------------------------------------------------

	pub(super) fn on_manifest_request(
		&mut self,
		request: Request,
		channel: ResponseChannel<Response>,
	) {
		let response = match request {
			Request::Manifest { content_hash } => match self.catalog.get(&content_hash) {
				Some(s) => Response::Manifest {
					size: s.size,
					piece_size: s.piece_size,
					format: s.format,
					pieces: s.pieces.to_vec(),
				},
				None => Response::Refused(Refusal::UnknownContent),
			},
			_ => Response::Refused(Refusal::BadRequest),
		};
		if matches!(response, Response::Refused(_)) {
			self.stats.refused += 1;
		}
		let _ = self.swarm.behaviour_mut().manifest.send_response(channel, response);
	}

	pub(super) fn on_pieces_request(
		&mut self,
		peer: PeerId,
		request: Request,
		channel: ResponseChannel<Response>,
	) {
		let refuse = |this: &mut Self, channel, why| {
			this.stats.refused += 1;
			let _ =
				this.swarm.behaviour_mut().pieces.send_response(channel, Response::Refused(why));
		};
		let Request::Pieces { content_hash, first, count } = request else {
			return refuse(self, channel, Refusal::BadRequest);
		};
		let Some(served) = self.catalog.get(&content_hash).cloned() else {
			return refuse(self, channel, Refusal::UnknownContent);
		};
		if count == 0 || count > protocol::MAX_PIECES_PER_REQUEST {
			return refuse(self, channel, Refusal::TooLarge);
		}
		let n = served.pieces.len() as u64;
		if u64::from(first) + u64::from(count) > n {
			return refuse(self, channel, Refusal::BadRequest);
		}
		let mine = self.serving.entry(peer).or_default();
		if *mine >= SERVE_PER_PEER || self.serving_total >= SERVE_TOTAL {
			return refuse(self, channel, Refusal::Busy);
		}
		*mine += 1;
		self.serving_total += 1;
		let tx = self.internal_tx.clone();
		tokio::task::spawn_blocking(move || {
			let result = files::read_pieces(&served, first, count);
			let _ = tx.send(Internal::Read { peer, channel, result });
		});
	}

	pub(super) fn on_read(
		&mut self,
		peer: PeerId,
		channel: ResponseChannel<Response>,
		result: Result<Response, Refusal>,
	) {
		if let Some(n) = self.serving.get_mut(&peer) {
			*n = n.saturating_sub(1);
			if *n == 0 {
				self.serving.remove(&peer);
			}
		}
		self.serving_total = self.serving_total.saturating_sub(1);
		let response = match result {
			Ok(r) => {
				if let Response::Pieces { data, .. } = &r {
					self.stats.bytes_served += data.len() as u64;
					self.stats.pieces_served += (data.len() as u64).div_ceil(u64::from(PIECE_SIZE));
				}
				r
			},
			Err(why) => {
				self.stats.refused += 1;
				Response::Refused(why)
			},
		};
		let _ = self.swarm.behaviour_mut().pieces.send_response(channel, response);
	}
}
