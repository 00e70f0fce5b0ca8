//! `musicchain library`: folders, scans, the library's place on chain, and
//! its listing.

use crate::chain::{connect, unlock, ChainArgs};
use crate::{chain, Context};
use anyhow::Result;
use musicchain_app::sync::{sync_store, Stage, SyncEvent};
use musicchain_audio::format_name;
use musicchain_chain::sync::{MatchKind, Outcome, Splits};
use musicchain_library::{self as library, ScanEvent, ScanOptions, ScanSummary, Store};
use musicchain_swarm::protocol::hex;
use musicchain_wallet as wallet;
use musicchain_wallet::PasswordSource;
use std::path::PathBuf;
use std::{io::Write, path::Path};

/// The local music library.
#[derive(clap::Args)]
pub struct Args {
	#[command(subcommand)]
	command: LibraryCommand,
}

#[derive(clap::Args)]
struct ScanArgs {
	/// Worker threads (default: one per core).
	#[arg(long, short = 'j')]
	jobs: Option<usize>,
	/// Do not draw progress bars.
	#[arg(long)]
	no_progress: bool,
	/// Only scan; do not match or register the files on chain.
	#[arg(long)]
	offline: bool,
	#[command(flatten)]
	splits: SplitArgs,
}

#[derive(clap::Args)]
struct SplitArgs {
	/// A share of the artist's royalty for a co-beneficiary of the songs
	/// this registers, as ADDRESS=PERCENT (repeatable).
	#[arg(long = "split", value_name = "ADDRESS=PERCENT", value_parser = chain::parse_split)]
	splits: Vec<([u8; 32], musicchain_primitives::Permill)>,
}

#[derive(clap::Subcommand)]
enum LibraryCommand {
	/// Add a folder to the library and scan it.
	Add {
		dir: PathBuf,
		/// Only remember the folder; scan later.
		#[arg(long)]
		no_scan: bool,
		#[command(flatten)]
		scan: ScanArgs,
	},
	/// Rescan every library folder: new and changed files are analysed,
	/// unchanged ones are kept, deleted ones leave the library.
	Scan {
		#[command(flatten)]
		scan: ScanArgs,
	},
	/// Match every file on chain: join the song it belongs to (adding it as
	/// a variant if the chain does not have this file) or register a new
	/// song. `add` and `scan` do this after scanning when there is a wallet.
	Sync {
		#[command(flatten)]
		splits: SplitArgs,
		/// Check every file again, also those an earlier sync placed on
		/// this chain (by default only new files are checked).
		#[arg(long)]
		all: bool,
	},
	/// List the files in the library (path, format, duration, artist,
	/// title, album, content hash), or those matching a filter.
	#[command(after_help = "Examples:\n  musicchain library list\n  musicchain library list \
	                        bjork homogenic\n  musicchain library list --json flac | jq length")]
	List {
		/// Only the files whose path, artist, title or album has every one
		/// of these words (prefixes and small typos count; case and
		/// accents do not).
		filter: Vec<String>,
		/// Print whole content hashes (64 hex digits, what `download` takes)
		/// instead of their first 16 digits.
		#[arg(long)]
		hashes: bool,
		/// Print a JSON array of the files instead (whole hashes, durations
		/// in milliseconds).
		#[arg(long)]
		json: bool,
	},
	/// List the library folders and how many files each holds.
	Folders,
	/// Take a folder out of the library, with its files (those also under
	/// another library folder stay). Nothing on disk is deleted; the
	/// songs stay on chain.
	Remove {
		/// The folder, as added (it may be gone from the disk).
		dir: PathBuf,
	},
}

