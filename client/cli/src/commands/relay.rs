//! `musicchain relay`: run a mini-node (the same as the `musicchain-relay`
//! binary, which links only the swarm).

use crate::Context;
use anyhow::Result;

/// Run a mini-node: an always-on peer with a public address (relay
/// server, Kademlia server, presence backbone).
#[derive(clap::Args)]
// The options are the relay crate's own `Args` group: no second group of
// the same name (clap's debug checks refuse one).
#[group(skip)]
pub struct Args {
	#[command(flatten)]
	relay: musicchain_relay::Args,
}

pub async fn exec(ctx: &Context, args: Args) -> Result<i32> {
	musicchain_relay::run(&args.relay, &ctx.data_dir()?.join("relay")).await?;
	Ok(0)
}
