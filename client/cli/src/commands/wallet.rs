//! `musicchain wallet`: create, import, export and show the account.

use anyhow::{Context, Result};
use musicchain_swarm::protocol::hex;
use musicchain_wallet as wallet;
use std::path::{Path, PathBuf};

/// The account the client is paid on and signs with.
#[derive(clap::Args)]
pub struct Args {
	#[command(subcommand)]
	command: WalletCommand,
}

/// How a new wallet is kept: `wallet create` and `wallet import`.
#[derive(clap::Args)]
struct KeepArgs {
	/// A name for the account (shown by polkadot.js).
	#[arg(long)]
	name: Option<String>,
	/// Overwrite an existing wallet of another account.
	#[arg(long)]
	replace: bool,
	/// Keep the wallet in the encrypted file DATA_DIR/wallet.json even
	/// when there is an OS keyring.
	#[arg(long)]
	file: bool,
}

#[derive(clap::Subcommand)]
enum WalletCommand {
	/// Create a new account (sr25519) and show the mnemonic that restores it.
	Create {
		#[command(flatten)]
		keep: KeepArgs,
	},
	/// Import an account: a polkadot.js JSON file, or a mnemonic or secret
	/// URI (such as //Alice on a dev chain) read from standard input.
	Import {
		/// A JSON account exported from polkadot.js apps or `wallet export`.
		#[arg(required_unless_present = "uri", conflicts_with = "uri")]
		json: Option<PathBuf>,
		/// Read a mnemonic or secret URI from standard input instead.
		#[arg(long)]
		uri: bool,
		#[command(flatten)]
		keep: KeepArgs,
	},
	/// Print the account as a polkadot.js JSON file (to standard output or
	/// --out), sealed with the wallet's password.
	Export {
		#[arg(long)]
		out: Option<PathBuf>,
	},
	/// Show the account's address and where it is kept.
	Show,
}

/// Seals `account` (named `name`) with `secret` into the wallet of
/// `data_dir` as `keep` says and says where.
fn seal(
	what: &str,
	account: &wallet::Account,
	name: Option<&str>,
	secret: &str,
	data_dir: &Path,
	keep: &KeepArgs,
) -> Result<()> {
	let place = if keep.file { wallet::Keep::File } else { wallet::Keep::Auto };
	let json = account.to_json(name, secret);
	let stored = wallet::store(data_dir, &json, keep.replace, place)?;
	println!("{what} account {}", account.address());
	println!("kept in {}", stored.location());
	Ok(())
}

fn wallet_command(
	command: WalletCommand,
	data_dir: &Path,
	password: &wallet::PasswordSource,
) -> Result<i32> {
	match command {
		WalletCommand::Create { keep } => {
			// Refused before any password is asked for.
			wallet::ensure_replaceable(data_dir, keep.replace)?;
			let (account, phrase) = wallet::Account::generate();
			let secret = password.read("password for the new account: ", true)?;
			seal("created", &account, keep.name.as_deref(), &secret, data_dir, &keep)?;
			println!();
			println!(
				"Its mnemonic, the only way to restore it if the wallet is lost; write it down:"
			);
			println!("  {phrase}");
		},
		WalletCommand::Import { json, uri: _, keep } => {
			// Refused before any password is asked for.
			wallet::ensure_replaceable(data_dir, keep.replace)?;
			let (account, json_name) = match json {
				Some(file) => {
					let text = std::fs::read_to_string(&file)
						.with_context(|| format!("cannot read {}", file.display()))?;
					let secret = password.read("password of the account file: ", false)?;
					wallet::Account::from_json(&text, &secret)
						.with_context(|| format!("cannot open {}", file.display()))?
				},
				None => {
					eprintln!("mnemonic or secret URI (one line):");
					let mut line = String::new();
					std::io::stdin().read_line(&mut line).context("cannot read standard input")?;
					(wallet::Account::from_uri(&line)?, None)
				},
			};
			let secret = password.read("password for the wallet: ", true)?;
			let name = keep.name.as_deref().or(json_name.as_deref());
			seal("imported", &account, name, &secret, data_dir, &keep)?;
		},
		WalletCommand::Export { out } => {
			let stored = wallet::require(data_dir)?;
			// Unlock first: an export nobody can open is worse than none.
			stored.unlock(&password.read("wallet password: ", false)?)?;
			match out {
				Some(file) => {
					std::fs::write(&file, &stored.json)
						.with_context(|| format!("cannot write {}", file.display()))?;
					eprintln!(
						"wrote {} (account {}; it opens with the wallet's password, in polkadot.js too)",
						file.display(),
						stored.address
					);
				},
				None => println!("{}", stored.json),
			}
		},
		WalletCommand::Show => {
			let stored = wallet::require(data_dir)?;
			println!("account {}", stored.address);
			if let Some(public) = wallet::public_of_address(&stored.address) {
				println!("public key 0x{}", hex(&public));
			}
			println!("kept in {}", stored.location());
		},
	}
	Ok(0)
}

pub fn exec(ctx: &crate::Context, args: Args) -> Result<i32> {
	wallet_command(args.command, &ctx.data_dir()?, &ctx.password)
}