async fn library_command(
	command: LibraryCommand,
	data_dir: &Path,
	chain: &ChainArgs,
	password: &PasswordSource,
) -> Result<i32> {
	match command {
		LibraryCommand::Add { dir, no_scan, scan } => {
			// A folder that cannot be added creates nothing.
			let root = library::root_folder(&dir)?;
			let store = Store::open(data_dir)?;
			store.add_root(&root)?;
			eprintln!("added {}", root.display());
			if no_scan {
				return Ok(0);
			}
			scan_then_sync(&store, &scan, data_dir, chain, password).await
		},
		LibraryCommand::Scan { scan } => {
			scan_then_sync(&Store::open(data_dir)?, &scan, data_dir, chain, password).await
		},
		LibraryCommand::Sync { splits, all } => {
			// To write when it can, to remember what was synced; read-only
			// while a scan writes it.
			let store = Store::open(data_dir).or_else(|_| open_for_reading(data_dir))?;
			let failed = sync(&store, data_dir, chain, password, &splits.splits, all).await?;
			Ok(if failed > 0 { 1 } else { 0 })
		},
		LibraryCommand::List { filter, hashes, json } => list(
			&open_for_reading(data_dir)?,
			&filter.join(" "),
			if json { Listing::Json } else { Listing::Text { hashes } },
		),
		LibraryCommand::Folders => folders(&open_for_reading(data_dir)?),
		LibraryCommand::Remove { dir } => {
			let (root, files) = library::remove_root(&Store::open(data_dir)?, &dir)?;
			println!(
				"removed {} from the library, with its {files} files (nothing on disk was deleted)",
				root.display()
			);
			Ok(0)
		},
	}
}

/// The store, read-only so that reading works while a scan writes it; a
/// missing or unclean store is created or recovered by opening it to write.
fn open_for_reading(data_dir: &Path) -> Result<Store> {
	Ok(Store::open_read_only(data_dir).or_else(|_| Store::open(data_dir))?)
}

/// Scans the library, then matches it on chain unless `--offline` (or
/// there is no wallet yet, which is said).
async fn scan_then_sync(
	store: &Store,
	scan: &ScanArgs,
	data_dir: &Path,
	chain: &ChainArgs,
	password: &PasswordSource,
) -> Result<i32> {
	let code = run_scan(store, scan)?;
	if scan.offline {
		return Ok(code);
	}
	if wallet::load(data_dir)?.is_none() {
		eprintln!(
			"not matched on chain: there is no wallet yet (`musicchain wallet create`, then \
			 `musicchain library sync`)"
		);
		return Ok(code);
	}
	let failed = sync(store, data_dir, chain, password, &scan.splits.splits, false).await?;
	Ok(if failed > 0 { 1 } else { code })
}

fn run_scan(store: &Store, args: &ScanArgs) -> Result<i32> {
	use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
	let style = |template| {
		ProgressStyle::with_template(template)
			.unwrap_or_else(|_| ProgressStyle::default_bar())
			.progress_chars("=> ")
	};
	// Drawn only on a terminal; problems are printed above the bars.
	let multi = MultiProgress::with_draw_target(if args.no_progress {
		ProgressDrawTarget::hidden()
	} else {
		ProgressDrawTarget::stderr()
	});
	let files = multi.add(ProgressBar::new(0));
	files.set_style(style("files [{bar:30}] {pos}/{len} {wide_msg}"));
	let bytes = multi.add(ProgressBar::new(0));
	bytes.set_style(style(
		"bytes [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
	));
	let options = ScanOptions { jobs: args.jobs };
	let started = std::time::Instant::now();
	let summary = library::scan(store, &options, &mut |event| match event {
		ScanEvent::Analysing { files: n, bytes: size } => {
			files.set_length(n as u64);
			bytes.set_length(size);
		},
		ScanEvent::Analysed { path, bytes: size } => {
			files.inc(1);
			bytes.inc(size);
			files.set_message(
				path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
			);
		},
		ScanEvent::Problem { path, reason } => {
			multi.suspend(|| eprintln!("{}: {reason}", path.display()))
		},
	});
	files.finish_and_clear();
	bytes.finish_and_clear();
	let summary = summary?;
	print_summary(&summary, started.elapsed());
	Ok(if summary.complete() { 0 } else { crate::EXIT_INCOMPLETE })
}

