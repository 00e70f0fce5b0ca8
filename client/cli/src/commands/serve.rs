//! `musicchain serve`: serve the library to the swarm until stopped.

use crate::{
	chain::payout,
	net::{announce, catalog, run_until_stopped, NetArgs},
	Context,
};
use anyhow::Result;
use musicchain_swarm::{self as swarm, Role};
use std::path::Path;

/// Serve the library to the swarm until stopped (Ctrl-C).
#[derive(clap::Args)]
pub struct Args {
	#[command(flatten)]
	net: NetArgs,
}

pub async fn serve(data_dir: &Path, net: NetArgs, payout: Option<swarm::Payout>) -> Result<i32> {
	let catalog = catalog(data_dir)?;
	let files = catalog.len();
	{
		let mut config = net.config(Role::Client, data_dir)?;
		if let Some(p) = &payout {
			say!("paid on {}", musicchain_wallet::address(&p.account()));
		}
		config.payout = payout;
		let host = swarm::start(config, catalog).await?;
		announce(&host, "serving", files).await?;
		run_until_stopped(&host).await?;
		Ok(0)
	}
}

pub async fn exec(ctx: &Context, args: Args) -> Result<i32> {
	let data_dir = ctx.data_dir()?;
	let payout = payout(&data_dir, &ctx.chain, &ctx.password).await?;
	serve(&data_dir, args.net, payout).await
}
