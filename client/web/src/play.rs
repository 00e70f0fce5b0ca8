//! Plays from the page. `POST /api/play` starts one (a serving peer, a
//! play session, the file streaming in); the page's `<audio>` reads
//! `/api/stream/ID` with range requests, served from the download's
//! verified prefix (a read past it waits for the pieces); the page reports
//! the ranges it really played, which go to the server as heartbeats; once
//! they cover the half the chain asks for, the receipt is settled and the
//! page hears what it paid.

use crate::{events::Event, state::App};
use axum::{
	body::{Body, Bytes},
	http::{header, HeaderMap, HeaderValue, StatusCode},
	response::{IntoResponse, Response},
};
use musicchain_app::play::{PlayOutcome, Stream};
use musicchain_primitives::{receipt::union_coverage_ms, Format, Permill};
use std::{
	io::{Read, Seek, SeekFrom},
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};

/// Bytes read from the prefix per chunk of an answer.
const CHUNK: usize = 64 * 1024;
/// The longest range one heartbeat may report (the page sends one every
/// few seconds).
pub const MAX_HEARTBEAT_MS: u32 = 60_000;

/// A play the page started.
pub struct PagePlay {
	pub id: u64,
	pub stream: Stream,
	/// What the play needs to count: the chain's share of the song, in
	/// distinct milliseconds heard.
	pub needed_ms: u32,
	heard: Mutex<Heard>,
	asked: Instant,
}

#[derive(Default)]
struct Heard {
	/// The `[from, to)` ranges the server took as heartbeats.
	ranges: Vec<(u32, u32)>,
	/// The receipt went to the chain (once).
	settling: bool,
}

impl PagePlay {
	/// A play of `stream`, which counts once the distinct ranges heard
	/// cover `min_coverage` of the song (the chain's rule).
	pub fn new(id: u64, stream: Stream, min_coverage: Permill) -> PagePlay {
		let needed_ms = min_coverage.mul_ceil(stream.song.duration_ms);
		PagePlay {
			id,
			stream,
			needed_ms,
			heard: Mutex::new(Heard::default()),
			asked: Instant::now(),
		}
	}

	/// The MIME type of the file, for the `<audio>` element.
	pub fn mime(&self) -> &'static str {
		mime_of(self.stream.variant.format)
	}

	/// The page heard `[from_ms, to_ms)`: a heartbeat to the server, and
	/// the settlement once the ranges the server took count as the chain
	/// counts them (their union, [`union_coverage_ms`]).
	pub async fn heard(
		self: &Arc<Self>,
		app: &Arc<App>,
		from_ms: u32,
		to_ms: u32,
	) -> Result<u32, String> {
		let duration = self.stream.song.duration_ms;
		if from_ms >= to_ms
			|| to_ms > duration.saturating_add(1_000)
			|| to_ms - from_ms > MAX_HEARTBEAT_MS
		{
			return Err(format!(
				"[{from_ms}, {to_ms}) ms is not a range of this song ({duration} ms) of at most {MAX_HEARTBEAT_MS} ms"
			));
		}
		let to_ms = to_ms.min(duration);
		let account = app.account.read().await.clone().ok_or("the wallet is locked")?;
		let covered = |heard: &Heard| union_coverage_ms(heard.ranges.iter().copied(), duration);
		{
			let heard = self.heard.lock().unwrap_or_else(|p| p.into_inner());
			if heard.settling {
				return Ok(covered(&heard));
			}
		}
		self.stream
			.heard(&app.host().await, &account, from_ms, to_ms)
			.await
			.map_err(|e| e.to_string())?;
		// Counted once the server has it: the receipt holds only those.
		let (heard_ms, settle) = {
			let mut heard = self.heard.lock().unwrap_or_else(|p| p.into_inner());
			heard.ranges.push((from_ms, to_ms));
			let heard_ms = covered(&heard);
			let settle = !heard.settling && heard_ms >= self.needed_ms;
			heard.settling |= settle;
			(heard_ms, settle)
		};
		app.send(Event::Play { id: self.id, heard_ms, needed_ms: self.needed_ms });
		if settle {
			let (play, app) = (self.clone(), app.clone());
			tokio::spawn(async move { play.settle(&app, &account, heard_ms).await });
		}
		Ok(heard_ms)
	}

	async fn settle(&self, app: &App, account: &musicchain_wallet::Account, heard_ms: u32) {
		let id = self.id;
		let host = app.host().await;
		let outcome = self
			.stream
			.settle(&host, &app.chain, account, heard_ms, |e| {
				if let musicchain_app::play::PlayEvent::Submitting { heard_ms, heartbeats } = e {
					app.send(Event::Settling { id, heard_ms, heartbeats });
				}
			})
			.await;
		app.send(match outcome {
			Ok(PlayOutcome::Settled(s)) => Event::Settled {
				id,
				song: s.song,
				listener: musicchain_chain::format_music(s.listener),
				server: musicchain_chain::format_music(s.server),
				artist: musicchain_chain::format_music(s.artist),
				credited: s.credited,
				took_ms: s.took.as_millis() as u64,
			},
			Ok(PlayOutcome::Refused { name, meaning }) => Event::Refused { id, name, meaning },
			Ok(PlayOutcome::Unpaid { .. }) => Event::Refused {
				id,
				name: "Unpaid".into(),
				meaning: "no serving peer opened a play session, so there is no receipt".into(),
			},
			Err(e) => Event::PlayFailed { id, message: e.to_string() },
		});
	}

	/// Answers a request for the file, whole or a range of it.
	pub fn stream(&self, headers: &HeaderMap) -> Response {
		let size = self.stream.variant.size;
		let range =
			headers.get(header::RANGE).and_then(|v| v.to_str().ok()).map(|r| parse_range(r, size));
		let (status, start, end) = match range {
			None => (StatusCode::OK, 0, size),
			Some(Some((start, end))) => (StatusCode::PARTIAL_CONTENT, start, end),
			Some(None) => {
				return (
					StatusCode::RANGE_NOT_SATISFIABLE,
					[(header::CONTENT_RANGE, format!("bytes */{size}"))],
				)
					.into_response()
			},
		};
		let mut reader = self.stream.reader.clone();
		let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
		// The prefix reader blocks until its pieces are verified: read it on
		// a blocking thread, and stop when the page stops listening.
		tokio::task::spawn_blocking(move || {
			if let Err(e) = reader.seek(SeekFrom::Start(start)) {
				let _ = tx.blocking_send(Err(e));
				return;
			}
			let mut left = end - start;
			while left > 0 {
				let mut buf = vec![0u8; CHUNK.min(left as usize)];
				match reader.read(&mut buf) {
					Ok(0) => return,
					Ok(n) => {
						buf.truncate(n);
						left -= n as u64;
						if tx.blocking_send(Ok(Bytes::from(buf))).is_err() {
							return;
						}
					},
					Err(e) => {
						let _ = tx.blocking_send(Err(e));
						return;
					},
				}
			}
		});
		let body = Body::from_stream(futures::stream::unfold(rx, |mut rx| async move {
			rx.recv().await.map(|item| (item, rx))
		}));
		let mut response = Response::new(body);
		*response.status_mut() = status;
		let h = response.headers_mut();
		h.insert(header::CONTENT_TYPE, HeaderValue::from_static(self.mime()));
		h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
		h.insert(header::CONTENT_LENGTH, HeaderValue::from(end - start));
		if status == StatusCode::PARTIAL_CONTENT {
			if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{}/{size}", end - 1)) {
				h.insert(header::CONTENT_RANGE, v);
			}
		}
		response
	}

	/// How long since the page asked for the play.
	pub fn age(&self) -> Duration {
		self.asked.elapsed()
	}
}

