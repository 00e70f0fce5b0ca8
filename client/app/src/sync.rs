//! A library meets the chain, in bulk: every scanned file is matched to the
//! song it already belongs to, added to a song it is another encoding of,
//! or registered as a new song (see `musicchain_chain::sync` for what each
//! means on chain).
//!
//! 1. What the chain knows of every file is read concurrently.
//! 2. The library's files are grouped by recording (the same fingerprint,
//!    or one similar enough at the chain's own threshold and about as
//!    long), so a recording is registered once, from the file of the group
//!    with the best tags, and the group's other files join that song.
//! 3. The transactions go out in waves, many in flight at once with
//!    consecutive nonces: each wave holds at most as many registrations as
//!    the chain takes in a block (`MaxPendingPerBlock`), so a library of
//!    1,000 new songs takes about 1,000 / 64 blocks, not 1,000.
//! 4. A new song is Pending until the validators' dedupe verdict; the other
//!    files of its recording are added once it has one (or, if it was folded
//!    into another artist's song, registered to be folded in too).
//!
//! A sync that is interrupted is run again: what landed is found on chain
//! (a file already a variant is `Known`), and the chain refuses a file twice
//! (`VariantExists`), so nothing registers twice.

use musicchain_audio::Analysis;
use musicchain_chain::{
	catalog::Status,
	sync::{Action, Known, MatchKind, Outcome, SongFile, Splits, Wave},
	Chain, ChainError,
};
use musicchain_library::{Record, Store};
use musicchain_primitives::{
	fingerprint::{
		codec::decompress,
		index::{self, IndexStore, MemoryStore},
		matcher, MATCH_RPC_NODE_ERROR,
	},
	FingerprintHash, SongId,
};
use musicchain_wallet::Account;
use std::{
	collections::{HashMap, VecDeque},
	path::{Path, PathBuf},
	time::{Duration, Instant},
};

/// What the chain is told of a scanned file. Fails for a container that
/// has no on-chain format.
pub fn song_file(a: &Analysis) -> Result<SongFile, ChainError> {
	let format = a.format().ok_or_else(|| {
		ChainError::Other(format!(
			"the file's container (code {}) has no on-chain format",
			a.format
		))
	})?;
	Ok(SongFile {
		content_hash: a.content_hash,
		format,
		size: a.size,
		piece_size: a.piece_size,
		manifest_root: a.manifest_root,
		duration_ms: a.duration_ms,
		fingerprint: a.fingerprint.clone(),
		fingerprint_hash: a.fingerprint_hash,
		metadata: a.tags.to_metadata(),
	})
}

/// What happened to one file of a sync.
#[derive(Debug)]
pub struct FileSynced<'a> {
	pub path: &'a Path,
	pub analysis: &'a Analysis,
	/// Its place on chain, or why it has none (the sync goes on).
	pub result: Result<Outcome, ChainError>,
}

/// Where a sync is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
	/// Reading what the chain knows of the files (`done` of `total`).
	Checking { done: usize, total: usize },
	/// Sending a wave of `transactions`; `done` of `total` files have their
	/// place on chain.
	Sending { transactions: usize, done: usize, total: usize },
	/// Waiting for the dedupe verdicts on `songs` new songs before their
	/// recordings' other files can be added.
	Verdicts { songs: usize, done: usize, total: usize },
}

/// What a sync reports as it goes.
#[derive(Debug)]
pub enum SyncEvent<'a> {
	Stage(Stage),
	File(FileSynced<'a>),
}

/// How a whole sync went.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncSummary {
	pub files: usize,
	/// Placed on chain by an earlier sync, so not checked again.
	pub skipped: usize,
	/// Already on chain as a variant.
	pub known: usize,
	/// Added to a song, or registered for the verdict to fold into one.
	pub joined: usize,
	/// Registered as new songs.
	pub registered: usize,
	/// Files that could not be synced, with why.
	pub failed: Vec<(PathBuf, String)>,
}

