//! Downloading: finding providers, manifests, scheduling piece requests,
//! verifying and writing (off the loop), and finishing with the whole-file
//! check. The verified prefix is readable as it grows ([`Prefix`]).

use super::{
	event_loop::{EventLoop, Internal},
	DownloadRequest, Downloaded, Progress,
};
use crate::{
	catalog::Served,
	error::DownloadError,
	fetch::{Dropped, Schedule},
	files::{self, RunningHash},
	prefix::Prefix,
	protocol::{
		Manifest, ManifestRequest, ManifestResponse, PiecesRequest, PiecesResponse, Refusal,
		MAX_PIECES,
	},
};
use libp2p::{kad::RecordKey, PeerId};
use musicchain_primitives::{manifest_root, ManifestRoot, PIECE_SIZE};
use std::{
	collections::{HashMap, HashSet},
	fs::File,
	path::PathBuf,
	sync::Arc,
	time::{Duration, Instant},
};
use tokio::sync::{oneshot, watch};

/// A download looks for more providers while it has fewer than this.
const WANTED_PROVIDERS: usize = 8;
/// A provider whose manifest request failed is not asked again for this long
/// (a stale provider record would otherwise be dialled every second).
const MANIFEST_RETRY: Duration = Duration::from_secs(10);
/// A download with providers but no new piece for this long says so (and
/// again every as long), with what each provider is doing.
const STALL_WARNING: Duration = Duration::from_secs(5);
/// A download with no provider for this long fails.
const NO_PROVIDER_TIMEOUT: Duration = Duration::from_secs(30);
/// A download for which nothing more can come fails, but not before this:
/// a peer that went online elsewhere a moment before reaches us through
/// the mini-nodes' gossip within about a second.
const GIVE_UP_AFTER: Duration = Duration::from_secs(3);

/// A pieces request out: which download, which pieces.
pub(super) struct PiecesAsk {
	dl: u64,
	first: u32,
	count: u32,
}

/// A manifest taken for a download: checked against the chain's root.
pub(super) struct Known {
	size: u64,
	format: u8,
	pieces: Arc<Vec<[u8; 32]>>,
	/// `manifest_root(pieces)`, to compare other providers' manifests with.
	root: ManifestRoot,
}

pub(super) struct Download {
	pub request: DownloadRequest,
	started: Instant,
	progress: watch::Sender<Progress>,
	done: Option<oneshot::Sender<Result<Downloaded, DownloadError>>>,
	manifest: Option<Known>,
	/// Providers whose manifest matched, waiting for the file to be open.
	ready: Vec<PeerId>,
	asked_manifest: HashSet<PeerId>,
	/// Providers whose manifest was not the one asked for (another root,
	/// or unlike the others'): not downloaded from.
	mismatched: HashSet<PeerId>,
	/// Providers whose manifest request failed (unreachable, gone), and
	/// when: not dialled again before [`MANIFEST_RETRY`] has passed.
	pub unreachable: HashMap<PeerId, Instant>,
	file: Option<Arc<File>>,
	schedule: Option<Schedule>,
	resumed: u32,
	first_piece: Option<Duration>,
	last_provider: Instant,
	/// When the last new piece was verified (or the download started).
	last_piece: Instant,
	/// Kademlia provider lookups started, and when the last one was.
	lookups: u32,
	last_lookup: Instant,
	finishing: bool,
	part: PathBuf,
	/// The whole file's hash, computed as pieces are verified, when the
	/// download has no manifest root to check its pieces against.
	hash: Option<RunningHash>,
	/// What readers of the verified prefix see.
	prefix: Prefix,
}

impl EventLoop {
	pub(super) fn start_download(
		&mut self,
		request: DownloadRequest,
		progress: watch::Sender<Progress>,
		prefix: Prefix,
		done: oneshot::Sender<Result<Downloaded, DownloadError>>,
	) {
		let dl = self.next_download;
		self.next_download += 1;
		let part = files::part_path(&self.config.data_dir, &request.content_hash);
		let query =
			self.swarm.behaviour_mut().kad.get_providers(RecordKey::new(&request.content_hash));
		self.provider_queries.insert(query, dl);
		let now = Instant::now();
		self.downloads.insert(
			dl,
			Download {
				request: request.clone(),
				started: now,
				progress,
				done: Some(done),
				manifest: None,
				ready: Vec::new(),
				asked_manifest: HashSet::new(),
				mismatched: HashSet::new(),
				unreachable: HashMap::new(),
				file: None,
				schedule: None,
				resumed: 0,
				first_piece: None,
				last_provider: now,
				last_piece: now,
				lookups: 1,
				last_lookup: now,
				finishing: false,
				part,
				hash: None,
				prefix,
			},
		);
		for p in self.presence.providers(&request.content_hash) {
			self.ask_manifest(dl, p, false);
		}
	}

