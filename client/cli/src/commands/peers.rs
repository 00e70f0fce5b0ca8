//! `musicchain peers`: join the swarm for a moment and list who is online.

use crate::{
	net::{catalog, NetArgs},
	Context,
};
use anyhow::Result;
use musicchain_swarm::{self as swarm, protocol::hex, Role};
use std::{path::Path, time::Duration};

/// Join the swarm for a moment and list the peers that are online.
#[derive(clap::Args)]
pub struct Args {
	/// How long to listen for presence, in seconds.
	#[arg(long, default_value_t = 5)]
	wait: u64,
	#[command(flatten)]
	net: NetArgs,
}

pub async fn peers(data_dir: &Path, net: NetArgs, wait: u64) -> Result<i32> {
	let catalog = catalog(data_dir)?;
	{
		let host = swarm::start(net.config(Role::Client, data_dir)?, catalog).await?;
		tokio::time::sleep(Duration::from_secs(wait)).await;
		let links = host.links().await?;
		for l in &links {
			say!("{}", l.describe());
		}
		if !links.is_empty() && links.iter().all(|l| !l.connected) {
			host.shutdown().await;
			anyhow::bail!(
				"no mini-node could be reached in {wait} s, so no peer can be seen: check the \
				 --bootstrap address, and that the mini-node runs"
			);
		}
		let online = host.online().await?;
		for c in host.connections().await? {
			say!("connected\t{}\t{}{}", c.peer, c.addr, if c.relayed { "\t(relayed)" } else { "" });
		}
		for p in &online {
			say!(
				"online\t{}\t{} files\tdigest {}{}",
				p.peer,
				p.files,
				hex(&p.digest[..8]),
				if p.listed { "" } else { "\t(list not yet pulled)" }
			);
		}
		say!("{} peers online serving {} files", online.len(), host.online_content().await?.len());
		host.shutdown().await;
		Ok(0)
	}
}

pub async fn exec(ctx: &Context, args: Args) -> Result<i32> {
	peers(&ctx.data_dir()?, args.net, args.wait).await
}
