//! `musicchain relay`: run a mini-node.

use crate::{
	net::{announce, run_until_stopped, NetArgs},
	Context,
};
use anyhow::Result;
use libp2p::Multiaddr;
use musicchain_swarm::{self as swarm, Catalog, Role};
use std::path::Path;

/// Run a mini-node: an always-on peer with a public address (relay
/// server, Kademlia server, presence backbone).
#[derive(clap::Args)]
pub struct Args {
	/// Another mini-node to join into the mesh (repeatable).
	#[arg(long = "peer", value_name = "MULTIADDR")]
	peers: Vec<libp2p::Multiaddr>,
	#[command(flatten)]
	net: NetArgs,
}

pub async fn relay(data_dir: &Path, mut net: NetArgs, peers: Vec<Multiaddr>) -> Result<i32> {
	net.bootstrap.extend(peers);
	let dir = data_dir.join("relay");
	{
		let host = swarm::start(net.config(Role::MiniNode, &dir)?, Catalog::default()).await?;
		announce(&host, "mini-node", 0).await?;
		run_until_stopped(&host).await?;
		Ok(0)
	}
}

pub async fn exec(ctx: &Context, args: Args) -> Result<i32> {
	relay(&ctx.data_dir()?, args.net, args.peers).await
}