/// The MIME type browsers know a format by.
pub fn mime_of(format: Format) -> &'static str {
	match format {
		Format::Mp3 => "audio/mpeg",
		Format::Ogg | Format::Opus => "audio/ogg",
		Format::Flac => "audio/flac",
		Format::M4a => "audio/mp4",
		Format::Aac => "audio/aac",
		Format::Wav => "audio/wav",
		Format::Aiff => "audio/aiff",
		Format::Mka => "audio/webm",
		Format::Wma => "audio/x-ms-wma",
		Format::Ape => "audio/ape",
	}
}

/// The byte range `[start, end)` a `Range: bytes=` header asks of a file
/// of `size` bytes; `None` when it cannot be satisfied. One range only
/// (what media elements ask); a list is answered by its first.
pub fn parse_range(header: &str, size: u64) -> Option<(u64, u64)> {
	let spec = header.trim().strip_prefix("bytes=")?.split(',').next()?.trim();
	let (a, b) = spec.split_once('-')?;
	let (start, end) = match (a.trim(), b.trim()) {
		("", suffix) => {
			let n: u64 = suffix.parse().ok()?;
			(size.saturating_sub(n), size)
		},
		(start, "") => (start.parse().ok()?, size),
		(start, last) => {
			(start.parse().ok()?, last.parse::<u64>().ok()?.saturating_add(1).min(size))
		},
	};
	(start < end && start < size).then_some((start, end))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn ranges_as_media_elements_ask() {
		assert_eq!(parse_range("bytes=0-", 1000), Some((0, 1000)));
		assert_eq!(parse_range("bytes=100-199", 1000), Some((100, 200)));
		assert_eq!(parse_range("bytes=900-5000", 1000), Some((900, 1000)));
		assert_eq!(parse_range("bytes=-100", 1000), Some((900, 1000)));
		assert_eq!(parse_range("bytes=0-0", 1000), Some((0, 1)));
		assert_eq!(parse_range("bytes=1000-", 1000), None);
		assert_eq!(parse_range("bytes=200-100", 1000), None);
		assert_eq!(parse_range("bytes=x-", 1000), None);
		assert_eq!(parse_range("items=0-", 1000), None);
	}
}