	/// Asks `peer` for the manifest. `again`: even if a request to it is
	/// still out (Kademlia just gave addresses the first request lacked).
	pub(super) fn ask_manifest(&mut self, dl: u64, peer: PeerId, again: bool) {
		if peer == self.peer_id || self.banned.contains(&peer) {
			return;
		}
		let Some(d) = self.downloads.get_mut(&dl) else { return };
		let providing = d.ready.contains(&peer)
			|| d.schedule.as_ref().is_some_and(|s| s.providers().any(|p| *p == peer));
		let resting = d.unreachable.get(&peer).is_some_and(|t| t.elapsed() < MANIFEST_RETRY);
		if providing || (resting && !again) || (!d.asked_manifest.insert(peer) && !again) {
			return;
		}
		let request = ManifestRequest { content_hash: d.request.content_hash };
		let addrs = self.book.get(&peer).cloned().unwrap_or_default();
		let id =
			self.swarm.behaviour_mut().manifest.send_request_with_addresses(&peer, request, addrs);
		self.pending.manifest.insert(id, dl);
	}

	/// `peer` was not reached (no address yet, or it left): it may be asked
	/// again when Kademlia or presence names it next time.
	pub(super) fn manifest_failed(&mut self, dl: u64, peer: PeerId) {
		if let Some(d) = self.downloads.get_mut(&dl) {
			d.asked_manifest.remove(&peer);
			d.unreachable.insert(peer, Instant::now());
		}
	}

	pub(super) fn on_manifest(&mut self, dl: u64, peer: PeerId, response: ManifestResponse) {
		let Some(d) = self.downloads.get_mut(&dl) else { return };
		let Ok(Manifest { size, piece_size, format, pieces }) = response else { return };
		let expected = size.div_ceil(u64::from(PIECE_SIZE)).max(1);
		let root = manifest_root(&pieces);
		let valid = piece_size == PIECE_SIZE
			&& pieces.len() as u64 == expected
			&& pieces.len() <= MAX_PIECES
			&& d.request.root.is_none_or(|r| r == root);
		if !valid {
			tracing::warn!("{peer} sent a manifest that does not match; not downloading from it");
			d.mismatched.insert(peer);
			return;
		}
		match &d.manifest {
			None => {
				let pieces = Arc::new(pieces);
				d.manifest = Some(Known { size, format, pieces: pieces.clone(), root });
				d.ready.push(peer);
				let part = d.part.clone();
				let tx = self.internal_tx.clone();
				// With the root the chain registered with the content hash,
				// each piece checked against it is the file the record names:
				// each byte is hashed once. Without one, the whole file's
				// hash must come out as the content hash asked for.
				let whole = d.request.root.is_none();
				tokio::task::spawn_blocking(move || {
					let result = files::open_part(&part, size, &pieces).and_then(|(f, have)| {
						let hash = match whole {
							true => Some(RunningHash::start(&part, size, &have)?),
							false => None,
						};
						Ok((f, have, hash))
					});
					let _ = tx.send(Internal::Opened { dl, result });
				});
			},
			Some(m) if m.size == size && m.root == root => {
				if let Some(s) = d.schedule.as_mut() {
					// A dropped provider stays dropped, and does not keep a
					// download with no provider alive.
					if s.add_provider(peer) {
						d.last_provider = Instant::now();
					}
				} else {
					d.ready.push(peer);
				}
				self.pump(dl);
			},
			Some(_) => {
				tracing::warn!("{peer} sent a manifest unlike the others; ignored");
				d.mismatched.insert(peer);
			},
		}
	}

