//! `musicchain-relay`: a mini-node alone, without the client's chain,
//! audio and wallet code.

use anyhow::Context as _;
use clap::Parser;
use std::path::PathBuf;

/// A musicchain mini-node: an always-on peer with a public address (relay
/// server, Kademlia server, presence backbone).
#[derive(Parser)]
#[command(
	name = "musicchain-relay",
	version,
	after_help = "Exit codes: 0 stopped (Ctrl-C or SIGTERM), 1 failed (the message says why), 2 \
	              the command line is wrong.\n\nExample:\n  musicchain-relay --external \
	              /ip4/PUBLIC_IP/tcp/4001"
)]
struct Cli {
	/// The data directory, whose relay/ folder holds the mini-node's peer
	/// key (default: $XDG_DATA_HOME/musicchain or ~/.local/share/musicchain,
	/// so the same key as `musicchain relay`).
	#[arg(long, env = "MUSICCHAIN_DATA_DIR")]
	data_dir: Option<PathBuf>,
	/// Say more (RUST_LOG, if set, decides instead).
	#[arg(short, long, action = clap::ArgAction::Count)]
	verbose: u8,
	#[command(flatten)]
	args: musicchain_relay::Args,
}

fn main() {
	let cli = Cli::parse();
	let default = match cli.verbose {
		0 => "warn",
		1 => "warn,musicchain_swarm=debug",
		_ => "debug",
	};
	let filter = tracing_subscriber::EnvFilter::try_from_default_env()
		.unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
	tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
	let result = data_dir(cli.data_dir).and_then(|dir| {
		tokio::runtime::Builder::new_multi_thread()
			.enable_all()
			.build()
			.context("cannot start the async runtime")?
			.block_on(musicchain_relay::run(&cli.args, &dir))
	});
	if let Err(e) = result {
		eprintln!("musicchain-relay: {e:#}");
		std::process::exit(1);
	}
}

/// `--data-dir`'s relay folder, or the client's default one.
fn data_dir(given: Option<PathBuf>) -> anyhow::Result<PathBuf> {
	let base = match given {
		Some(dir) => dir,
		None => match std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
			Some(xdg) => PathBuf::from(xdg).join("musicchain"),
			None => std::env::var_os("HOME")
				.filter(|v| !v.is_empty())
				.map(|home| PathBuf::from(home).join(".local/share/musicchain"))
				.context("cannot find a data directory: set --data-dir, XDG_DATA_HOME or HOME")?,
		},
	};
	Ok(base.join("relay"))
}
