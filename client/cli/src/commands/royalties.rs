//! `musicchain royalties`: pay out what a song owes its artist and splits.

use crate::{
	chain::{connect, unlock},
	Context,
};
use anyhow::Result;
use musicchain_chain::format_music;
use musicchain_primitives::SongId;
use musicchain_wallet as wallet;

/// Pay out what a song owes its artist and split beneficiaries now, instead
/// of with its next batch (a song pays out by itself each time it owes
/// another 20 MUSIC). Only the song's artist and split beneficiaries may;
/// the money goes to all of them, and the wallet pays the fee.
#[derive(clap::Args)]
pub struct Args {
	/// The song's id (`musicchain search` or `discover` show it).
	song: SongId,
}

pub async fn exec(ctx: &Context, args: Args) -> Result<i32> {
	let who = unlock(&ctx.data_dir()?, &ctx.password)?;
	let chain = connect(&ctx.chain).await?;
	let mine = chain.royalties_owed(who.public()).await?;
	if let Err(e) = chain.pay_royalties(&who, args.song).await {
		println!("song {}: nothing paid out: {e}", args.song);
		return Ok(1);
	}
	println!("song {}: its royalties were paid out to its artist and splits", args.song);
	let left = chain.royalties_owed(who.public()).await?;
	println!(
		"{}: {} received, {} still owed by other songs",
		wallet::address(&who.public()),
		format_music(mine.saturating_sub(left)),
		format_music(left)
	);
	Ok(0)
}