	pub(super) fn pump(&mut self, dl: u64) {
		let Some(d) = self.downloads.get_mut(&dl) else { return };
		let Some(s) = d.schedule.as_mut() else { return };
		let asks = s.next_asks(Instant::now());
		let hash = d.request.content_hash;
		for a in asks {
			let id = self.swarm.behaviour_mut().pieces.send_request(
				&a.peer,
				PiecesRequest { content_hash: hash, first: a.first, count: a.count },
			);
			self.pending.pieces.insert(id, PiecesAsk { dl, first: a.first, count: a.count });
		}
		self.report(dl);
	}

	pub(super) fn report(&mut self, dl: u64) {
		let Some(d) = self.downloads.get(&dl) else { return };
		let (pieces, verified, contiguous, providers) = match &d.schedule {
			Some(s) => {
				let n = d.manifest.as_ref().map(|m| m.pieces.len() as u32).unwrap_or(0);
				(n, n - s.missing(), s.contiguous(), s.providers().count())
			},
			None => (0, 0, 0, d.ready.len()),
		};
		let p = Progress {
			size: d.manifest.as_ref().map(|m| m.size).unwrap_or(0),
			pieces,
			verified,
			contiguous,
			providers,
			first_piece: d.first_piece,
		};
		d.prefix.grow((u64::from(p.contiguous) * u64::from(PIECE_SIZE)).min(p.size));
		d.progress.send_if_modified(|old| {
			let changed = *old != p;
			*old = p;
			changed
		});
	}

	pub(super) fn pieces_failed(&mut self, ask: PiecesAsk, peer: PeerId) {
		let PiecesAsk { dl, first, count } = ask;
		if let Some(s) = self.downloads.get_mut(&dl).and_then(|d| d.schedule.as_mut()) {
			s.request_ended(&peer, first, count, false);
		}
		self.pump(dl);
	}

	pub(super) fn on_pieces(&mut self, ask: PiecesAsk, peer: PeerId, response: PiecesResponse) {
		let PiecesAsk { dl, first, count } = ask;
		let Some(d) = self.downloads.get_mut(&dl) else { return };
		let (Some(m), Some(file)) = (&d.manifest, &d.file) else { return };
		let data = match response {
			Ok(pieces) if pieces.first == first => pieces.data,
			// A busy provider is not a failing one: wait a moment.
			Err(Refusal::Busy) => {
				if let Some(s) = d.schedule.as_mut() {
					s.busy(&peer, first, count, Instant::now());
				}
				return self.pump(dl);
			},
			_ => {
				if let Some(s) = d.schedule.as_mut() {
					s.request_ended(&peer, first, count, false);
				}
				return self.pump(dl);
			},
		};
		let pieces = m.pieces.clone();
		let size = m.size;
		let file = file.clone();
		let tx = self.internal_tx.clone();
		let feed = d.hash.as_ref().map(RunningHash::feed);
		tokio::task::spawn_blocking(move || {
			let verdicts =
				files::verify_and_write(&file, &pieces, size, first, count, data, feed.as_ref());
			let _ = tx.send(Internal::Written { dl, peer, first, count, verdicts });
		});
	}

	pub(super) fn ban(&mut self, peer: PeerId, why: &str) {
		if !self.banned.insert(peer) {
			return;
		}
		tracing::warn!("dropping peer {peer}: {why}");
		for d in self.downloads.values_mut() {
			if let Some(s) = d.schedule.as_mut() {
				s.drop_provider(peer, Dropped::Corrupt);
			}
		}
		let _ = self.swarm.disconnect_peer_id(peer);
	}

	pub(super) fn on_written(
		&mut self,
		dl: u64,
		peer: PeerId,
		first: u32,
		count: u32,
		verdicts: Vec<(u32, bool)>,
	) {
		let corrupt = verdicts.iter().any(|(_, ok)| !ok);
		let Some(d) = self.downloads.get_mut(&dl) else { return };
		let Some(s) = d.schedule.as_mut() else { return };
		for (piece, ok) in &verdicts {
			if *ok && s.piece_done(&peer, *piece) {
				d.last_piece = Instant::now();
				d.first_piece.get_or_insert_with(|| d.started.elapsed());
			}
		}
		s.request_ended(&peer, first, count, !corrupt && verdicts.len() as u32 == count);
		if corrupt {
			self.ban(peer, "it sent a piece that does not match the manifest");
		}
		self.check_done(dl);
		self.pump(dl);
	}

