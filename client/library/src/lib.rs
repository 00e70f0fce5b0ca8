//! The local music library: root folders, a parallel incremental scan and
//! the [`store`] that keeps the results across restarts.

pub mod store;

use musicchain_audio::{self as audio, has_audio_extension};
use rayon::prelude::*;
use std::{
	collections::{HashMap, HashSet},
	path::{Path, PathBuf},
	sync::mpsc,
	time::{Duration, Instant},
};
pub use store::{Change, Failure, Record, Stamp, Store, StoreError};

/// Errors that stop a scan (a bad file never does).
#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
	#[error(transparent)]
	Store(#[from] StoreError),
	#[error("{path}")]
	Root { path: PathBuf, source: std::io::Error },
	#[error("cannot start {0} scan threads: {1}")]
	Threads(usize, String),
	#[error("{path} is not a library folder (the library folders: {roots})")]
	NotARoot { path: PathBuf, roots: String },
}

/// How to scan.
#[derive(Clone, Debug, Default)]
pub struct ScanOptions {
	/// Worker threads; `None` uses every core.
	pub jobs: Option<usize>,
}

/// What a scan is doing, as it goes: for a front end to draw progress and
/// list problems. Every event is delivered on the thread that called
/// [`scan`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanEvent<'a> {
	/// The folders were walked: `files` new or changed files, `bytes` in
	/// all, are to be analysed (unchanged files are not).
	Analysing { files: usize, bytes: u64 },
	/// One of them was analysed (or failed: a `Problem` says why).
	Analysed { path: &'a Path, bytes: u64 },
	/// A file or folder that cannot be in the library, and why; the scan
	/// goes on. The summary lists them all again.
	Problem { path: &'a Path, reason: &'a str },
}

/// What a scan did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanSummary {
	/// Audio files found under the roots.
	pub files: usize,
	/// Files whose size and mtime had not changed (not decoded).
	pub unchanged: usize,
	/// Files decoded and analysed in this scan.
	pub decoded: usize,
	/// Bytes of the decoded files.
	pub decoded_bytes: u64,
	/// New files added to the library.
	pub added: usize,
	/// Files re-analysed because they changed.
	pub updated: usize,
	/// Files that left the library (deleted or moved away).
	pub removed: usize,
	/// Files and folders that could not be read or decoded, with the reason.
	pub failed: Vec<(PathBuf, String)>,
	/// Audio files in formats musicchain does not take (by extension), with
	/// the reason: named, not analysed.
	pub skipped: Vec<(PathBuf, String)>,
}

impl ScanSummary {
	/// Whether every audio file found is in the library.
	pub fn complete(&self) -> bool {
		self.failed.is_empty() && self.skipped.is_empty()
	}
}

/// `dir` made absolute, if it is a folder that can be a library root
/// (checked before anything is created for it).
pub fn root_folder(dir: &Path) -> Result<PathBuf, LibraryError> {
	let root = std::fs::canonicalize(dir)
		.map_err(|source| LibraryError::Root { path: dir.to_path_buf(), source })?;
	let meta = std::fs::metadata(&root)
		.map_err(|source| LibraryError::Root { path: root.clone(), source })?;
	if !meta.is_dir() {
		return Err(LibraryError::Root {
			path: root,
			source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a directory"),
		});
	}
	Ok(root)
}

/// Adds `dir` (made absolute) to the library's roots.
pub fn add_root(store: &Store, dir: &Path) -> Result<PathBuf, LibraryError> {
	let root = root_folder(dir)?;
	store.add_root(&root)?;
	Ok(root)
}

