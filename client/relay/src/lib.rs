//! The mini-node: an always-on peer with a public address that relays for
//! peers behind NAT, answers Kademlia and carries presence. Run as
//! `musicchain-relay` (this crate's binary, which links only the swarm) or
//! `musicchain relay`; both share this code, as does every command that
//! runs a host until it is stopped.

use anyhow::{Context as _, Result};
use libp2p::Multiaddr;
use musicchain_swarm::{self as swarm, Catalog, Host, HostConfig, Role};
use std::{io::Write as _, path::Path, time::Duration};

/// A mini-node's options.
#[derive(clap::Args, Clone, Debug)]
pub struct Args {
	/// Address to listen on (repeatable). Default: every interface, TCP and
	/// QUIC port 4001.
	#[arg(long, value_name = "MULTIADDR")]
	pub listen: Vec<Multiaddr>,
	/// Another mini-node to join into the mesh, ending in /p2p/PEER_ID
	/// (repeatable).
	#[arg(
		long = "peer",
		alias = "bootstrap",
		value_name = "MULTIADDR",
		env = "MUSICCHAIN_BOOTSTRAP",
		value_delimiter = ','
	)]
	pub peers: Vec<Multiaddr>,
	/// An address others can reach this mini-node at (repeatable).
	#[arg(long, value_name = "MULTIADDR")]
	pub external: Vec<Multiaddr>,
	/// Announce the listen addresses as reachable (a LAN, loopback, or a
	/// host with a public address).
	#[arg(long)]
	pub advertise_listen: bool,
}

impl Args {
	/// The host's configuration, keeping its key in `data_dir`.
	pub fn config(&self, data_dir: &Path) -> Result<HostConfig> {
		let mut c = HostConfig::client(data_dir);
		c.role = Role::MiniNode;
		c.listen = if self.listen.is_empty() {
			vec![
				"/ip4/0.0.0.0/tcp/4001".parse().context("listen address")?,
				"/ip4/0.0.0.0/udp/4001/quic-v1".parse().context("listen address")?,
			]
		} else {
			self.listen.clone()
		};
		c.bootstrap = ending_in_peer("--peer", &self.peers)?;
		c.external = self.external.clone();
		c.advertise_listen = self.advertise_listen;
		Ok(c)
	}
}

/// `addrs`, each checked to end in `/p2p/PEER_ID`; the error names the
/// option they came from.
pub fn ending_in_peer(option: &str, addrs: &[Multiaddr]) -> Result<Vec<Multiaddr>> {
	for a in addrs {
		if !matches!(a.iter().last(), Some(libp2p::multiaddr::Protocol::P2p(_))) {
			anyhow::bail!(
				"{option} {a} does not end in /p2p/PEER_ID: add the peer id the mini-node prints \
				 when it starts (\"mini-node as peer 12D3KooW...\")"
			);
		}
	}
	Ok(addrs.to_vec())
}

/// Runs a mini-node keeping its key in `data_dir` until Ctrl-C or SIGTERM.
pub async fn run(args: &Args, data_dir: &Path) -> Result<()> {
	let host = swarm::start(args.config(data_dir)?, Catalog::default()).await?;
	announce(&host, "mini-node", 0).await?;
	run_until_stopped(&host).await
}

/// Prints a line to stdout; a closed stdout (a pipe whose reader left)
/// does not stop a serving host.
fn say(line: std::fmt::Arguments) {
	let _ = writeln!(std::io::stdout(), "{line}");
}

/// Says who the host is and where it listens.
pub async fn announce(host: &Host, what: &str, files: usize) -> Result<()> {
	say(format_args!("{what} as peer {} ({files} files)", host.peer_id()));
	for a in host.addrs().await? {
		say(format_args!("listening on {a}"));
	}
	Ok(())
}

/// Waits for Ctrl-C or SIGTERM.
pub async fn stopped() {
	let term = async {
		match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
			Ok(mut s) => {
				s.recv().await;
			},
			Err(_) => std::future::pending::<()>().await,
		}
	};
	tokio::select! {
		_ = tokio::signal::ctrl_c() => {},
		_ = term => {},
	}
}

/// Prints the online view and the links to the mini-nodes whenever they
/// change, until stopped; then closes the host's connections.
pub async fn run_until_stopped(host: &Host) -> Result<()> {
	let mut last = None;
	let mut links_were: Vec<(swarm::PeerId, bool)> = Vec::new();
	let stop = stopped();
	tokio::pin!(stop);
	loop {
		tokio::select! {
			_ = &mut stop => break,
			_ = tokio::time::sleep(Duration::from_secs(1)) => {
				let links = host.links().await?;
				let now_links: Vec<_> = links.iter().map(|l| (l.peer, l.connected)).collect();
				if now_links != links_were {
					for l in &links {
						if !links_were.contains(&(l.peer, l.connected)) {
							let again = if l.connected { "" } else { ", dialling it again" };
							say(format_args!("{}{again}", l.describe()));
						}
					}
					links_were = now_links;
				}
				let online = host.online().await?;
				let content = host.online_content().await?;
				let now = (online.len(), content.len());
				if last != Some(now) {
					say(format_args!("online: {} peers serving {} files", now.0, now.1));
					last = Some(now);
				}
			},
		}
	}
	say(format_args!("stopping: closing connections"));
	host.shutdown().await;
	Ok(())
}
