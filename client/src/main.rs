//! `musicchain`: the command-line client.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use musicchain_client::{
	audio::{self, format_name},
	library::{self, ScanOptions, ScanSummary, Store},
	swarm::protocol::hex,
};

mod net;
use std::{
	io::Write,
	path::{Path, PathBuf},
};

#[derive(Parser)]
#[command(name = "musicchain", version, about = "Peer-to-peer music with on-chain royalties")]
struct Cli {
	/// Where the client keeps its data (default: $XDG_DATA_HOME/musicchain or
	/// ~/.local/share/musicchain).
	#[arg(long, global = true, env = "MUSICCHAIN_DATA_DIR")]
	data_dir: Option<PathBuf>,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// The local music library.
	Library {
		#[command(subcommand)]
		command: LibraryCommand,
	},
	/// Serve the library to the swarm until stopped (Ctrl-C).
	Serve {
		#[command(flatten)]
		net: net::NetArgs,
	},
	/// Download a file from the swarm by its content hash (hex), verify it
	/// and add it to the library.
	Download {
		/// The file's SHA-256 content hash, 64 hex digits.
		content_hash: String,
		/// The manifest root to check providers' manifests against (64 hex
		/// digits, the chain's); without it only the whole file is checked.
		#[arg(long)]
		root: Option<String>,
		/// Stream: fetch from this piece on first, in order.
		#[arg(long)]
		stream_from: Option<u32>,
		/// Keep serving after the download until stopped (Ctrl-C).
		#[arg(long)]
		then_serve: bool,
		#[arg(long)]
		no_progress: bool,
		#[command(flatten)]
		net: net::NetArgs,
	},
	/// Join the swarm for a moment and list the peers that are online.
	Peers {
		/// How long to listen for presence, in seconds.
		#[arg(long, default_value_t = 5)]
		wait: u64,
		#[command(flatten)]
		net: net::NetArgs,
	},
	/// Run a mini-node: an always-on peer with a public address (relay
	/// server, Kademlia server, presence backbone).
	Relay {
		/// Another mini-node to join into the mesh (repeatable).
		#[arg(long = "peer", value_name = "MULTIADDR")]
		peers: Vec<libp2p::Multiaddr>,
		#[command(flatten)]
		net: net::NetArgs,
	},
	/// Print the Chromaprint fingerprint of files, the way `fpcalc` does.
	Fingerprint {
		/// Print the raw sub-fingerprints as unsigned integers (like `fpcalc -raw`).
		#[arg(long)]
		raw: bool,
		/// Audio files.
		#[arg(required = true)]
		files: Vec<PathBuf>,
	},
}

#[derive(clap::Args)]
struct ScanArgs {
	/// Worker threads (default: one per core).
	#[arg(long, short = 'j')]
	jobs: Option<usize>,
	/// Do not draw progress bars.
	#[arg(long)]
	no_progress: bool,
}

#[derive(Subcommand)]
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
	/// List the files in the library (path, format, duration, artist,
	/// title, album, content hash).
	List {
		/// Print whole content hashes (64 hex digits, what `download` takes)
		/// instead of their first 16 digits.
		#[arg(long)]
		hashes: bool,
	},
}

fn default_data_dir() -> Result<PathBuf> {
	if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
		return Ok(PathBuf::from(xdg).join("musicchain"));
	}
	let home = std::env::var_os("HOME")
		.filter(|v| !v.is_empty())
		.context("cannot find a data directory: set --data-dir, XDG_DATA_HOME or HOME")?;
	Ok(PathBuf::from(home).join(".local/share/musicchain"))
}

fn main() {
	let cli = Cli::parse();
	match run(cli) {
		Ok(code) => std::process::exit(code),
		Err(e) => {
			eprintln!("musicchain: {e:#}");
			std::process::exit(1);
		},
	}
}

