//! What the swarm commands share: the network options, the library's
//! catalog, the host's start and its run until Ctrl-C, and a download
//! shown with a progress bar.

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use libp2p::Multiaddr;
pub use musicchain_relay::{announce, run_until_stopped};
use musicchain_swarm::{self as swarm, Catalog, DownloadRequest, Host, HostConfig, Payout, Role};
use musicchain_wallet::Account;
use std::{path::Path, time::Duration};

/// Network options shared by the swarm subcommands.
#[derive(clap::Args, Clone, Debug)]
pub struct NetArgs {
	/// Address to listen on (repeatable). Default: every interface, a
	/// random TCP and QUIC port (4001 for `relay`).
	#[arg(long, value_name = "MULTIADDR")]
	listen: Vec<Multiaddr>,
	/// Do not listen for direct connections (reach us through --relay-via).
	#[arg(long)]
	no_listen: bool,
	/// A mini-node to join, ending in /p2p/PEER_ID (repeatable).
	#[arg(long, value_name = "MULTIADDR", env = "MUSICCHAIN_BOOTSTRAP", value_delimiter = ',')]
	pub bootstrap: Vec<Multiaddr>,
	/// An address others can reach this peer at (repeatable).
	#[arg(long, value_name = "MULTIADDR")]
	external: Vec<Multiaddr>,
	/// Announce the listen addresses as reachable (a LAN, loopback, or a
	/// host with a public address).
	#[arg(long)]
	advertise_listen: bool,
	/// Reserve a relay circuit through this mini-node (repeatable), for
	/// peers that cannot be dialled directly.
	#[arg(long, value_name = "MULTIADDR")]
	relay_via: Vec<Multiaddr>,
	/// Do not try hole punching (DCUtR) over relayed connections.
	#[arg(long)]
	no_hole_punch: bool,
}

impl NetArgs {
	pub fn config(&self, role: Role, data_dir: &Path) -> Result<HostConfig> {
		let mut c = HostConfig::client(data_dir);
		c.role = role;
		if role == Role::MiniNode {
			c.listen = vec![
				"/ip4/0.0.0.0/tcp/4001".parse().context("listen address")?,
				"/ip4/0.0.0.0/udp/4001/quic-v1".parse().context("listen address")?,
			];
		}
		if !self.listen.is_empty() {
			c.listen = self.listen.clone();
		}
		if self.no_listen {
			c.listen.clear();
		}
		c.bootstrap = musicchain_relay::ending_in_peer("--bootstrap", &self.bootstrap)?;
		c.external = self.external.clone();
		c.advertise_listen = self.advertise_listen;
		c.relay_via = musicchain_relay::ending_in_peer("--relay-via", &self.relay_via)?;
		c.hole_punch = !self.no_hole_punch;
		Ok(c)
	}
}

/// The library of `data_dir` as the swarm serves it.
pub fn catalog(data_dir: &Path) -> Result<Catalog> {
	Ok(musicchain_app::serve::catalog(data_dir)?)
}

/// The host of a client that serves its library, paid on `account` (plays
/// are refused without one) with receipts bound to `genesis_hash`.
pub async fn start_host(
	data_dir: &Path,
	net: &NetArgs,
	account: Option<&Account>,
	genesis_hash: [u8; 32],
) -> Result<Host> {
	let mut config = net.config(Role::Client, data_dir)?;
	config.payout = account.map(|a| Payout { key: a.keypair(), genesis_hash });
	Ok(swarm::start(config, catalog(data_dir)?).await?)
}

/// Downloads one file with a progress bar, reports where its pieces came
/// from, and adds it to the library (from then on it is served).
pub async fn fetch(
	host: &Host,
	data_dir: &Path,
	request: DownloadRequest,
	progress: bool,
) -> Result<swarm::Downloaded> {
	let handle = host.download(request.clone())?;
	let bar = ProgressBar::with_draw_target(
		None,
		if progress { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() },
	);
	bar.set_style(
		ProgressStyle::with_template(
			"{spinner} {msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
		)
		.unwrap_or_else(|_| ProgressStyle::default_bar())
		.progress_chars("=> "),
	);
	bar.set_message("looking for providers");
	bar.enable_steady_tick(Duration::from_millis(200));
	let mut watch = handle.progress.clone();
	let bar2 = bar.clone();
	let ticker = tokio::spawn(async move {
		while watch.changed().await.is_ok() {
			let p = watch.borrow().clone();
			if p.size > 0 {
				bar2.set_length(p.size);
				bar2.set_position(
					(u64::from(p.verified) * u64::from(musicchain_primitives::PIECE_SIZE))
						.min(p.size),
				);
				bar2.set_message(format!("{} providers", p.providers));
			}
		}
	});
	let result = handle.finish().await;
	ticker.abort();
	bar.finish_and_clear();
	let done = match result {
		Ok(d) => d,
		Err(e) => bail!("download of {} failed: {e}", request.content_hash),
	};
	say!(
		"downloaded {} ({} bytes, {} pieces{}) to {}",
		request.content_hash,
		done.size,
		done.pieces.len(),
		if done.resumed > 0 {
			format!(", {} resumed from an earlier run", done.resumed)
		} else {
			String::new()
		},
		done.path.display()
	);
	for (peer, n) in &done.delivered {
		say!("  {n} pieces from {peer}");
	}
	for (peer, why) in &done.dropped {
		say!("  dropped {peer}: {why:?}");
	}
	// The host serves it from now on; the library keeps it for later runs.
	match musicchain_app::download::add_to_library(data_dir, &done.path) {
		Ok(()) => say!("added to the library"),
		Err(e) => eprintln!("{}: not added to the library: {e}", done.path.display()),
	}
	Ok(done)
}
