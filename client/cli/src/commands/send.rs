//! `musicchain send`: MUSIC from the wallet to another account.

use crate::{
	chain::{account_or_wallet, connect, unlock},
	Context,
};
use anyhow::Result;
use musicchain_chain::{format_music, parse_music};
use musicchain_wallet as wallet;

/// Send MUSIC from the wallet's account to another account (it keeps at
/// least the existential deposit).
#[derive(clap::Args)]
pub struct Args {
	/// How much, in MUSIC (such as 10 or 0.5).
	#[arg(value_parser = parse_music)]
	amount: u128,
	/// To whom: an SS58 address (or 0x and 64 hex digits).
	to: String,
}

pub async fn exec(ctx: &Context, args: Args) -> Result<i32> {
	let data_dir = ctx.data_dir()?;
	let to = account_or_wallet(&data_dir, Some(&args.to))?;
	let from = unlock(&data_dir, &ctx.password)?;
	let chain = connect(&ctx.chain).await?;
	chain.transfer(&from, to, args.amount).await?;
	let left = chain.balance(from.public()).await?;
	println!(
		"sent {} to {}; {} is left free in {}",
		format_music(args.amount),
		wallet::address(&to),
		format_music(left.free),
		from.address()
	);
	Ok(0)
}