fn run(cli: Cli) -> Result<i32> {
	let data_dir = || match &cli.data_dir {
		Some(d) => Ok(d.clone()),
		None => default_data_dir(),
	};
	match cli.command {
		Command::Fingerprint { raw, files } => fingerprint(&files, raw),
		Command::Library { command } => library_command(command, &data_dir()?),
		Command::Serve { net } => net::serve(&data_dir()?, net),
		Command::Download { content_hash, root, stream_from, then_serve, no_progress, net } => {
			let request = net::download_request(&content_hash, root.as_deref(), stream_from)?;
			net::download(&data_dir()?, net, request, then_serve, !no_progress)
		},
		Command::Peers { wait, net } => net::peers(&data_dir()?, net, wait),
		Command::Relay { peers, net } => net::relay(&data_dir()?, net, peers),
	}
}

fn library_command(command: LibraryCommand, data_dir: &Path) -> Result<i32> {
	match command {
		LibraryCommand::Add { dir, no_scan, scan } => {
			let store = Store::open(data_dir)?;
			let root = library::add_root(&store, &dir)?;
			eprintln!("added {}", root.display());
			if no_scan {
				return Ok(0);
			}
			run_scan(&store, &scan)
		},
		LibraryCommand::Scan { scan } => run_scan(&Store::open(data_dir)?, &scan),
		// Read-only, so that it works while a scan writes the store; a
		// missing or unclean store is created or recovered by a writer.
		LibraryCommand::List { hashes } => {
			list(&Store::open_read_only(data_dir).or_else(|_| Store::open(data_dir))?, hashes)
		},
	}
}

fn fingerprint(files: &[PathBuf], raw: bool) -> Result<i32> {
	let mut out = std::io::stdout().lock();
	let mut failures = 0;
	for (i, file) in files.iter().enumerate() {
		match audio::fingerprint_file(file) {
			Ok((_, decoded)) => {
				if files.len() > 1 {
					if i > 0 {
						writeln!(out)?;
					}
					writeln!(out, "FILE={}", file.display())?;
				}
				writeln!(out, "DURATION={}", decoded.duration_ms / 1000)?;
				if raw {
					let items: Vec<String> =
						decoded.fingerprint.items.iter().map(|x| x.to_string()).collect();
					writeln!(out, "FINGERPRINT={}", items.join(","))?;
				} else {
					writeln!(out, "FINGERPRINT={}", decoded.fingerprint.to_base64())?;
				}
			},
			Err(e) => {
				failures += 1;
				eprintln!("{}: {e}", file.display());
			},
		}
	}
	Ok(if failures > 0 { 1 } else { 0 })
}

fn run_scan(store: &Store, args: &ScanArgs) -> Result<i32> {
	let options = ScanOptions { progress: !args.no_progress, jobs: args.jobs };
	let report = |path: &Path, reason: &str| eprintln!("{}: {reason}", path.display());
	let started = std::time::Instant::now();
	let summary = library::scan(store, &options, &report)?;
	print_summary(&summary, started.elapsed());
	Ok(0)
}

fn print_summary(s: &ScanSummary, took: std::time::Duration) {
	println!(
		"scanned {} audio files in {:.1} s: {} decoded ({:.1} MiB), {} added, {} updated, {} unchanged, {} removed, {} failed",
		s.files,
		took.as_secs_f64(),
		s.decoded,
		s.decoded_bytes as f64 / (1024.0 * 1024.0),
		s.added,
		s.updated,
		s.unchanged,
		s.removed,
		s.failed.len(),
	);
}

fn list(store: &Store, whole_hashes: bool) -> Result<i32> {
	let files = store.files()?;
	let mut out = std::io::stdout().lock();
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
			hex(if whole_hashes { &a.content_hash[..] } else { &a.content_hash[..8] }),
		)?;
	}
	let failures = store.failures()?;
	writeln!(
		out,
		"{} files in the library, {} that could not be analysed (`library scan` lists them)",
		files.len(),
		failures.len()
	)?;
	Ok(0)
}
