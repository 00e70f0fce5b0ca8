//! The OS keyring: Secret Service on Linux and the BSDs (GNOME Keyring,
//! KWallet, KeePassXC), Keychain on macOS, Credential Manager on Windows.
//!
//! The wallet keeps its polkadot.js JSON account in one keyring entry per
//! data directory, so the sealed account is guarded twice: by the keyring
//! (locked with the user's session) and by the wallet's own password. No
//! keyring (no session bus, no Secret Service, `MUSICCHAIN_KEYRING=off`)
//! means the encrypted file; the reason is kept for the user to read.

use std::path::Path;

/// The keyring service name of every musicchain entry.
pub const SERVICE: &str = "musicchain";
/// Set to `off` to never use the OS keyring.
pub const ENV_SWITCH: &str = "MUSICCHAIN_KEYRING";

/// The keyring entry of the wallet in `data_dir`, or why there is none.
pub struct Slot {
	entry: keyring::Entry,
	pub user: String,
}

/// The entry's user name: the data directory, so that several data
/// directories (several clients on one machine) keep separate wallets.
pub fn user_of(data_dir: &Path) -> String {
	let dir = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
	format!("wallet:{}", dir.display())
}

/// The keyring slot of `data_dir`'s wallet, or why the OS keyring cannot
/// be used here.
pub fn slot(data_dir: &Path) -> Result<Slot, String> {
	named(user_of(data_dir))
}

/// The keyring slot of the password of `data_dir`'s wallet, kept when the
/// user asks the app to remember it on this computer (the next start then
/// unlocks by itself), or why the OS keyring cannot be used here.
pub fn password_slot(data_dir: &Path) -> Result<Slot, String> {
	let dir = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
	named(format!("password:{}", dir.display()))
}

fn named(user: String) -> Result<Slot, String> {
	if std::env::var(ENV_SWITCH).is_ok_and(|v| v.eq_ignore_ascii_case("off")) {
		return Err(format!("{ENV_SWITCH}=off"));
	}
	if let Err(e) = keyring::Entry::store_status() {
		return Err(format!("no OS keyring here ({})", short(e)));
	}
	let entry = keyring::Entry::new(SERVICE, &user).map_err(|e| short(&e))?;
	Ok(Slot { entry, user })
}

impl Slot {
	/// The JSON account in this slot, if any.
	pub fn get(&self) -> Result<Option<String>, String> {
		match self.entry.get_password() {
			Ok(json) => Ok(Some(json)),
			Err(keyring::Error::NoEntry) => Ok(None),
			Err(e) => Err(short(&e)),
		}
	}

	pub fn set(&self, json: &str) -> Result<(), String> {
		self.entry.set_password(json).map_err(|e| short(&e))
	}

	/// Removes the entry; an entry that is not there is not an error.
	pub fn delete(&self) -> Result<(), String> {
		match self.entry.delete_credential() {
			Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
			Err(e) => Err(short(&e)),
		}
	}
}

/// A keyring error in one line.
fn short(e: &keyring::Error) -> String {
	e.to_string().lines().next().unwrap_or_default().to_owned()
}
