//! `musicchain bond`: hold, unbond or withdraw the serving bond.

use crate::chain::ChainArgs;
use crate::{
	chain::{connect, describe_bond, unlock},
	Context,
};
use anyhow::Result;
use musicchain_chain::format_music;
use musicchain_wallet as wallet;
use musicchain_wallet::PasswordSource;
use std::path::Path;

/// Hold the serving bond (100 MUSIC on the dev chain): only a bonded
/// account's play receipts earn. `--unbond` starts returning it (your
/// receipts stop earning at once), `--withdraw` takes it back once the
/// unbonding period has passed.
#[derive(clap::Args)]
pub struct Args {
	/// Start unbonding.
	#[arg(long, conflicts_with = "withdraw")]
	unbond: bool,
	/// Take back a bond whose unbonding period has passed.
	#[arg(long)]
	withdraw: bool,
}

/// What `musicchain bond` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BondStep {
	Hold,
	Unbond,
	Withdraw,
}

/// Holds, unbonds or withdraws the wallet's serving bond.
pub async fn bond(
	data_dir: &Path,
	args: &ChainArgs,
	password: &PasswordSource,
	step: BondStep,
) -> Result<i32> {
	let server = unlock(data_dir, password)?;
	{
		let chain = connect(args).await?;
		let who = server.public();
		let done = match step {
			BondStep::Hold => chain.bond(&server).await,
			BondStep::Unbond => chain.unbond(&server).await,
			BondStep::Withdraw => chain.withdraw_bond(&server).await,
		};
		if let Err(e) = done {
			println!("{}: {e}", wallet::address(&who));
			println!("bond      {}", describe_bond(&chain.bond_of(who).await?));
			return Ok(1);
		}
		println!("account {}", wallet::address(&who));
		println!("bond      {}", describe_bond(&chain.bond_of(who).await?));
		println!("free      {}", format_music(chain.balance(who).await?.free));
		Ok(0)
	}
}

pub async fn exec(ctx: &Context, args: Args) -> Result<i32> {
	let step = match (args.unbond, args.withdraw) {
		(true, _) => BondStep::Unbond,
		(_, true) => BondStep::Withdraw,
		_ => BondStep::Hold,
	};
	bond(&ctx.data_dir()?, &ctx.chain, &ctx.password, step).await
}