/// Most transactions in flight at once (the node's subscriptions per
/// connection and the client's requests bound it).
const MAX_WAVE: usize = 256;
/// Lookups and matches in flight at once.
const LOOKUPS: usize = 16;
/// A registration refused because the block's verdict queue was full is
/// tried this many times in later blocks.
const QUEUE_FULL_TRIES: u32 = 5;
/// How long the other files of a new recording wait for its verdict (the
/// chain's own timeout activates a song after 10 minutes at most).
const VERDICT_WAIT: Duration = Duration::from_secs(12 * 60);

/// Syncs the library in `store` (see [`sync_library`]). Files an earlier
/// sync of this chain placed are skipped unless `all`; each file placed now
/// is remembered in the store, when it is open for writing (a read-only
/// store syncs everything it is given and remembers nothing).
pub async fn sync_store(
	chain: &Chain,
	owner: &Account,
	store: &Store,
	splits: &Splits,
	all: bool,
	mut on_event: impl FnMut(SyncEvent<'_>),
) -> Result<SyncSummary, ChainError> {
	let genesis = chain.genesis_hash();
	let stored = |e: musicchain_library::StoreError| ChainError::Other(format!("{e}"));
	let mut files = store.files().map_err(stored)?;
	let total = files.len();
	if !all {
		let synced = store.synced(&genesis).map_err(stored)?;
		files.retain(|(_, r)| !synced.contains_key(&r.analysis.content_hash.0));
	}
	let mut placed = Vec::new();
	let result = sync_library(chain, owner, &files, splits, |event| {
		if let SyncEvent::File(FileSynced { analysis, result: Ok(outcome), .. }) = &event {
			let song = match *outcome {
				Outcome::Known { song }
				| Outcome::Joined { song, .. }
				| Outcome::Registered { song, .. }
				| Outcome::Claimed { of: song, .. } => song,
			};
			placed.push((analysis.content_hash.0, song));
		}
		on_event(event);
	})
	.await;
	// What was placed is remembered even when the sync stopped midway.
	if store.is_writable() {
		store.mark_synced(&genesis, &placed).map_err(stored)?;
	}
	let mut summary = result?;
	summary.skipped = total - files.len();
	summary.files = total;
	Ok(summary)
}

/// One file of the sync that is not on chain yet.
struct Entry {
	/// Index into the caller's files.
	at: usize,
	file: SongFile,
	known: Known,
}

/// What a transaction does for the sync once it lands.
enum Then {
	/// Registered a recording's best-tagged file; `rest` are the group's
	/// other files, added once the verdict is in.
	New { rest: Vec<usize>, unmatched: bool },
	/// Added a file to the owner's song.
	Join { how: MatchKind },
	/// Registered a file of another artist's song `of`.
	Claim { of: SongId, how: MatchKind },
}

struct Planned {
	entry: usize,
	action: Action,
	then: Then,
	tries: u32,
}

/// A new song whose verdict the group's other files wait for.
struct Awaiting {
	song: SongId,
	/// The entry registered as the song.
	first: usize,
	rest: Vec<usize>,
	since: Instant,
}

/// Matches or registers every file in `files` with `owner`'s key,
/// reporting each file as it is done and the stage the sync is at. Stops
/// at once, with the error, when the node is lost or `owner` cannot pay
/// for a wave (nothing after it could sync either); any other failure is
/// the file's and the sync goes on.
pub async fn sync_library(
	chain: &Chain,
	owner: &Account,
	files: &[(PathBuf, Record)],
	splits: &Splits,
	on_event: impl FnMut(SyncEvent<'_>),
) -> Result<SyncSummary, ChainError> {
	let rules = chain.sync_rules().await?;
	let (threshold, tolerance) = (rules.threshold_ppm, rules.tolerance_ms);
	let per_block = rules.per_block.max(1) as usize;
	let mut out = Reporter {
		files,
		summary: SyncSummary { files: files.len(), ..SyncSummary::default() },
		done: 0,
		on_event,
	};

	// 1. What the chain knows of each file.
	let mut lookups = Vec::new();
	for (at, (_, record)) in files.iter().enumerate() {
		match song_file(&record.analysis) {
			Ok(file) => lookups.push((at, file)),
			Err(e) => out.file(at, Err(e)),
		}
	}
	let mut entries = Vec::new();
	{
		use futures::StreamExt;
		let checking = lookups.len();
		let mut known = futures::stream::iter(lookups.into_iter().map(|(at, file)| async move {
			let known = chain.known(&file).await;
			(at, file, known)
		}))
		.buffered(LOOKUPS);
		let mut n = 0;
		while let Some((at, file, known)) = known.next().await {
			n += 1;
			if n % 64 == 0 || n == checking {
				(out.on_event)(SyncEvent::Stage(Stage::Checking { done: n, total: checking }));
			}
			match known {
				Ok(known) => {
					if let Known::Variant(song) = known {
						out.file(at, Ok(Outcome::Known { song }));
					}
					entries.push(Entry { at, file, known });
				},
				Err(e @ (ChainError::Lost { .. } | ChainError::Reconnecting { .. })) => {
					return Err(e)
				},
				Err(e) => out.file(at, Err(e)),
			}
		}
	}

	// 2. Recordings: the groups of files, best-tagged first; those with a
	// file still to sync.
	let groups: Vec<Group> = recordings(&entries, threshold, tolerance)
		.into_iter()
		.filter_map(|members| Group::of(&entries, members))
		.collect();

	// 3. Each recording's song on chain, if it has one: the song one of its
	// files is a variant of, or has the fingerprint of, or the node's
	// index matches.
	let targets = {
		use futures::StreamExt;
		// Owned inputs: the stream's closure must not borrow (the future
		// is sent across threads).
		let asks: Vec<(Option<SongId>, Vec<u8>)> =
			groups.iter().map(|g| (g.song, entries[g.todo[0]].file.fingerprint.clone())).collect();
		futures::stream::iter(asks.into_iter().map(|(song, fingerprint)| async move {
			// The song a file of it is already in (or has its fingerprint),
			// unless it left the catalog: then the index is asked, as for a
			// file the chain does not know.
			if let Some(song) = song {
				if let Some(record) = chain.song(song).await? {
					return Ok((Some((song, None, record)), false));
				}
			}
			let candidates: Vec<(SongId, Option<u32>)> =
				match chain.match_fingerprint(&fingerprint).await {
					Ok(matches) => {
						// Settled songs before pending ones (a pending one may
						// be a claim the verdict is about to fold away), best
						// first within each.
						let mut found: Vec<_> = matches
							.into_iter()
							.filter(|m| m.similarity_ppm >= threshold && m.status != "hidden")
							.collect();
						found.sort_by_key(|m| m.status == "pending");
						found.into_iter().map(|m| (m.song, Some(m.similarity_ppm))).collect()
					},
					// A node without its index yet: registering is safe,
					// the verdict dedupes.
					Err(ChainError::Node { code: MATCH_RPC_NODE_ERROR, .. }) => {
						return Ok((None, true))
					},
					Err(e) => return Err(e),
				};
			// The first that is still in the catalog, with its record (its
			// artist, its status).
			for (song, ppm) in candidates {
				if let Some(record) = chain.song(song).await? {
					return Ok((Some((song, ppm, record)), false));
				}
			}
			Ok((None, false))
		}))
		.buffered(LOOKUPS)
		.collect::<Vec<_>>()
		.await
	};
	let mut queue = VecDeque::new();
	let mut awaiting: Vec<Awaiting> = Vec::new();
	for (group, target) in groups.into_iter().zip(targets) {
		let (target, unmatched) = match target {
			Ok(t) => t,
			Err(e @ (ChainError::Lost { .. } | ChainError::Reconnecting { .. })) => return Err(e),
			Err(e) => {
				let why = e.to_string();
				for &e in &group.todo {
					out.file(entries[e].at, Err(ChainError::Other(why.clone())));
				}
				continue;
			},
		};
		let Some((song, rpc_ppm, record)) = target else {
			queue.push_back(Planned {
				entry: group.todo[0],
				action: Action::Register(entries[group.todo[0]].file.clone()),
				then: Then::New { rest: group.todo[1..].to_vec(), unmatched },
				tries: 0,
			});
			continue;
		};
		if record.artist_account == owner.public() && record.status == Status::Pending {
			// The owner's own new song (an earlier sync registered it):
			// its other files wait for its verdict.
			awaiting.push(Awaiting {
				song,
				first: group.anchor,
				rest: group.todo,
				since: Instant::now(),
			});
			continue;
		}
		for &e in &group.todo {
			let how = match rpc_ppm {
				Some(ppm) if e == group.anchor => MatchKind::Similar { similarity_ppm: ppm },
				_ => how_alike(&entries[e].file, &entries[group.anchor].file),
			};
			queue.push_back(join(&entries, e, song, &record, owner, how));
		}
	}

	// 4. Waves of transactions, then the verdicts the rest wait for. The
	// next wave is signed while one is on its way, so that it goes out as
	// soon as its block is in (a wave a block).
	let mut ready: Option<(Vec<Planned>, Wave)> = None;
	loop {
		if queue.is_empty() && ready.is_none() {
			if awaiting.is_empty() {
				break;
			}
			out.stage(|done, total| Stage::Verdicts { songs: awaiting.len(), done, total });
			tokio::time::sleep(Duration::from_secs(2)).await;
			let records: Vec<_> = {
				use futures::StreamExt;
				let songs: Vec<SongId> = awaiting.iter().map(|a| a.song).collect();
				futures::stream::iter(songs.into_iter().map(|song| chain.song(song)))
					.buffered(LOOKUPS)
					.collect()
					.await
			};
			let mut still = Vec::new();
			for (a, record) in awaiting.drain(..).zip(records) {
				match record? {
					Some(record) if record.status == Status::Pending => {
						if a.since.elapsed() < VERDICT_WAIT {
							still.push(a);
							continue;
						}
						for &e in &a.rest {
							let why = format!(
								"song {} is still waiting for its dedupe verdict, so this other \
								 file of it cannot be added yet; run the sync again later",
								a.song
							);
							out.file(entries[e].at, Err(ChainError::Other(why)));
						}
					},
					Some(record) => {
						for &e in &a.rest {
							let how = how_alike(&entries[e].file, &entries[a.first].file);
							queue.push_back(join(&entries, e, a.song, &record, owner, how));
						}
					},
					None => {
						// Folded into an earlier song: the rest follow it there.
						let into = match chain.known(&entries[a.first].file).await? {
							Known::Variant(into) => chain.song(into).await?.map(|r| (into, r)),
							_ => None,
						};
						for &e in &a.rest {
							let how = how_alike(&entries[e].file, &entries[a.first].file);
							match &into {
								Some((into, record)) => {
									queue.push_back(join(&entries, e, *into, record, owner, how))
								},
								None => {
									let why = format!(
										"song {} left the catalog while its other files waited; \
										 run the sync again",
										a.song
									);
									out.file(entries[e].at, Err(ChainError::Other(why)))
								},
							}
						}
					},
				}
			}
			awaiting = still;
			continue;
		}
		let (wave, signed) = match ready.take() {
			Some((wave, signed)) if chain.wave_in_order(owner, &signed).await? => (wave, signed),
			// None ready, or signed with nonces that no longer follow on (a
			// transaction before it was refused): sign it (again).
			other => {
				let wave = match other {
					Some((wave, _)) => wave,
					None => take_wave(&mut queue, per_block),
				};
				let signed = chain.prepare_wave(owner, actions_of(&wave), splits, None).await?;
				(wave, signed)
			},
		};
		out.stage(|done, total| Stage::Sending { transactions: signed.len(), done, total });
		let following = take_wave(&mut queue, per_block);
		let next_nonce = signed.next_nonce;
		let (results, prepared) = tokio::join!(chain.send_wave(owner, &signed), async {
			if following.is_empty() {
				return Ok(None);
			}
			let actions = actions_of(&following);
			chain.prepare_wave(owner, actions, splits, Some(next_nonce)).await.map(Some)
		});
		let results = results?;
		ready = prepared?.map(|signed| (following, signed));
		for (planned, result) in wave.into_iter().zip(results) {
			let at = entries[planned.entry].at;
			match (planned.then, result) {
				(Then::New { rest, unmatched }, Ok(song)) => {
					out.file(at, Ok(Outcome::Registered { song, unmatched }));
					if !rest.is_empty() {
						awaiting.push(Awaiting {
							song,
							first: planned.entry,
							rest,
							since: Instant::now(),
						});
					}
				},
				(Then::Join { how }, Ok(song)) => out.file(at, Ok(Outcome::Joined { song, how })),
				(Then::Claim { of, how }, Ok(song)) => {
					out.file(at, Ok(Outcome::Claimed { song, of, how }))
				},
				(then, Err(e)) if is_queue_full(&e) && planned.tries + 1 < QUEUE_FULL_TRIES => {
					// Others filled this block's verdict queue: a later block.
					queue.push_back(Planned {
						entry: planned.entry,
						action: planned.action,
						then,
						tries: planned.tries + 1,
					});
				},
				(then, Err(e)) => {
					out.file(at, Err(e));
					// The recording's next-best file registers it instead.
					if let Then::New { mut rest, unmatched } = then {
						if !rest.is_empty() {
							let next = rest.remove(0);
							queue.push_back(Planned {
								entry: next,
								action: Action::Register(entries[next].file.clone()),
								then: Then::New { rest, unmatched },
								tries: 0,
							});
						}
					}
				},
			}
		}
	}
	Ok(out.summary)
}

/// A recording with files still to sync.
struct Group {
	/// The entries to sync, best-tagged first.
	todo: Vec<usize>,
	/// The song one of its files already belongs to (a variant's, or the
	/// one registered with a file's fingerprint).
	song: Option<SongId>,
	/// The file the others are compared with: the one on chain, or else
	/// the best-tagged one.
	anchor: usize,
}

impl Group {
	fn of(entries: &[Entry], members: Vec<usize>) -> Option<Group> {
		let variant = members.iter().find_map(|&e| match entries[e].known {
			Known::Variant(song) => Some((e, song)),
			_ => None,
		});
		let todo: Vec<usize> = members
			.iter()
			.copied()
			.filter(|&e| !matches!(entries[e].known, Known::Variant(_)))
			.collect();
		let first = *todo.first()?;
		let song = variant.map(|(_, song)| song).or_else(|| {
			todo.iter().find_map(|&e| match entries[e].known {
				Known::Fingerprint(song) => Some(song),
				_ => None,
			})
		});
		Some(Group { anchor: variant.map_or(first, |(e, _)| e), todo, song })
	}
}

/// Reports files and stages to the caller and keeps the summary.
struct Reporter<'f, F> {
	files: &'f [(PathBuf, Record)],
	summary: SyncSummary,
	done: usize,
	on_event: F,
}

impl<F: FnMut(SyncEvent<'_>)> Reporter<'_, F> {
	fn file(&mut self, at: usize, result: Result<Outcome, ChainError>) {
		let (path, record) = &self.files[at];
		match &result {
			Ok(Outcome::Known { .. }) => self.summary.known += 1,
			Ok(Outcome::Joined { .. } | Outcome::Claimed { .. }) => self.summary.joined += 1,
			Ok(Outcome::Registered { .. }) => self.summary.registered += 1,
			Err(e) => self.summary.failed.push((path.clone(), e.to_string())),
		}
		self.done += 1;
		(self.on_event)(SyncEvent::File(FileSynced { path, analysis: &record.analysis, result }));
	}

	fn stage(&mut self, stage: impl FnOnce(usize, usize) -> Stage) {
		let stage = stage(self.done, self.summary.files);
		(self.on_event)(SyncEvent::Stage(stage));
	}
}

/// The planned transaction that puts entry `e` in `song` (whose record is
/// `record`): added when `owner` is its artist, else registered for the
/// verdict to fold in.
fn join(
	entries: &[Entry],
	e: usize,
	song: SongId,
	record: &musicchain_chain::catalog::Song,
	owner: &Account,
	how: MatchKind,
) -> Planned {
	let file = entries[e].file.clone();
	if record.artist_account == owner.public() {
		Planned {
			entry: e,
			action: Action::AddVariant { song, file },
			then: Then::Join { how },
			tries: 0,
		}
	} else {
		Planned {
			entry: e,
			action: Action::Register(file),
			then: Then::Claim { of: song, how },
			tries: 0,
		}
	}
}

fn actions_of(wave: &[Planned]) -> Vec<Action> {
	wave.iter().map(|p| p.action.clone()).collect()
}

/// The next wave: in queue order, at most `per_block` registrations (the
/// block's verdict queue) and [`MAX_WAVE`] transactions.
fn take_wave(queue: &mut VecDeque<Planned>, per_block: usize) -> Vec<Planned> {
	let mut wave = Vec::new();
	let mut kept = VecDeque::new();
	let mut registrations = 0;
	while let Some(p) = queue.pop_front() {
		if wave.len() >= MAX_WAVE {
			kept.push_back(p);
			continue;
		}
		if matches!(p.action, Action::Register(_)) {
			if registrations >= per_block {
				kept.push_back(p);
				continue;
			}
			registrations += 1;
		}
		wave.push(p);
	}
	*queue = kept;
	wave
}

fn is_queue_full(e: &ChainError) -> bool {
	matches!(e, ChainError::Rejected(why) if why.contains("PendingQueueFull"))
}

/// How file `a` is another file of the recording `b` is.
fn how_alike(a: &SongFile, b: &SongFile) -> MatchKind {
	if a.fingerprint_hash == b.fingerprint_hash {
		return MatchKind::Fingerprint;
	}
	let similarity_ppm = match (decompress(&a.fingerprint), decompress(&b.fingerprint)) {
		(Ok(a), Ok(b)) => matcher::compare(&a.items, &b.items).map_or(0, |m| m.similarity_ppm),
		_ => 0,
	};
	MatchKind::Similar { similarity_ppm }
}

/// How complete a file's tags are, for choosing the file a recording is
/// registered from: title and artist most, then album, then genre.
fn tag_score(file: &SongFile) -> u32 {
	let m = &file.metadata;
	let has = |field: &[u8]| u32::from(field.iter().any(|b| !b.is_ascii_whitespace()));
	has(&m.title) * 4 + has(&m.artist) * 4 + has(&m.album) * 2 + has(&m.genre)
}

/// The library's recordings: groups of entries (indexes), each the files
/// with one fingerprint or with fingerprints similar at `threshold_ppm`
/// and durations within `tolerance_ms`, as the validators' verdict would
/// group them. Each group's best-tagged file comes first (ties: the first
/// by path); groups are in the order of their first file.
fn recordings(entries: &[Entry], threshold_ppm: u32, tolerance_ms: u32) -> Vec<Vec<usize>> {
	let mut parent: Vec<usize> = (0..entries.len()).collect();
	fn root(parent: &mut [usize], mut i: usize) -> usize {
		while parent[i] != i {
			parent[i] = parent[parent[i]];
			i = parent[i];
		}
		i
	}
	let union = |parent: &mut Vec<usize>, a: usize, b: usize| {
		let (ra, rb) = (root(parent, a), root(parent, b));
		if ra != rb {
			parent[ra.max(rb)] = ra.min(rb);
		}
	};
	let mut by_hash: HashMap<FingerprintHash, usize> = HashMap::new();
	let mut store = MemoryStore::default();
	let mut items = Vec::with_capacity(entries.len());
	for (i, entry) in entries.iter().enumerate() {
		let hash = entry.file.fingerprint_hash;
		if let Some(&first) = by_hash.get(&hash) {
			union(&mut parent, first, i);
			items.push(None);
			continue;
		}
		by_hash.insert(hash, i);
		let Ok(fingerprint) = decompress(&entry.file.fingerprint) else {
			items.push(None);
			continue;
		};
		store.set(&index::fingerprint_key(&hash), &entry.file.fingerprint);
		index::insert(&mut store, &hash, &fingerprint.items);
		items.push(Some(fingerprint.items));
	}
	for (i, entry) in entries.iter().enumerate() {
		let Some(query) = &items[i] else { continue };
		let hash = entry.file.fingerprint_hash;
		for found in index::matches(&store, query, Some(&hash), 10) {
			if found.alignment.similarity_ppm < threshold_ppm {
				break;
			}
			let Some(&other) = by_hash.get(&found.hash) else { continue };
			if entries[other].file.duration_ms.abs_diff(entry.file.duration_ms)
				<= u64::from(tolerance_ms)
			{
				union(&mut parent, i, other);
			}
		}
	}
	let mut groups: Vec<Vec<usize>> = Vec::new();
	let mut group_of: HashMap<usize, usize> = HashMap::new();
	for i in 0..entries.len() {
		let r = root(&mut parent, i);
		let g = *group_of.entry(r).or_insert_with(|| {
			groups.push(Vec::new());
			groups.len() - 1
		});
		groups[g].push(i);
	}
	for group in &mut groups {
		// Stable: among equally tagged files the first by path stays first.
		group.sort_by_key(|&e| std::cmp::Reverse(tag_score(&entries[e].file)));
	}
	groups
}

#[cfg(test)]
mod tests {
	use super::*;
	use musicchain_primitives::{
		fingerprint::{codec::compress, Fingerprint},
		ContentHash, Format, ManifestRoot, Metadata,
	};

	/// A recording's sub-fingerprints (a xorshift stream from `seed`).
	fn recording(seed: u32) -> Vec<u32> {
		let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
		(0..400)
			.map(|_| {
				s ^= s << 13;
				s ^= s >> 17;
				s ^= s << 5;
				s
			})
			.collect()
	}

	fn entry(file: u8, items: Vec<u32>, title: &str, artist: &str) -> Entry {
		let fingerprint = compress(&Fingerprint { algorithm: 1, items });
		Entry {
			at: file.into(),
			known: Known::Nothing,
			file: SongFile {
				content_hash: ContentHash([file; 32]),
				format: Format::Flac,
				size: 1,
				piece_size: 1,
				manifest_root: ManifestRoot([0; 32]),
				duration_ms: 50_000,
				fingerprint_hash: FingerprintHash(musicchain_primitives::blake2_256(&fingerprint)),
				fingerprint,
				metadata: Metadata::from_strs(title, artist, "", "", None, None),
			},
		}
	}

	#[test]
	fn files_of_one_recording_group_under_the_best_tagged_one() {
		// Another encoding: a few bits off in every fourth sub-fingerprint.
		let noisy: Vec<u32> = recording(1)
			.iter()
			.enumerate()
			.map(|(i, x)| if i % 4 == 0 { x ^ 3 } else { *x })
			.collect();
		let entries = vec![
			entry(0, recording(1), "", ""),             // untagged, first by path
			entry(1, recording(2), "Other", "Someone"), // another recording
			entry(2, noisy, "Song", "Artist"),          // tagged re-encode
			entry(3, recording(1), "Song", ""),         // the same fingerprint, title only
			entry(4, recording(2), "Other", "Someone"), // a copy of the other
		];
		let groups = recordings(&entries, 850_000, 3_000);
		assert_eq!(groups, vec![vec![2, 3, 0], vec![1, 4]]);
		// Longer by more than the tolerance: another recording (an extended mix).
		let mut longer = entry(5, recording(1), "Song", "Artist");
		longer.file.duration_ms = 60_000;
		let mut entries = entries;
		entries.push(longer);
		let groups = recordings(&entries, 850_000, 3_000);
		assert_eq!(groups.len(), 2, "the same fingerprint hash groups whatever the length");
		assert!(groups[0].contains(&5));
	}

	#[test]
	fn a_wave_holds_at_most_a_blocks_registrations_in_queue_order() {
		let file = entry(0, recording(1), "", "").file;
		let mut queue: VecDeque<Planned> = (0..400)
			.map(|i| Planned {
				entry: i,
				action: if i % 3 == 0 {
					Action::AddVariant { song: 1, file: file.clone() }
				} else {
					Action::Register(file.clone())
				},
				then: Then::Join { how: MatchKind::Fingerprint },
				tries: 0,
			})
			.collect();
		let wave = take_wave(&mut queue, 64);
		let registrations = wave.iter().filter(|p| matches!(p.action, Action::Register(_))).count();
		assert_eq!(registrations, 64);
		assert!(wave.len() <= MAX_WAVE);
		assert!(wave.windows(2).all(|w| w[0].entry < w[1].entry), "queue order kept");
		assert_eq!(wave.len() + queue.len(), 400, "nothing lost");
		// The next wave starts with the first one left behind.
		let left = (0..400).find(|i| !wave.iter().any(|p| p.entry == *i));
		let next = take_wave(&mut queue, 64);
		assert_eq!(next.first().map(|p| p.entry), left);
	}
}
