//! The chain commands of the CLI: balances and escrow, and the library's
//! place on chain (match or register every file).

use anyhow::{Context, Result};
use musicchain_app::sync::sync_library;
use musicchain_chain::{
	format_music,
	plays::Bond,
	sync::{MatchKind, Outcome, Splits},
	Chain, DEFAULT_NODE,
};
use musicchain_library::Store;
use musicchain_primitives::Permill;
use musicchain_wallet::{self as wallet, Account, PasswordSource};
use std::path::Path;

/// How many times a node that is not up yet is tried, a second apart.
const CONNECT_ATTEMPTS: u32 = 5;

#[derive(clap::Args, Clone)]
pub struct ChainArgs {
	/// The musicchain node's JSON-RPC WebSocket.
	#[arg(long = "node", env = "MUSICCHAIN_NODE", default_value = DEFAULT_NODE, global = true)]
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
pub fn payout(
	data_dir: &Path,
	args: &ChainArgs,
	password: &PasswordSource,
) -> Result<Option<musicchain_swarm::Payout>> {
	let Some(account) = serving_account(data_dir, password)? else { return Ok(None) };
	crate::net::runtime()?.block_on(async {
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
	})
}

/// Whether a bond lets its server's receipts earn (held, not unbonding).
fn bonded(bond: &Option<Bond>) -> bool {
	bond.is_some_and(|b| b.unbonding_at.is_none())
}

/// A serving bond, for a person.
fn describe_bond(bond: &Option<Bond>) -> String {
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

/// What `musicchain bond` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BondStep {
	Hold,
	Unbond,
	Withdraw,
}

/// Holds, unbonds or withdraws the wallet's serving bond.
pub fn bond(
	data_dir: &Path,
	args: &ChainArgs,
	password: &PasswordSource,
	step: BondStep,
) -> Result<i32> {
	let server = unlock(data_dir, password)?;
	crate::net::runtime()?.block_on(async {
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
	})
}

/// `ACCOUNT` as given (an SS58 address or 0x hex), or the wallet's.
fn account_or_wallet(data_dir: &Path, account: Option<&str>) -> Result<[u8; 32]> {
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

pub fn balance(data_dir: &Path, args: &ChainArgs, account: Option<&str>) -> Result<i32> {
	let who = account_or_wallet(data_dir, account)?;
	crate::net::runtime()?.block_on(async {
		let chain = connect(args).await?;
		let b = chain.balance(who).await?;
		let escrow = chain.escrow(who).await?;
		let credits = chain.credits(who).await?;
		let bond = chain.bond_of(who).await?;
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
		if escrow > 0 {
			println!("escrowed  {} (awaiting the moderators' release)", format_music(escrow));
		}
		println!("bond      {}", describe_bond(&bond));
		Ok(0)
	})
}

pub fn escrow(data_dir: &Path, args: &ChainArgs, account: Option<&str>) -> Result<i32> {
	let who = account_or_wallet(data_dir, account)?;
	crate::net::runtime()?.block_on(async {
		let chain = connect(args).await?;
		let escrow = chain.escrow(who).await?;
		println!(
			"{} has {} in escrow{}",
			wallet::address(&who),
			format_music(escrow),
			if escrow > 0 { "; the moderator council releases it" } else { "" }
		);
		Ok(0)
	})
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

/// How a file matched its song, for a person.
fn describe(how: MatchKind) -> String {
	match how {
		MatchKind::Fingerprint => "same fingerprint".into(),
		MatchKind::Similar { similarity_ppm } => {
			format!("another encoding, {:.1} % similar", f64::from(similarity_ppm) / 10_000.0)
		},
	}
}

/// Matches or registers every file of the library, one line per file.
/// Returns how many files could not be synced.
pub fn sync(
	store: &Store,
	data_dir: &Path,
	args: &ChainArgs,
	password: &PasswordSource,
	splits: &Splits,
) -> Result<usize> {
	let owner = unlock(data_dir, password)?;
	let files = store.files()?;
	crate::net::runtime()?.block_on(async {
		let chain = connect(args).await?;
		let summary = sync_library(&chain, &owner, &files, splits, |file| {
			let t = &file.analysis.tags;
			let name = format!(
				"{} - {}",
				t.artist.as_deref().unwrap_or("?"),
				t.title.as_deref().unwrap_or("?")
			);
			let (song, what) = match file.result {
				Ok(Outcome::Known { song }) => (song, "on chain".to_string()),
				Ok(Outcome::Joined { song, how }) => {
					(song, format!("joined ({}; added as a variant)", describe(how)))
				},
				Ok(Outcome::Claimed { song, of, how }) => (
					of,
					format!(
						"joined ({}; another artist's song, so registered as song {song} for the \
						 validators' verdict to fold in)",
						describe(how)
					),
				),
				Ok(Outcome::Registered { song, unmatched }) => {
					let what = if unmatched {
						"registered (a new song; the node has no fingerprint index yet, so the \
						 validators' dedupe verdict decides if it is one)"
					} else {
						"registered (a new song; active after the dedupe verdict)"
					};
					(song, what.into())
				},
				Err(e) => {
					eprintln!("{}: not synced: {e}", file.path.display());
					return;
				},
			};
			println!("song {song:>5}  {what}: {name} ({})", file.path.display());
		})
		.await?;
		println!(
			"{} files: {} already on chain, {} joined songs, {} registered, {} failed",
			summary.files,
			summary.known,
			summary.joined,
			summary.registered,
			summary.failed.len()
		);
		Ok(summary.failed.len())
	})
}

/// A moderator's step on a moderation act (see `chain::council`).
pub fn moderate(
	data_dir: &Path,
	args: &ChainArgs,
	password: &PasswordSource,
	act: musicchain_chain::council::Act,
) -> Result<i32> {
	use musicchain_chain::council::{Act, Motion};
	let moderator = unlock(data_dir, password)?;
	crate::net::runtime()?.block_on(async {
		let chain = connect(args).await?;
		let before = match act {
			Act::ReleaseEscrow(who) => Some(chain.escrow(who).await?),
			_ => None,
		};
		let what = match act {
			Act::ApproveSong(song) => format!("approve song {song}"),
			Act::RejectSong(song) => format!("reject song {song}"),
			Act::ApproveArtist(who) => format!("approve the artist {}", wallet::address(&who)),
			Act::Reassign(song, who) => {
				format!("make {} the artist of song {song}", wallet::address(&who))
			},
			Act::SlashBond(who) => format!("slash the serving bond of {}", wallet::address(&who)),
			Act::ReleaseEscrow(who) => format!("release the escrow of {}", wallet::address(&who)),
			Act::Hide(song) => format!("hide song {song}"),
			Act::Unhide(song) => format!("unhide song {song}"),
		};
		match chain.moderate(&moderator, act).await? {
			Motion::Open { index, ayes, threshold } => {
				println!(
					"motion #{index} to {what}: {ayes} of the {threshold} ayes it needs; it passes when \
					 more moderators run the same command"
				);
				Ok(0)
			},
			Motion::Executed { index, result: Ok(()) } => {
				println!("motion #{index} passed: done, {what}");
				match (act, before) {
					(Act::ReleaseEscrow(who), Some(amount)) => {
						println!("released {} to {}", format_music(amount), wallet::address(&who))
					},
					(Act::ApproveSong(_) | Act::ApproveArtist(_), _) => println!(
						"the deposit is returned; pending credits are paid out over the next blocks"
					),
					_ => {},
				}
				Ok(0)
			},
			Motion::Executed { index, result: Err(e) } => {
				println!("motion #{index} passed, but the chain refused to {what}: {e}");
				Ok(1)
			},
		}
	})
}
