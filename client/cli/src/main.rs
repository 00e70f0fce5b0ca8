//! `musicchain`: the command-line client.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use musicchain_audio::{self as audio, format_name};
use musicchain_library::{self as library, ScanEvent, ScanOptions, ScanSummary, Store};
use musicchain_swarm::protocol::hex;
use musicchain_wallet as wallet;

mod listen;
mod net;
mod onchain;
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
	/// Read the wallet's password from this file instead of
	/// MUSICCHAIN_PASSWORD or a prompt.
	#[arg(long, global = true, value_name = "FILE")]
	password_file: Option<PathBuf>,
	/// Say more: -v the client's own details, -vv the network's too
	/// (RUST_LOG, if set, decides instead).
	#[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
	verbose: u8,
	/// Say only what went wrong.
	#[arg(short, long, global = true)]
	quiet: bool,
	#[command(flatten)]
	chain: onchain::ChainArgs,
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
		/// A file's SHA-256 content hash (64 hex digits), or a song: its id
		/// or search words.
		#[arg(required_unless_present = "album")]
		what: Option<String>,
		/// Every song of this album instead.
		#[arg(long, conflicts_with = "what")]
		album: Option<String>,
		/// The manifest root to check providers' manifests against (64 hex
		/// digits); songs use the chain's. Without it only the whole file is
		/// checked.
		#[arg(long)]
		root: Option<String>,
		/// Stream: fetch from this piece on first, in order.
		#[arg(long)]
		stream_from: Option<u32>,
		/// Keep serving after the download until stopped (Ctrl-C), paid on
		/// the wallet's account like `serve`.
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
	/// The account the client is paid on and signs with.
	Wallet {
		#[command(subcommand)]
		command: WalletCommand,
	},
	/// Play a song (by id, or the best match of search words) from the
	/// peers serving it, and settle the play on chain.
	Play {
		song: String,
		/// Where the sound goes: `auto` (the audio device when there is
		/// one, else nowhere), `device` or `device:ID` (a cpal id such as
		/// `alsa:default`; fails without it), FILE.wav, or `null`.
		#[arg(long, env = "MUSICCHAIN_OUTPUT", default_value = "auto", value_parser = listen::parse_output)]
		output: musicchain_player::Output,
		/// Play only these parts, in this order, as FROM-TO seconds
		/// (`0-60,90-150`): seeking, credited as unique seconds.
		#[arg(long, value_parser = listen::parse_segments)]
		segments: Option<listen::Segments>,
		#[command(flatten)]
		net: net::NetArgs,
	},
	/// Songs with a peer online now, by artist, album and track.
	Discover {
		#[arg(long)]
		artist: Option<String>,
		#[arg(long)]
		genre: Option<String>,
		#[arg(long)]
		album: Option<String>,
		/// Seconds to listen for peers first.
		#[arg(long, default_value_t = 3)]
		wait: u64,
		#[command(flatten)]
		net: net::NetArgs,
	},
	/// Search the catalog: every word must match a title, artist, album or
	/// genre word (prefixes and small typos count), best first.
	Search {
		#[arg(required = true)]
		query: Vec<String>,
		/// Most results shown.
		#[arg(long, default_value_t = 20)]
		limit: usize,
	},
	/// Moderation by the council (more than half of the moderators): each
	/// moderator runs the same command; the first proposes, the next vote,
	/// the one that completes the majority executes it.
	Moderate {
		#[command(subcommand)]
		act: ModerateCommand,
	},
	/// Hold the serving bond (100 MUSIC on the dev chain): only a bonded
	/// account's play receipts earn. `--unbond` starts returning it (your
	/// receipts stop earning at once), `--withdraw` takes it back once the
	/// unbonding period has passed.
	Bond {
		/// Start unbonding.
		#[arg(long, conflicts_with = "withdraw")]
		unbond: bool,
		/// Take back a bond whose unbonding period has passed.
		#[arg(long)]
		withdraw: bool,
	},
	/// An account's balance, pending credits, escrow and serving bond (the
	/// wallet's by default).
	Balance {
		/// An SS58 address.
		account: Option<String>,
	},
	/// Royalties escrowed for an account (the wallet's by default).
	Escrow {
		/// An SS58 address.
		account: Option<String>,
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
	#[arg(long = "split", value_name = "ADDRESS=PERCENT", value_parser = onchain::parse_split)]
	splits: Vec<([u8; 32], musicchain_primitives::Permill)>,
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
	/// Match every file on chain: join the song it belongs to (adding it as
	/// a variant if the chain does not have this file) or register a new
	/// song. `add` and `scan` do this after scanning when there is a wallet.
	Sync {
		#[command(flatten)]
		splits: SplitArgs,
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

#[derive(Subcommand)]
enum ModerateCommand {
	/// Approve a song: its artist's deposit is returned, the pending credits
	/// of its plays are paid out, and later plays pay directly.
	Approve { song: u32 },
	/// Reject a song: its deposit is burned, its pending credits are void,
	/// and it never earns again.
	Reject { song: u32 },
	/// Approve an artist: all of the account's songs, now and later.
	ApproveArtist {
		/// The artist's account (SS58 address).
		account: String,
	},
	/// Settle a dispute over who made a song: its royalties go to ACCOUNT.
	Reassign {
		song: u32,
		/// The rightful artist's account (SS58 address).
		account: String,
	},
	/// Burn a server's serving bond.
	SlashBond {
		/// The server's account (SS58 address).
		account: String,
	},
	/// Pay an account the royalties escrowed for it.
	ReleaseEscrow {
		/// The account (SS58 address).
		account: String,
	},
	/// Take a song out of discovery (its plays still settle).
	Hide { song: u32 },
	/// Make a hidden song discoverable again.
	Unhide { song: u32 },
}

/// How a new wallet is kept: `wallet create` and `wallet import`.
#[derive(clap::Args)]
struct KeepArgs {
	/// A name for the account (shown by polkadot.js).
	#[arg(long)]
	name: Option<String>,
	/// Overwrite an existing wallet of another account.
	#[arg(long)]
	replace: bool,
	/// Keep the wallet in the encrypted file DATA_DIR/wallet.json even
	/// when there is an OS keyring.
	#[arg(long)]
	file: bool,
}

#[derive(Subcommand)]
enum WalletCommand {
	/// Create a new account (sr25519) and show the mnemonic that restores it.
	Create {
		#[command(flatten)]
		keep: KeepArgs,
	},
	/// Import an account: a polkadot.js JSON file, or a mnemonic or secret
	/// URI (such as //Alice on a dev chain) read from standard input.
	Import {
		/// A JSON account exported from polkadot.js apps or `wallet export`.
		#[arg(required_unless_present = "uri", conflicts_with = "uri")]
		json: Option<PathBuf>,
		/// Read a mnemonic or secret URI from standard input instead.
		#[arg(long)]
		uri: bool,
		#[command(flatten)]
		keep: KeepArgs,
	},
	/// Print the account as a polkadot.js JSON file (to standard output or
	/// --out), sealed with the wallet's password.
	Export {
		#[arg(long)]
		out: Option<PathBuf>,
	},
	/// Show the account's address and where it is kept.
	Show,
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

/// Where the client's and its libraries' diagnostics go: standard error,
/// filtered by RUST_LOG when it is set, else by `-v`/`-q`.
fn init_tracing(verbose: u8, quiet: bool) {
	use tracing_subscriber::EnvFilter;
	let default = match (quiet, verbose) {
		(true, _) => "error",
		(false, 0) => "warn,musicchain_chain=info",
		(false, 1) => "warn,musicchain_swarm=debug,musicchain_chain=debug,musicchain_player=debug",
		(false, _) => "debug",
	};
	let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
	tracing_subscriber::fmt()
		.with_env_filter(filter)
		.with_writer(std::io::stderr)
		.without_time()
		.with_target(verbose > 0)
		.init();
}

/// A panic inside a decoder library is the file's error, which the audio
/// crate returns: say nothing of it here. Every other panic is a bug and
/// is reported as usual.
fn quiet_decoder_panics() {
	let previous = std::panic::take_hook();
	std::panic::set_hook(Box::new(move |info| {
		if !audio::in_decoder() {
			previous(info)
		}
	}));
}

fn main() {
	let cli = Cli::parse();
	init_tracing(cli.verbose, cli.quiet);
	quiet_decoder_panics();
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
		Command::Library { command } => {
			let password = wallet::PasswordSource { file: cli.password_file.clone() };
			library_command(command, &data_dir()?, &cli.chain, &password)
		},
		Command::Moderate { act } => {
			use musicchain_chain::council::Act;
			let account = |a: &str| {
				wallet::public_of_address(a)
					.with_context(|| format!("{a} is not an account address"))
			};
			let act = match act {
				ModerateCommand::Approve { song } => Act::ApproveSong(song),
				ModerateCommand::Reject { song } => Act::RejectSong(song),
				ModerateCommand::ApproveArtist { account: a } => Act::ApproveArtist(account(&a)?),
				ModerateCommand::Reassign { song, account: a } => Act::Reassign(song, account(&a)?),
				ModerateCommand::SlashBond { account: a } => Act::SlashBond(account(&a)?),
				ModerateCommand::ReleaseEscrow { account: a } => Act::ReleaseEscrow(account(&a)?),
				ModerateCommand::Hide { song } => Act::Hide(song),
				ModerateCommand::Unhide { song } => Act::Unhide(song),
			};
			let password = wallet::PasswordSource { file: cli.password_file.clone() };
			onchain::moderate(&data_dir()?, &cli.chain, &password, act)
		},
		Command::Bond { unbond, withdraw } => {
			let password = wallet::PasswordSource { file: cli.password_file.clone() };
			let step = match (unbond, withdraw) {
				(true, _) => onchain::BondStep::Unbond,
				(_, true) => onchain::BondStep::Withdraw,
				_ => onchain::BondStep::Hold,
			};
			onchain::bond(&data_dir()?, &cli.chain, &password, step)
		},
		Command::Balance { account } => {
			onchain::balance(&data_dir()?, &cli.chain, account.as_deref())
		},
		Command::Escrow { account } => {
			onchain::escrow(&data_dir()?, &cli.chain, account.as_deref())
		},
		Command::Serve { net } => {
			let data_dir = data_dir()?;
			let password = wallet::PasswordSource { file: cli.password_file.clone() };
			let payout = onchain::payout(&data_dir, &cli.chain, &password)?;
			net::serve(&data_dir, net, payout)
		},
		Command::Play { song, output, segments, net } => {
			let password = wallet::PasswordSource { file: cli.password_file.clone() };
			let args = listen::PlayArgs {
				song,
				output,
				segments: segments.map(|s| s.0).unwrap_or_default(),
			};
			listen::play(&data_dir()?, net, &cli.chain, &password, args)
		},
		Command::Discover { artist, genre, album, wait, net } => listen::discover(
			&data_dir()?,
			net,
			&cli.chain,
			listen::Filter { artist, genre, album },
			std::time::Duration::from_secs(wait),
		),
		Command::Search { query, limit } => listen::search(&cli.chain, &query.join(" "), limit),
		Command::Download { what, album, root, stream_from, then_serve, no_progress, net } => {
			let data_dir = data_dir()?;
			let password = wallet::PasswordSource { file: cli.password_file.clone() };
			match (what, album) {
				(Some(hash), None) if musicchain_swarm::protocol::parse_hash(&hash).is_some() => {
					let request = net::download_request(&hash, root.as_deref(), stream_from)?;
					let payout = if then_serve {
						onchain::payout(&data_dir, &cli.chain, &password)?
					} else {
						None
					};
					net::download(&data_dir, net, request, then_serve, payout, !no_progress)
				},
				(what, album) => {
					let wanted = match (what, album) {
						(_, Some(album)) => listen::Wanted::Album(album),
						(Some(song), None) => listen::Wanted::Song(song),
						(None, None) => {
							anyhow::bail!("download what? a content hash, a song or --album")
						},
					};
					// Unlocked before the download, so that a wrong password
					// is said at once, not after the last song.
					let account = if then_serve {
						onchain::serving_account(&data_dir, &password)?
					} else {
						None
					};
					listen::download(
						&data_dir,
						net,
						&cli.chain,
						wanted,
						then_serve,
						account,
						!no_progress,
					)
				},
			}
		},
		Command::Peers { wait, net } => net::peers(&data_dir()?, net, wait),
		Command::Relay { peers, net } => net::relay(&data_dir()?, net, peers),
		Command::Wallet { command } => wallet_command(
			command,
			&data_dir()?,
			&wallet::PasswordSource { file: cli.password_file },
		),
	}
}

/// Seals `account` (named `name`) with `secret` into the wallet of
/// `data_dir` as `keep` says and says where.
fn seal(
	what: &str,
	account: &wallet::Account,
	name: Option<&str>,
	secret: &str,
	data_dir: &Path,
	keep: &KeepArgs,
) -> Result<()> {
	let place = if keep.file { wallet::Keep::File } else { wallet::Keep::Auto };
	let json = account.to_json(name, secret);
	let stored = wallet::store(data_dir, &json, keep.replace, place)?;
	println!("{what} account {}", account.address());
	println!("kept in {}", stored.location());
	Ok(())
}

fn wallet_command(
	command: WalletCommand,
	data_dir: &Path,
	password: &wallet::PasswordSource,
) -> Result<i32> {
	match command {
		WalletCommand::Create { keep } => {
			// Refused before any password is asked for.
			wallet::ensure_replaceable(data_dir, keep.replace)?;
			let (account, phrase) = wallet::Account::generate();
			let secret = password.read("password for the new account: ", true)?;
			seal("created", &account, keep.name.as_deref(), &secret, data_dir, &keep)?;
			println!();
			println!(
				"Its mnemonic, the only way to restore it if the wallet is lost; write it down:"
			);
			println!("  {phrase}");
		},
		WalletCommand::Import { json, uri: _, keep } => {
			// Refused before any password is asked for.
			wallet::ensure_replaceable(data_dir, keep.replace)?;
			let (account, json_name) = match json {
				Some(file) => {
					let text = std::fs::read_to_string(&file)
						.with_context(|| format!("cannot read {}", file.display()))?;
					let secret = password.read("password of the account file: ", false)?;
					wallet::Account::from_json(&text, &secret)
						.with_context(|| format!("cannot open {}", file.display()))?
				},
				None => {
					eprintln!("mnemonic or secret URI (one line):");
					let mut line = String::new();
					std::io::stdin().read_line(&mut line).context("cannot read standard input")?;
					(wallet::Account::from_uri(&line)?, None)
				},
			};
			let secret = password.read("password for the wallet: ", true)?;
			let name = keep.name.as_deref().or(json_name.as_deref());
			seal("imported", &account, name, &secret, data_dir, &keep)?;
		},
		WalletCommand::Export { out } => {
			let stored = wallet::require(data_dir)?;
			// Unlock first: an export nobody can open is worse than none.
			stored.unlock(&password.read("wallet password: ", false)?)?;
			match out {
				Some(file) => {
					std::fs::write(&file, &stored.json)
						.with_context(|| format!("cannot write {}", file.display()))?;
					eprintln!(
						"wrote {} (account {}; it opens with the wallet's password, in polkadot.js too)",
						file.display(),
						stored.address
					);
				},
				None => println!("{}", stored.json),
			}
		},
		WalletCommand::Show => {
			let stored = wallet::require(data_dir)?;
			println!("account {}", stored.address);
			if let Some(public) = wallet::public_of_address(&stored.address) {
				println!("public key 0x{}", hex(&public));
			}
			println!("kept in {}", stored.location());
		},
	}
	Ok(0)
}

fn library_command(
	command: LibraryCommand,
	data_dir: &Path,
	chain: &onchain::ChainArgs,
	password: &wallet::PasswordSource,
) -> Result<i32> {
	let scan_then_sync = |store: &Store, scan: &ScanArgs| -> Result<i32> {
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
		let failed = onchain::sync(store, data_dir, chain, password, &scan.splits.splits)?;
		Ok(if failed > 0 { 1 } else { code })
	};
	match command {
		LibraryCommand::Add { dir, no_scan, scan } => {
			let store = Store::open(data_dir)?;
			let root = library::add_root(&store, &dir)?;
			eprintln!("added {}", root.display());
			if no_scan {
				return Ok(0);
			}
			scan_then_sync(&store, &scan)
		},
		LibraryCommand::Scan { scan } => scan_then_sync(&Store::open(data_dir)?, &scan),
		LibraryCommand::Sync { splits } => {
			let store = Store::open_read_only(data_dir).or_else(|_| Store::open(data_dir))?;
			let failed = onchain::sync(&store, data_dir, chain, password, &splits.splits)?;
			Ok(if failed > 0 { 1 } else { 0 })
		},
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
	print_summary(&summary?, started.elapsed());
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