/// Takes `dir` out of the library's roots, with the files found under it
/// (those under another root stay). Nothing on disk is touched. `dir` may
/// be gone from the disk (an unmounted drive): it is then named as it was
/// added. Returns the root and how many files left the library.
pub fn remove_root(store: &Store, dir: &Path) -> Result<(PathBuf, usize), LibraryError> {
	let roots = store.roots()?;
	let named = [std::fs::canonicalize(dir).ok(), std::path::absolute(dir).ok()];
	let Some(root) = roots.iter().find(|r| named.iter().flatten().any(|n| n == *r)).cloned() else {
		let roots = roots.iter().map(|r| r.display().to_string()).collect::<Vec<_>>();
		let roots = if roots.is_empty() { "none".to_string() } else { roots.join(", ") };
		return Err(LibraryError::NotARoot { path: dir.to_path_buf(), roots });
	};
	let others: Vec<&PathBuf> = roots.iter().filter(|r| **r != root).collect();
	let removed = store.remove_root(&root, |path| !others.iter().any(|o| path.starts_with(o)))?;
	Ok((root, removed))
}

struct Candidate {
	path: PathBuf,
	stamp: Stamp,
}

/// What the walk met besides the audio files to analyse.
#[derive(Clone, Copy, PartialEq)]
enum Met {
	/// A file or folder that cannot be read.
	Problem,
	/// An audio file in a format not taken.
	Unsupported,
}

/// Walks the roots: audio files to look at, what else it met (`report`),
/// and the roots that could not be read at all (whose files are kept, not
/// removed).
fn walk(
	roots: &[PathBuf],
	report: &mut dyn FnMut(Met, PathBuf, String),
) -> (Vec<Candidate>, Vec<PathBuf>) {
	let mut found = Vec::new();
	let mut dead_roots = Vec::new();
	for root in roots {
		// A folder inside another root is walked with it, once.
		if roots.iter().any(|other| other != root && root.starts_with(other)) {
			continue;
		}
		if let Err(e) = std::fs::metadata(root) {
			report(Met::Problem, root.clone(), format!("library folder cannot be read: {e}"));
			dead_roots.push(root.clone());
			continue;
		}
		for entry in walkdir::WalkDir::new(root).follow_links(true) {
			let entry = match entry {
				Ok(entry) => entry,
				Err(e) => {
					let path = e.path().map(Path::to_path_buf).unwrap_or_else(|| root.clone());
					if let Some(ancestor) = e.loop_ancestor() {
						report(
							Met::Problem,
							path,
							format!("directory loop: links back to {}", ancestor.display()),
						);
					} else if let Some(io) = e.io_error() {
						let audio = has_audio_extension(&path);
						if audio || io.kind() != std::io::ErrorKind::NotFound {
							let what = if audio { "cannot read" } else { "cannot read folder" };
							report(Met::Problem, path, format!("{what}: {io}"));
						}
					}
					continue;
				},
			};
			let path = entry.path();
			if entry.file_type().is_dir() {
				continue;
			}
			if !has_audio_extension(path) {
				if let Some(what) = audio::unsupported_audio(path) {
					let reason = format!(
						"{what} is not supported (musicchain takes {})",
						audio::supported_names()
					);
					report(Met::Unsupported, path.to_path_buf(), reason);
				}
				continue;
			}
			if !entry.file_type().is_file() {
				report(Met::Problem, path.to_path_buf(), audio::AudioError::NotAFile.to_string());
				continue;
			}
			match entry.metadata() {
				Ok(meta) => {
					found.push(Candidate { path: path.to_path_buf(), stamp: Stamp::of(&meta) })
				},
				Err(e) => report(Met::Problem, path.to_path_buf(), format!("cannot read: {e}")),
			}
		}
	}
	(found, dead_roots)
}

