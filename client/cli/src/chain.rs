//! What the chain commands share: the node option, connecting, unlocking
//! the wallet, the serving account and bond, and account arguments.

use anyhow::{Context, Result};
use musicchain_chain::{format_music, plays::Bond, Chain, DEFAULT_NODE};
use musicchain_primitives::Permill;
use musicchain_wallet::{self as wallet, Account, PasswordSource};
use std::path::Path;

/// How many times a node that is not up yet is tried, a second apart.
const CONNECT_ATTEMPTS: u32 = 5;

#[derive(clap::Args, Clone)]
pub struct ChainArgs {
	/// The musicchain node's JSON-RPC WebSocket.
	#[arg(long = "node", env = "MUSICCHAIN_NODE", default_value = DEFAULT_NODE, global = true, help_heading = "Global options")]
	pub url: String,
}

/// Connects, saying so while the node is not up yet.
pub async fn connect(args: &ChainArgs) -> Result<Chain> {
	let chain = Chain::connect(&args.url, CONNECT_ATTEMPTS, |_, attempt| {
		eprintln!(
			"no answer from the node at {} yet; retrying ({attempt}/{CONNECT_ATTEMPTS})",
			args.url
		);
	})
	.await?;
	Ok(chain)
}

/// The wallet's account, unlocked.
pub fn unlock(data_dir: &Path, password: &PasswordSource) -> Result<Account> {
	let stored = wallet::require(data_dir)?;
	let secret = password.read(&format!("password of {}: ", stored.address), false)?;
	Ok(stored.unlock(&secret)?)
}

/// The account a serving host is paid on: the wallet's, unlocked; `None`
/// (serving unpaid, said so) without a wallet.
pub fn serving_account(data_dir: &Path, password: &PasswordSource) -> Result<Option<Account>> {
	if wallet::load(data_dir)?.is_none() {
		eprintln!(
			"serving without an account: plays of these files earn nothing (`musicchain wallet create`)"
		);
		return Ok(None);
	}
	unlock(data_dir, password).map(Some)
}

/// What `serve` (and a download that serves after) is paid with, for a
/// command that needs the chain for nothing else; `None` (serving unpaid,
/// said so) without a wallet or a node.
pub async fn payout(
	data_dir: &Path,
	args: &ChainArgs,
	password: &PasswordSource,
) -> Result<Option<musicchain_swarm::Payout>> {
	let Some(account) = serving_account(data_dir, password)? else { return Ok(None) };
	{
		match connect(args).await {
			Ok(chain) => {
				if !bonded(&chain.bond_of(account.public()).await?) {
					eprintln!(
						"{} holds no serving bond: plays served from here earn nothing until \
						 `musicchain bond` holds one",
						wallet::address(&account.public())
					);
				}
				Ok(Some(musicchain_swarm::Payout {
					key: account.keypair(),
					genesis_hash: chain.genesis_hash(),
				}))
			},
			Err(e) => {
				eprintln!(
					"{e:#}\nserving unpaid: plays need the chain's genesis hash for their receipts"
				);
				Ok(None)
			},
		}
	}
}

/// Whether a bond lets its server's receipts earn (held, not unbonding).
pub fn bonded(bond: &Option<Bond>) -> bool {
	bond.is_some_and(|b| b.unbonding_at.is_none())
}

/// A serving bond, for a person.
pub fn describe_bond(bond: &Option<Bond>) -> String {
	match bond {
		None => "none (plays you serve earn nothing; `musicchain bond` holds one)".into(),
		Some(Bond { amount, unbonding_at: None }) => {
			format!("{} (your play receipts earn)", format_music(*amount))
		},
		Some(Bond { amount, unbonding_at: Some(at) }) => format!(
			"{} unbonding: receipts no longer earn; `musicchain bond --withdraw` from block {at}",
			format_music(*amount)
		),
	}
}

/// `ACCOUNT` as given (an SS58 address or 0x hex), or the wallet's.
pub fn account_or_wallet(data_dir: &Path, account: Option<&str>) -> Result<[u8; 32]> {
	match account {
		Some(a) => wallet::public_of_address(a).with_context(|| {
			format!("{a} is not an account address (SS58, or 0x and 64 hex digits)")
		}),
		None => {
			let stored = wallet::require(data_dir)?;
			wallet::public_of_address(&stored.address)
				.with_context(|| format!("the wallet's address {} is malformed", stored.address))
		},
	}
}

/// Parses `ADDRESS=PERCENT` (a share of the artist's royalty).
pub fn parse_split(text: &str) -> Result<([u8; 32], Permill), String> {
	let (who, share) =
		text.split_once('=').ok_or_else(|| format!("`{text}` is not ADDRESS=PERCENT"))?;
	let who = wallet::public_of_address(who).ok_or_else(|| format!("`{who}` is not an address"))?;
	let percent: f64 = share
		.trim_end_matches('%')
		.parse()
		.map_err(|_| format!("`{share}` is not a percentage"))?;
	if !(0.0..=100.0).contains(&percent) {
		return Err(format!("{percent}% is not between 0 and 100"));
	}
	Ok((who, Permill::from_parts((percent * 10_000.0).round() as u32)))
}
