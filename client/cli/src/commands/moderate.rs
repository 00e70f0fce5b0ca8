//! `musicchain moderate`: a moderator's step on a council motion.

use crate::chain::ChainArgs;
use crate::{
	chain::{connect, unlock},
	Context,
};
use anyhow::{Context as _, Result};
use musicchain_chain::format_music;
use musicchain_wallet as wallet;
use musicchain_wallet::PasswordSource;
use std::path::Path;

/// Moderation by the council (more than half of the moderators): each
/// moderator runs the same command; the first proposes, the next vote,
/// the one that completes the majority executes it.
#[derive(clap::Args)]
pub struct Args {
	#[command(subcommand)]
	act: ModerateCommand,
}

#[derive(clap::Subcommand)]
enum ModerateCommand {
	/// Approve a song: its artist's deposit is returned, the pending credits
	/// of its plays are paid out, and later plays pay directly.
	Approve { song: u32 },
	/// Reject a song: its deposit is burned, its pending credits are void,
	/// and it never earns again.
	Reject { song: u32 },
	/// Approve an artist: all of the account's songs, now and later.
	ApproveArtist {
		/// The artist's account (SS58 address).
		account: String,
	},
	/// Settle a dispute over who made a song: its royalties go to ACCOUNT.
	Reassign {
		song: u32,
		/// The rightful artist's account (SS58 address).
		account: String,
	},
	/// Burn a server's serving bond.
	SlashBond {
		/// The server's account (SS58 address).
		account: String,
	},
	/// Pay an account the royalties escrowed for it.
	ReleaseEscrow {
		/// The account (SS58 address).
		account: String,
	},
	/// Take a song out of discovery (its plays still settle).
	Hide { song: u32 },
	/// Make a hidden song discoverable again.
	Unhide { song: u32 },
}

/// A moderator's step on a moderation act (see `chain::council`).
pub async fn moderate(
	data_dir: &Path,
	args: &ChainArgs,
	password: &PasswordSource,
	act: musicchain_chain::council::Act,
) -> Result<i32> {
	use musicchain_chain::council::{Act, Motion};
	let moderator = unlock(data_dir, password)?;
	{
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
	}
}

pub async fn exec(ctx: &Context, args: Args) -> Result<i32> {
	use musicchain_chain::council::Act;
	let account = |a: &str| {
		wallet::public_of_address(a).with_context(|| format!("{a} is not an account address"))
	};
	let act = match args.act {
		ModerateCommand::Approve { song } => Act::ApproveSong(song),
		ModerateCommand::Reject { song } => Act::RejectSong(song),
		ModerateCommand::ApproveArtist { account: a } => Act::ApproveArtist(account(&a)?),
		ModerateCommand::Reassign { song, account: a } => Act::Reassign(song, account(&a)?),
		ModerateCommand::SlashBond { account: a } => Act::SlashBond(account(&a)?),
		ModerateCommand::ReleaseEscrow { account: a } => Act::ReleaseEscrow(account(&a)?),
		ModerateCommand::Hide { song } => Act::Hide(song),
		ModerateCommand::Unhide { song } => Act::Unhide(song),
	};
	moderate(&ctx.data_dir()?, &ctx.chain, &ctx.password, act).await
}
