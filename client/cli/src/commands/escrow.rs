//! `musicchain escrow`: royalties escrowed for an account.

use crate::chain::ChainArgs;
use crate::{
	chain::{account_or_wallet, connect},
	Context,
};
use anyhow::Result;
use musicchain_chain::format_music;
use musicchain_wallet as wallet;
use std::path::Path;

/// Royalties escrowed for an account (the wallet's by default).
#[derive(clap::Args)]
pub struct Args {
	/// An SS58 address.
	account: Option<String>,
}

pub async fn escrow(data_dir: &Path, args: &ChainArgs, account: Option<&str>) -> Result<i32> {
	let who = account_or_wallet(data_dir, account)?;
	{
		let chain = connect(args).await?;
		let escrow = chain.escrow(who).await?;
		println!(
			"{} has {} in escrow{}",
			wallet::address(&who),
			format_music(escrow),
			if escrow > 0 { "; the moderator council releases it" } else { "" }
		);
		Ok(0)
	}
}

pub async fn exec(ctx: &Context, args: Args) -> Result<i32> {
	escrow(&ctx.data_dir()?, &ctx.chain, args.account.as_deref()).await
}
