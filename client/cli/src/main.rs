//! `musicchain`: the command-line client. One file per command under
//! `commands/`, each with its arguments and an `exec`; the shared option
//! groups and helpers in `net`, `chain` and `songs`. Everything a person
//! reads is printed here, never by the library crates.

use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand};
use musicchain_audio as audio;
use musicchain_wallet::PasswordSource;
use std::path::PathBuf;

/// Prints a line to stdout; a closed stdout (a pipe whose reader left)
/// does not stop a serving host.
macro_rules! say {
	($($t:tt)*) => {{
		use std::io::Write as _;
		let _ = writeln!(std::io::stdout(), $($t)*);
	}};
}

mod chain;
mod commands;
mod net;
mod songs;
mod terminal;

use commands::*;

/// The exit code of a scan that left some audio files out of the library.
pub const EXIT_INCOMPLETE: i32 = 4;

const EXIT_CODES: &str = "\
Exit codes:
  0  done
  1  failed (the message says why and what to do)
  2  the command line is wrong
  3  a play was heard but earned nothing (the chain refused its receipt, or
     no serving peer opened a play session)
  4  a library scan finished, but some audio files are not in the library
     (each is named with why; the summary counts them)

Examples:
  musicchain app
  musicchain wallet create
  musicchain library add ~/Music
  musicchain discover --artist \"new order\"
  musicchain play \"blue monday\"
  musicchain download --album \"power corruption\" --then-serve
  musicchain serve";

#[derive(Parser)]
#[command(
	name = "musicchain",
	version,
	about = "Peer-to-peer music with on-chain royalties",
	after_help = EXIT_CODES
)]
struct Cli {
	/// Where the client keeps its data (default: $XDG_DATA_HOME/musicchain or
	/// ~/.local/share/musicchain).
	#[arg(long, global = true, env = "MUSICCHAIN_DATA_DIR", help_heading = "Global options")]
	data_dir: Option<PathBuf>,
	/// Read the wallet's password from this file instead of
	/// MUSICCHAIN_PASSWORD or a prompt.
	#[arg(long, global = true, value_name = "FILE", help_heading = "Global options")]
	password_file: Option<PathBuf>,
	/// Say more: -v the client's own details, -vv the network's too
	/// (RUST_LOG, if set, decides instead).
	#[arg(
		short,
		long,
		global = true,
		action = clap::ArgAction::Count,
		conflicts_with = "quiet",
		help_heading = "Global options"
	)]
	verbose: u8,
	/// Say only what went wrong.
	#[arg(short, long, global = true, help_heading = "Global options")]
	quiet: bool,
	#[command(flatten)]
	chain: chain::ChainArgs,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	App(app::Args),
	Library(library::Args),
	Serve(serve::Args),
	Download(download::Args),
	Peers(peers::Args),
	Relay(relay::Args),
	Wallet(wallet::Args),
	Play(play::Args),
	Discover(discover::Args),
	Search(search::Args),
	Song(song::Args),
	Moderate(moderate::Args),
	Bond(bond::Args),
	Balance(balance::Args),
	Send(send::Args),
	Escrow(escrow::Args),
	Royalties(royalties::Args),
	Fingerprint(fingerprint::Args),
}

/// What every command may need: the global options.
pub struct Context {
	data_dir: Option<PathBuf>,
	pub password: PasswordSource,
	pub chain: chain::ChainArgs,
}

impl Context {
	/// The client's data directory.
	pub fn data_dir(&self) -> Result<PathBuf> {
		if let Some(d) = &self.data_dir {
			return Ok(d.clone());
		}
		if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
			return Ok(PathBuf::from(xdg).join("musicchain"));
		}
		let home = std::env::var_os("HOME")
			.filter(|v| !v.is_empty())
			.context("cannot find a data directory: set --data-dir, XDG_DATA_HOME or HOME")?;
		Ok(PathBuf::from(home).join(".local/share/musicchain"))
	}
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
		.with_writer(|| {
			terminal::clear_status();
			std::io::stderr()
		})
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
	let cli = Cli::parse_from(fingerprint::fpcalc_spellings(std::env::args_os()));
	init_tracing(cli.verbose, cli.quiet);
	quiet_decoder_panics();
	let result = tokio::runtime::Builder::new_multi_thread()
		.enable_all()
		.build()
		.context("cannot start the async runtime")
		.and_then(|runtime| runtime.block_on(run(cli)));
	match result {
		Ok(code) => std::process::exit(code),
		Err(e) => {
			eprintln!("musicchain: {e:#}");
			std::process::exit(1);
		},
	}
}

async fn run(cli: Cli) -> Result<i32> {
	let ctx = Context {
		data_dir: cli.data_dir,
		password: PasswordSource { file: cli.password_file },
		chain: cli.chain,
	};
	match cli.command {
		Command::App(args) => app::exec(&ctx, args).await,
		Command::Library(args) => library::exec(&ctx, args).await,
		Command::Serve(args) => serve::exec(&ctx, args).await,
		Command::Download(args) => download::exec(&ctx, args).await,
		Command::Peers(args) => peers::exec(&ctx, args).await,
		Command::Relay(args) => relay::exec(&ctx, args).await,
		Command::Wallet(args) => wallet::exec(&ctx, args),
		Command::Play(args) => play::exec(&ctx, args).await,
		Command::Discover(args) => discover::exec(&ctx, args).await,
		Command::Search(args) => search::exec(&ctx, args).await,
		Command::Song(args) => song::exec(&ctx, args).await,
		Command::Moderate(args) => moderate::exec(&ctx, args).await,
		Command::Bond(args) => bond::exec(&ctx, args).await,
		Command::Balance(args) => balance::exec(&ctx, args).await,
		Command::Send(args) => send::exec(&ctx, args).await,
		Command::Escrow(args) => escrow::exec(&ctx, args).await,
		Command::Royalties(args) => royalties::exec(&ctx, args).await,
		Command::Fingerprint(args) => fingerprint::exec(args),
	}
}