fn print_summary(s: &ScanSummary, took: std::time::Duration) {
	println!(
		"scanned {} audio files in {:.1} s: {} decoded ({:.1} MiB), {} added, {} updated, {} unchanged, {} removed, {} failed, {} not supported",
		s.files + s.skipped.len(),
		took.as_secs_f64(),
		s.decoded,
		s.decoded_bytes as f64 / (1024.0 * 1024.0),
		s.added,
		s.updated,
		s.unchanged,
		s.removed,
		s.failed.len(),
		s.skipped.len(),
	);
	if !s.complete() {
		// Each was named above as it was met; this says how many, and why,
		// where the scan's output ends.
		println!("not in the library (each file is named above, with why):");
		let mut reasons: Vec<(String, usize)> = Vec::new();
		for (_, reason) in s.failed.iter().chain(&s.skipped) {
			let kind = reason_kind(reason);
			match reasons.iter_mut().find(|(k, _)| *k == kind) {
				Some((_, n)) => *n += 1,
				None => reasons.push((kind, 1)),
			}
		}
		reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
		for (kind, n) in reasons {
			println!("  {n:>5}  {kind}");
		}
	}
}

/// A reason without what is particular to one file (counts, durations),
/// to group the files a scan could not add.
fn reason_kind(reason: &str) -> String {
	let cut = reason.find(|c: char| c.is_ascii_digit() || c == '(').unwrap_or(reason.len());
	let kind = reason[..cut].trim_end_matches([' ', ':', ',']);
	if kind.is_empty() {
		reason.to_string()
	} else {
		kind.to_string()
	}
}

/// How `library list` prints.
enum Listing {
	/// Tab-separated, a header first and a count last.
	Text { hashes: bool },
	/// A JSON array.
	Json,
}

fn list(store: &Store, filter: &str, how: Listing) -> Result<i32> {
	let all = store.files()?;
	let query = musicchain_app::search::words(filter);
	let files: Vec<_> = all
		.iter()
		.filter(|(path, rec)| {
			let t = &rec.analysis.tags;
			let path = path.to_string_lossy();
			let fields = [
				&*path,
				t.artist.as_deref().unwrap_or(""),
				t.title.as_deref().unwrap_or(""),
				t.album.as_deref().unwrap_or(""),
			];
			musicchain_app::search::matches(&fields, &query)
		})
		.collect();
	let hashes = match how {
		Listing::Json => {
			let files: Vec<_> = files
				.iter()
				.map(|(path, rec)| {
					let a = &rec.analysis;
					serde_json::json!({
						"path": path.to_string_lossy(),
						"format": a.format().map(format_name),
						"duration_ms": a.duration_ms,
						"artist": a.tags.artist,
						"title": a.tags.title,
						"album": a.tags.album,
						"content_hash": a.content_hash.to_string(),
					})
				})
				.collect();
			crate::songs::print_json(&serde_json::Value::Array(files))?;
			return Ok(0);
		},
		Listing::Text { hashes } => hashes,
	};
	let mut out = std::io::stdout().lock();
	writeln!(out, "PATH\tFORMAT\tLENGTH\tARTIST\tTITLE\tALBUM\tHASH")?;
	for (path, rec) in &files {
		let a = &rec.analysis;
		let secs = a.duration_ms / 1000;
		let t = &a.tags;
		writeln!(
			out,
			"{}\t{}\t{}:{:02}\t{}\t{}\t{}\t{}",
			path.display(),
			a.format().map(format_name).unwrap_or("?"),
			secs / 60,
			secs % 60,
			t.artist.as_deref().unwrap_or("-"),
			t.title.as_deref().unwrap_or("-"),
			t.album.as_deref().unwrap_or("-"),
			hex(if hashes { &a.content_hash.0[..] } else { &a.content_hash.0[..8] }),
		)?;
	}
	let failures = store.failures()?;
	let shown = if filter.is_empty() {
		format!("{} files in the library", all.len())
	} else {
		format!("{} of {} files in the library match `{filter}`", files.len(), all.len())
	};
	writeln!(
		out,
		"{shown}, {} that could not be analysed (`library scan` lists them)",
		failures.len()
	)?;
	Ok(0)
}

