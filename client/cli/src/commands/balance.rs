//! `musicchain balance`: an account's balance, credits, escrow and bond.

use crate::chain::ChainArgs;
use crate::{
	chain::{account_or_wallet, connect, describe_bond},
	Context,
};
use anyhow::Result;
use musicchain_chain::format_music;
use musicchain_wallet as wallet;
use std::path::Path;

/// An account's balance, pending credits, escrow and serving bond (the
/// wallet's by default).
#[derive(clap::Args)]
pub struct Args {
	/// An SS58 address.
	account: Option<String>,
	/// Print a JSON object instead. Amounts are strings of base units
	/// (10^-12 MUSIC), which JSON numbers cannot hold exactly.
	#[arg(long)]
	json: bool,
}

pub async fn balance(
	data_dir: &Path,
	args: &ChainArgs,
	account: Option<&str>,
	json: bool,
) -> Result<i32> {
	let who = account_or_wallet(data_dir, account)?;
	{
		let chain = connect(args).await?;
		let b = chain.balance(who).await?;
		let escrow = chain.escrow(who).await?;
		let credits = chain.credits(who).await?;
		let owed = chain.royalties_owed(who).await?;
		let bond = chain.bond_of(who).await?;
		if json {
			let units = |amount: u128| serde_json::Value::String(amount.to_string());
			crate::songs::print_json(&serde_json::json!({
				"account": wallet::address(&who),
				"decimals": musicchain_primitives::UNIT.ilog10(),
				"free": units(b.free),
				"reserved": units(b.reserved),
				"frozen": units(b.frozen),
				"credits": units(credits),
				"royalties_owed": units(owed),
				"escrowed": units(escrow),
				"bond": bond.as_ref().map(|b| serde_json::json!({
					"amount": units(b.amount),
					"unbonding_at": b.unbonding_at,
				})),
			}))?;
			return Ok(0);
		}
		println!("account {}", wallet::address(&who));
		println!("free      {}", format_music(b.free));
		if b.reserved > 0 {
			println!("held      {} (song deposits and the serving bond)", format_music(b.reserved));
		}
		if b.frozen > 0 {
			println!("frozen    {}", format_music(b.frozen));
		}
		println!(
			"credits   {} (pending: paid when the moderators approve the songs they are for)",
			format_music(credits)
		);
		if owed > 0 {
			println!(
				"royalties {} (owed by your songs; paid out every 20 MUSIC, or now with \
				 `musicchain royalties SONG`)",
				format_music(owed)
			);
		}
		if escrow > 0 {
			println!("escrowed  {} (awaiting the moderators' release)", format_music(escrow));
		}
		println!("bond      {}", describe_bond(&bond));
		Ok(0)
	}
}

pub async fn exec(ctx: &Context, args: Args) -> Result<i32> {
	balance(&ctx.data_dir()?, &ctx.chain, args.account.as_deref(), args.json).await
}