	pub(super) fn check_done(&mut self, dl: u64) {
		let Some(d) = self.downloads.get_mut(&dl) else { return };
		if d.finishing || !d.schedule.as_ref().is_some_and(|s| s.is_done()) {
			return;
		}
		d.finishing = true;
		let Some(m) = d.manifest.as_ref() else { return };
		let ext = musicchain_primitives::Format::from_code(m.format)
			.map(|f| f.extension())
			.unwrap_or("bin");
		let name = match &d.request.name {
			Some(name) => files::file_name(name),
			None => d.request.content_hash.to_string(),
		};
		let dest = self.config.data_dir.join("downloads").join(format!("{name}.{ext}"));
		let part = d.part.clone();
		let hash = d.request.content_hash;
		let tx = self.internal_tx.clone();
		d.file = None;
		let running = d.hash.take();
		let by_root = d.request.root.is_some();
		// A file this host serves already (a song played again) is not
		// kept twice.
		let root = d.manifest.as_ref().map(|m| m.root);
		let kept = self
			.catalog
			.get(&hash)
			.filter(|s| Some(manifest_root(&s.pieces)) == root)
			.map(|s| s.path.clone());
		tokio::task::spawn_blocking(move || {
			let got = match running.map(RunningHash::finish) {
				Some(got) => got.map_err(DownloadError::Io),
				// Every piece was checked against the chain's root.
				None if by_root => Ok(hash),
				None => Err(DownloadError::Io(std::io::Error::other("no content hash"))),
			};
			let result = got.and_then(|got| match kept.filter(|path| path.is_file()) {
				Some(path) if got == hash => {
					let _ = std::fs::remove_file(&part);
					Ok(path)
				},
				_ => files::finish_file(&part, &dest, &got, &hash),
			});
			let _ = tx.send(Internal::Finished { dl, result });
		});
	}

	pub(super) fn on_opened(
		&mut self,
		dl: u64,
		result: std::io::Result<(File, Vec<bool>, Option<RunningHash>)>,
	) {
		let Some(d) = self.downloads.get_mut(&dl) else { return };
		match result {
			Ok((file, have, hash)) => {
				d.hash = hash;
				let n = have.len() as u32;
				let mut s = Schedule::new(n, have);
				d.resumed = n - s.missing();
				if let Some(from) = d.request.stream_from {
					s.seek(from);
				}
				for p in d.ready.drain(..) {
					s.add_provider(p);
				}
				let file = Arc::new(file);
				let size = d.manifest.as_ref().map(|m| m.size).unwrap_or(0);
				let verified = u64::from(s.contiguous()) * u64::from(PIECE_SIZE);
				d.prefix.opened(file.clone(), size, verified);
				d.file = Some(file);
				d.schedule = Some(s);
				self.check_done(dl);
				self.pump(dl);
			},
			Err(e) => self.fail(dl, DownloadError::Io(e)),
		}
	}

	pub(super) fn on_finished(&mut self, dl: u64, result: Result<PathBuf, DownloadError>) {
		let Some(mut d) = self.downloads.remove(&dl) else { return };
		if let Err(e) = &result {
			d.prefix.failed(e.to_string());
		}
		let Some(done) = d.done.take() else { return };
		let (Some(m), Some(s)) = (d.manifest, d.schedule) else { return };
		let out = result.map(|path| {
			let hash = d.request.content_hash;
			let served = Served {
				path: path.clone(),
				size: m.size,
				piece_size: PIECE_SIZE,
				format: m.format,
				pieces: m.pieces.clone(),
			};
			if self.catalog.insert(hash, served) {
				self.own_changed(&[hash], &[]);
				self.provide_queue.push_back(hash);
			}
			Downloaded {
				path,
				size: m.size,
				format: m.format,
				pieces: m.pieces,
				resumed: d.resumed,
				first_piece: d.first_piece,
				delivered: s.delivered(),
				dropped: s.dropped().iter().map(|(p, w)| (*p, *w)).collect(),
			}
		});
		let _ = done.send(out);
	}

	pub(super) fn fail(&mut self, dl: u64, error: DownloadError) {
		if let Some(mut d) = self.downloads.remove(&dl) {
			d.prefix.failed(error.to_string());
			if let Some(done) = d.done.take() {
				let _ = done.send(Err(error));
			}
		}
	}