/// The library folders, each with its number of files, and whether it
/// can be read now.
fn folders(store: &Store) -> Result<i32> {
	let roots = store.roots()?;
	// The stamps: every file's path without decoding its analysis.
	let files = store.stamps()?;
	let mut out = std::io::stdout().lock();
	for root in &roots {
		let n = files.iter().filter(|(path, _)| path.starts_with(root)).count();
		let state = match std::fs::metadata(root) {
			Ok(_) => String::new(),
			Err(e) => format!(" (cannot be read now: {e}; its files are kept)"),
		};
		let files = if n == 1 { "file" } else { "files" };
		writeln!(out, "{}\t{n} {files}{state}", root.display())?;
	}
	if roots.is_empty() {
		writeln!(out, "no library folders yet (`musicchain library add FOLDER`)")?;
	}
	Ok(0)
}

/// How a file matched its song, for a person.
fn describe(how: MatchKind) -> String {
	match how {
		MatchKind::Fingerprint => "same fingerprint".into(),
		MatchKind::Similar { similarity_ppm } => {
			format!("another encoding, {:.1} % similar", f64::from(similarity_ppm) / 10_000.0)
		},
	}
}

/// Matches or registers the library's files (those not synced before,
/// or `all`), one line per file. Returns how many could not be synced.
pub async fn sync(
	store: &Store,
	data_dir: &Path,
	args: &ChainArgs,
	password: &PasswordSource,
	splits: &Splits,
	all: bool,
) -> Result<usize> {
	let owner = unlock(data_dir, password)?;
	{
		let chain = connect(args).await?;
		let bar = indicatif::ProgressBar::new(0);
		bar.set_style(
			indicatif::ProgressStyle::with_template("sync [{bar:30}] {pos}/{len} files {wide_msg}")
				.unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
				.progress_chars("=> "),
		);
		let started = std::time::Instant::now();
		let summary = sync_store(&chain, &owner, store, splits, all, |event| {
			let file = match event {
				SyncEvent::Stage(stage) => {
					if let Stage::Checking { total, .. } = stage {
						bar.set_length(total as u64);
					}
					bar.set_message(match stage {
						Stage::Checking { done, total } => {
							format!("(reading what the chain has: {done}/{total})")
						},
						Stage::Sending { transactions, .. } => {
							format!("(sending {transactions} transactions, waiting for a block)")
						},
						Stage::Verdicts { songs, .. } => format!(
							"(waiting for the validators' verdict on {songs} new songs, to add \
							 their other files)"
						),
					});
					if let Stage::Sending { done, total, .. }
					| Stage::Verdicts { done, total, .. } = stage
					{
						bar.set_length(total as u64);
						bar.set_position(done as u64);
					}
					return;
				},
				SyncEvent::File(file) => file,
			};
			bar.inc(1);
			let t = &file.analysis.tags;
			let name = format!(
				"{} - {}",
				t.artist.as_deref().unwrap_or("?"),
				t.title.as_deref().unwrap_or("?")
			);
			let (song, what) = match file.result {
				Ok(Outcome::Known { song }) => (song, "on chain".to_string()),
				Ok(Outcome::Joined { song, how }) => {
					(song, format!("joined ({}; added as a variant)", describe(how)))
				},
				Ok(Outcome::Claimed { song, of, how }) => (
					of,
					format!(
						"joined ({}; another artist's song, so registered as song {song} for the \
						 validators' verdict to fold in)",
						describe(how)
					),
				),
				Ok(Outcome::Registered { song, unmatched }) => {
					let what = if unmatched {
						"registered (a new song; the node has no fingerprint index yet, so the \
						 validators' dedupe verdict decides if it is one)"
					} else {
						"registered (a new song; active after the dedupe verdict)"
					};
					(song, what.into())
				},
				Err(e) => {
					bar.suspend(|| eprintln!("{}: not synced: {e}", file.path.display()));
					return;
				},
			};
			bar.suspend(|| println!("song {song:>5}  {what}: {name} ({})", file.path.display()));
		})
		.await;
		bar.finish_and_clear();
		let summary = summary?;
		println!(
			"{} files: {} already on chain, {} joined songs, {} registered, {} failed ({:.1} s)",
			summary.files,
			summary.known + summary.skipped,
			summary.joined,
			summary.registered,
			summary.failed.len(),
			started.elapsed().as_secs_f64()
		);
		Ok(summary.failed.len())
	}
}

pub async fn exec(ctx: &Context, args: Args) -> Result<i32> {
	library_command(args.command, &ctx.data_dir()?, &ctx.chain, &ctx.password).await
}