/// Scans every root: analyses new and changed files in parallel, keeps
/// unchanged ones without decoding them, drops files that are gone.
///
/// `on_event` hears what happens as it happens (see [`ScanEvent`]).
pub fn scan(
	store: &Store,
	options: &ScanOptions,
	on_event: &mut dyn FnMut(ScanEvent<'_>),
) -> Result<ScanSummary, LibraryError> {
	let roots = store.roots()?;
	let mut summary = ScanSummary::default();
	let mut failed = Vec::new();
	let mut skipped = Vec::new();
	let (found, dead_roots) = walk(&roots, &mut |met, path, reason| {
		on_event(ScanEvent::Problem { path: &path, reason: &reason });
		match met {
			Met::Problem => failed.push((path, reason)),
			Met::Unsupported => skipped.push((path, reason)),
		}
	});
	summary.files = found.len();

	let known: HashMap<PathBuf, Stamp> = store.stamps()?.into_iter().collect();
	let known_failures: HashMap<PathBuf, Failure> = store.failures()?.into_iter().collect();
	let mut todo = Vec::new();
	let mut seen = HashSet::new();
	for c in found {
		seen.insert(c.path.clone());
		if known.get(&c.path) == Some(&c.stamp) {
			summary.unchanged += 1;
		} else if let Some(f) = known_failures.get(&c.path).filter(|f| f.stamp == c.stamp) {
			summary.unchanged += 1;
			on_event(ScanEvent::Problem { path: &c.path, reason: &f.reason });
			failed.push((c.path.clone(), f.reason.clone()));
		} else {
			todo.push(c);
		}
	}

	// Files in the store that the walk did not find have left the library,
	// unless their whole root is unreachable (an unmounted drive).
	let gone: Vec<Change> = known
		.keys()
		.chain(known_failures.keys())
		.filter(|p| !seen.contains(*p) && !dead_roots.iter().any(|r| p.starts_with(r)))
		.map(|p| Change::Remove(p.clone()))
		.collect();
	summary.removed =
		gone.iter().filter(|c| matches!(c, Change::Remove(p) if known.contains_key(p))).count();
	store.apply(&gone)?;

	let bytes = todo.iter().map(|c| c.stamp.size).sum();
	on_event(ScanEvent::Analysing { files: todo.len(), bytes });

	let pool = {
		let mut b = rayon::ThreadPoolBuilder::new();
		if let Some(jobs) = options.jobs {
			b = b.num_threads(jobs.max(1));
		}
		b.build().map_err(|e| LibraryError::Threads(options.jobs.unwrap_or(0), e.to_string()))?
	};

	let (tx, rx) = mpsc::channel::<(PathBuf, Stamp, Result<audio::Analysis, String>)>();
	let mut commit_err = None;
	std::thread::scope(|s| {
		let todo = &todo;
		let pool = &pool;
		s.spawn(move || {
			pool.install(|| {
				todo.par_iter().for_each_with(tx, |tx, c| {
					let result = audio::analyze(&c.path).map_err(|e| e.to_string());
					let _ = tx.send((c.path.clone(), c.stamp, result));
				})
			})
		});

		let mut batch = Vec::new();
		let mut last_commit = Instant::now();
		for (path, stamp, result) in rx {
			summary.decoded += 1;
			summary.decoded_bytes += stamp.size;
			on_event(ScanEvent::Analysed { path: &path, bytes: stamp.size });
			match result {
				Ok(analysis) => {
					if known.contains_key(&path) {
						summary.updated += 1;
					} else {
						summary.added += 1;
					}
					batch.push(Change::Put(path, Box::new(Record { stamp, analysis })));
				},
				Err(reason) => {
					on_event(ScanEvent::Problem { path: &path, reason: &reason });
					failed.push((path.clone(), reason.clone()));
					batch.push(Change::Fail(path, Failure { stamp, reason }));
				},
			}
			if commit_err.is_none()
				&& (batch.len() >= 64 || last_commit.elapsed() >= Duration::from_secs(1))
			{
				if let Err(e) = store.apply(&batch) {
					commit_err = Some(e);
				}
				batch.clear();
				last_commit = Instant::now();
			}
		}
		if commit_err.is_none() {
			if let Err(e) = store.apply(&batch) {
				commit_err = Some(e);
			}
		}
	});
	if let Some(e) = commit_err {
		return Err(e.into());
	}
	failed.sort();
	skipped.sort();
	summary.failed = failed;
	summary.skipped = skipped;
	Ok(summary)
}