	/// Downloads look for more providers while they have few, and give up
	/// when they have had none for a while.
	pub(super) fn tick_downloads(&mut self) {
		let ids: Vec<u64> = self.downloads.keys().copied().collect();
		for dl in ids {
			let Some(d) = self.downloads.get_mut(&dl) else { continue };
			if d.finishing {
				continue;
			}
			let active =
				d.schedule.as_ref().map(|s| s.providers().count()).unwrap_or(d.ready.len());
			let hash = d.request.content_hash;
			if active > 0 {
				d.last_provider = Instant::now();
			} else if d.last_provider.elapsed() > NO_PROVIDER_TIMEOUT || self.nothing_can_come(dl) {
				let err = self.no_provider_error(dl);
				self.fail(dl, err);
				continue;
			}
			let Some(d) = self.downloads.get_mut(&dl) else { continue };
			if let Some(s) = d.schedule.as_ref() {
				let quiet = d.last_piece.elapsed();
				if quiet >= STALL_WARNING && quiet.as_secs().is_multiple_of(STALL_WARNING.as_secs())
				{
					let conns: Vec<String> = s
						.providers()
						.map(|p| {
							let n = self.open.values().filter(|c| c.peer == *p).count();
							format!("{p}: {n} connections")
						})
						.collect();
					tracing::warn!(
						"download of {} has had no piece for {}s: {}; {}",
						hash,
						quiet.as_secs(),
						s.describe(Instant::now()),
						conns.join(", ")
					);
				}
			}
			if active < WANTED_PROVIDERS {
				// Kademlia is asked again 2, 4 and 8 s after the lookup the
				// download started with, then every 16 s:
				// presence names most providers, and a DHT lookup is many
				// requests to other peers.
				let wait = Duration::from_secs(1 << d.lookups.min(4));
				if d.last_lookup.elapsed() >= wait
					&& !self.provider_queries.values().any(|v| *v == dl)
				{
					d.lookups += 1;
					d.last_lookup = Instant::now();
					let q = self.swarm.behaviour_mut().kad.get_providers(RecordKey::new(&hash));
					self.provider_queries.insert(q, dl);
				}
				for p in self.presence.providers(&hash) {
					self.ask_manifest(dl, p, false);
				}
			}
			self.pump(dl);
		}
	}

	/// Whether a download without a provider can stop waiting: its
	/// Kademlia lookup has ended, no manifest request is out, presence names
	/// no provider it has not dropped, and presence is settled (a mini-node's
	/// current view, or every mini-node unreachable). What comes later is a
	/// provider going online after we asked, which a new download finds.
	fn nothing_can_come(&self, dl: u64) -> bool {
		let Some(d) = self.downloads.get(&dl) else { return false };
		if d.started.elapsed() < GIVE_UP_AFTER {
			return false;
		}
		let dropped = |p: &PeerId| {
			self.banned.contains(p)
				|| d.mismatched.contains(p)
				|| d.schedule.as_ref().is_some_and(|s| s.dropped().contains_key(p))
		};
		!self.provider_queries.values().any(|v| *v == dl)
			&& !self.pending.manifest.values().any(|v| *v == dl)
			&& self.presence.providers(&d.request.content_hash).iter().all(dropped)
			&& self.links.views_settled(|p| self.current_views.contains(p))
	}

	/// Why a download with no provider fails: the providers it dropped, or
	/// that none was found (and which mini-nodes could not be reached).
	fn no_provider_error(&self, dl: u64) -> DownloadError {
		let Some(d) = self.downloads.get(&dl) else { return DownloadError::Stopped };
		let mut dropped: Vec<String> = d
			.schedule
			.as_ref()
			.map(|s| s.dropped().iter().map(|(p, why)| format!("{p} {why}")).collect())
			.unwrap_or_default();
		dropped.extend(d.mismatched.iter().map(|p| match d.request.root {
			Some(_) => {
				format!("{p} has another file than the one registered (another manifest root)")
			},
			None => format!("{p} sent a manifest unlike the others'"),
		}));
		if !dropped.is_empty() || d.manifest.is_some() {
			return DownloadError::ProvidersFailed(if dropped.is_empty() {
				"each left".to_string()
			} else {
				dropped.join("; ")
			});
		}
		let links = self
			.links
			.status(Instant::now())
			.into_iter()
			.filter(|l| !l.connected)
			.map(|l| l.describe())
			.collect();
		DownloadError::NoProvider { waited: d.started.elapsed(), links }
	}
}
