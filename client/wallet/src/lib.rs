//! The wallet: one sr25519 account, sealed with one password.
//!
//! The account is kept as a polkadot.js JSON account (see [`pjs`]), so what
//! the wallet stores is the same file `wallet export` prints and polkadot.js
//! apps opens. It is kept in the OS keyring when there is one (see
//! [`os_keyring`]), else in `DATA_DIR/wallet.json`, readable by its owner
//! only. The secret never touches the disk unencrypted.
//!
//! The same key pays the swarm's play receipts (it is the account a serving
//! peer binds its peer id to) and signs the chain transactions.

pub mod os_keyring;
pub mod pjs;

use polkadot_sdk::sp_core::{
	crypto::{AccountId32, Ss58Codec},
	sr25519, Pair as _,
};
use schnorrkel::Keypair;
use std::{
	io::Write,
	path::{Path, PathBuf},
	sync::Arc,
};

/// The wallet file in the data directory.
pub const WALLET_FILE: &str = "wallet.json";
/// The generic Substrate address format (addresses starting with 5), the
/// chain's ss58Format.
pub const SS58_PREFIX: u16 = 42;

/// What can go wrong with the wallet, each with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum WalletError {
	#[error("no wallet in {0}: create one with `musicchain wallet create` or import one with `musicchain wallet import`")]
	Missing(PathBuf),
	#[error(
		"a wallet already exists in {path} (account {address}); export it first \
		 (`musicchain wallet export`) and pass --replace to overwrite it"
	)]
	Exists { path: PathBuf, address: String },
	#[error("{path}: {error}")]
	Io { path: PathBuf, error: std::io::Error },
	#[error("{path}: {error}")]
	Format { path: PathBuf, error: pjs::PjsError },
	#[error("not a secret URI or mnemonic: {0}")]
	BadUri(String),
	#[error(
		"the OS keyring failed: {0} (unlock it, or set {env}=off to use the wallet file)",
		env = os_keyring::ENV_SWITCH
	)]
	Keyring(String),
}

/// An unlocked account.
#[derive(Clone)]
pub struct Account {
	keypair: Arc<Keypair>,
}

impl Account {
	/// A new random account and the 12-word mnemonic that restores it (in
	/// this client, in polkadot.js, in any Substrate wallet).
	pub fn generate() -> (Account, String) {
		let (pair, phrase, _) = sr25519::Pair::generate_with_phrase(None);
		(Self::from_pair(&pair), phrase)
	}

	/// The account of a secret URI: a mnemonic, a `0x` seed, optionally
	/// with derivation paths, or a dev account such as `//Alice`.
	pub fn from_uri(uri: &str) -> Result<Account, WalletError> {
		sr25519::Pair::from_string(uri.trim(), None)
			.map(|pair| Self::from_pair(&pair))
			.map_err(|e| WalletError::BadUri(format!("{e:?}")))
	}

	fn from_pair(pair: &sr25519::Pair) -> Account {
		let keypair: &Keypair = pair.as_ref();
		Account { keypair: Arc::new(keypair.clone()) }
	}

	/// The account id (the sr25519 public key).
	pub fn public(&self) -> [u8; 32] {
		self.keypair.public.to_bytes()
	}

	/// The SS58 address (generic Substrate format).
	pub fn address(&self) -> String {
		address(&self.public())
	}

	/// The key, for the swarm's payout binding and receipts.
	pub fn keypair(&self) -> Arc<Keypair> {
		self.keypair.clone()
	}

	/// Signs `message` as Substrate does for sr25519 (context "substrate").
	pub fn sign(&self, message: &[u8]) -> [u8; 64] {
		self.keypair.sign(schnorrkel::signing_context(b"substrate").bytes(message)).to_bytes()
	}

	/// The account sealed with `password` as a polkadot.js JSON account.
	pub fn to_json(&self, name: Option<&str>, password: &str) -> String {
		pjs::encrypt(&self.keypair, &self.address(), name, password)
	}

	/// Opens a polkadot.js JSON account.
	pub fn from_json(
		json: &str,
		password: &str,
	) -> Result<(Account, Option<String>), pjs::PjsError> {
		let opened = pjs::decrypt(json, password, public_of_address)?;
		Ok((Account { keypair: Arc::new(opened.keypair) }, opened.name))
	}
}

/// The SS58 address of a public key.
pub fn address(public: &[u8; 32]) -> String {
	AccountId32::from(*public).to_ss58check_with_version(SS58_PREFIX.into())
}

/// The public key of an SS58 address of any network, or of 64 hex digits.
pub fn public_of_address(address: &str) -> Option<[u8; 32]> {
	let address = address.trim();
	if let Some(digits) = address.strip_prefix("0x") {
		let mut public = [0u8; 32];
		return hex::decode_to_slice(digits, &mut public).ok().map(|()| public);
	}
	AccountId32::from_ss58check_with_version(address).ok().map(|(id, _)| id.into())
}

/// Where a wallet is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Place {
	/// The encrypted file, and why it is not in the OS keyring (when that
	/// is known: the keyring is not asked about a wallet found in a file).
	File { path: PathBuf, no_keyring: Option<String> },
	/// The OS keyring entry (service [`os_keyring::SERVICE`], this user).
	Keyring { user: String },
}

/// Where a new wallet goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
	/// The OS keyring when there is one, else the file.
	Auto,
	/// The file, even when there is a keyring.
	File,
}

/// The wallet as stored: a sealed account and where it is.
pub struct Stored {
	pub json: String,
	pub address: String,
	pub place: Place,
}

impl Stored {
	/// Where and how the account is kept, for the user to read.
	pub fn location(&self) -> String {
		match &self.place {
			Place::Keyring { user } => format!(
				"the OS keyring (entry \"{}\", user \"{user}\"), as a polkadot.js JSON account sealed with the wallet's password",
				os_keyring::SERVICE
			),
			Place::File { path, no_keyring } => {
				let mut out = format!(
					"an encrypted file, {} (scrypt + xsalsa20-poly1305)",
					path.display()
				);
				if let Some(why) = no_keyring {
					out.push_str(&format!("; not in the OS keyring: {why}"));
				}
				out
			},
		}
	}

	/// Unlocks the account with `password`.
	pub fn unlock(&self, password: &str) -> Result<Account, WalletError> {
		Account::from_json(&self.json, password)
			.map(|(account, _)| account)
			.map_err(|source| WalletError::Format { path: self.place.source(), error: source })
	}
}

impl Place {
	/// What to name in an error about the wallet kept here.
	fn source(&self) -> PathBuf {
		match self {
			Place::File { path, .. } => path.clone(),
			Place::Keyring { user } => PathBuf::from(format!("OS keyring entry {user}")),
		}
	}
}

/// A stored JSON account, with the address it names.
fn parsed(json: String, place: Place) -> Result<Stored, WalletError> {
	match pjs::address_of(&json) {
		Ok(address) => Ok(Stored { json, address, place }),
		Err(error) => Err(WalletError::Format { path: place.source(), error }),
	}
}

/// Maps an I/O error on `path` to a [`WalletError`].
fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> WalletError {
	let path = path.to_path_buf();
	move |error| WalletError::Io { path, error }
}

/// The wallet of `data_dir`, if there is one: the file first, then the OS
/// keyring (asked only when there is no file).
pub fn load(data_dir: &Path) -> Result<Option<Stored>, WalletError> {
	let path = data_dir.join(WALLET_FILE);
	match std::fs::read_to_string(&path) {
		Ok(json) => return parsed(json, Place::File { path, no_keyring: None }).map(Some),
		Err(e) if e.kind() == std::io::ErrorKind::NotFound => {},
		Err(source) => return Err(WalletError::Io { path, error: source }),
	}
	let Ok(slot) = os_keyring::slot(data_dir) else { return Ok(None) };
	match slot.get().map_err(WalletError::Keyring)? {
		Some(json) => parsed(json, Place::Keyring { user: slot.user }).map(Some),
		None => Ok(None),
	}
}

/// The wallet in `data_dir`, or a clear error when there is none.
pub fn require(data_dir: &Path) -> Result<Stored, WalletError> {
	load(data_dir)?.ok_or_else(|| WalletError::Missing(data_dir.join(WALLET_FILE)))
}

/// Keeps the wallet's `password` in the OS keyring, so that the player app
/// unlocks the wallet by itself from now on; or why it cannot (no keyring
/// here). The keyring is locked with the user's session.
pub fn remember_password(data_dir: &Path, password: &str) -> Result<(), String> {
	os_keyring::password_slot(data_dir)?.set(password)
}

/// The wallet's password, if it is remembered in the OS keyring.
pub fn remembered_password(data_dir: &Path) -> Option<String> {
	os_keyring::password_slot(data_dir).ok()?.get().ok()?
}

/// Forgets a remembered password (nothing remembered is not an error).
pub fn forget_password(data_dir: &Path) -> Result<(), String> {
	match os_keyring::password_slot(data_dir) {
		Ok(slot) => slot.delete(),
		Err(_) => Ok(()),
	}
}

/// Fails when `data_dir` holds a wallet and `replace` is not given.
pub fn ensure_replaceable(data_dir: &Path, replace: bool) -> Result<(), WalletError> {
	match load(data_dir)? {
		Some(old) if !replace => {
			Err(WalletError::Exists { path: old.place.source(), address: old.address })
		},
		_ => Ok(()),
	}
}

/// Stores a sealed account for `data_dir`: in the OS keyring when `keep`
/// allows and there is one, else in the file. Refuses to replace an
/// existing wallet unless `replace`; a replaced wallet leaves no copy in
/// the other place.
pub fn store(
	data_dir: &Path,
	json: &str,
	replace: bool,
	keep: Keep,
) -> Result<Stored, WalletError> {
	let path = data_dir.join(WALLET_FILE);
	let address =
		pjs::address_of(json).map_err(|error| WalletError::Format { path: path.clone(), error })?;
	ensure_replaceable(data_dir, replace)?;
	std::fs::create_dir_all(data_dir).map_err(io_err(data_dir))?;
	let stored = |place| Stored { json: json.to_owned(), address: address.clone(), place };
	// The keyring is asked once: to keep the wallet, or to drop the copy a
	// replaced wallet left there.
	let slot = (keep == Keep::Auto || replace).then(|| os_keyring::slot(data_dir));
	let no_keyring = match (&slot, keep) {
		(Some(Ok(slot)), Keep::Auto) => match slot.set(json) {
			Ok(()) => {
				match std::fs::remove_file(&path) {
					Ok(()) => {},
					Err(e) if e.kind() == std::io::ErrorKind::NotFound => {},
					Err(e) => return Err(io_err(&path)(e)),
				}
				return Ok(stored(Place::Keyring { user: slot.user.clone() }));
			},
			Err(e) => format!("the keyring refused it ({e})"),
		},
		(Some(Err(why)), Keep::Auto) => why.clone(),
		_ => "kept in the file as asked (--file)".to_owned(),
	};
	write_private(data_dir, &path, json)?;
	if let (true, Some(Ok(slot))) = (replace, &slot) {
		// The file is found first, but leave no second account behind.
		slot.delete().map_err(WalletError::Keyring)?;
	}
	Ok(stored(Place::File { path, no_keyring: Some(no_keyring) }))
}

/// Writes `json` to `path` through a temporary file (mode 0600) renamed
/// over it, so that a crash leaves either the old wallet or the new one.
fn write_private(data_dir: &Path, path: &Path, json: &str) -> Result<(), WalletError> {
	let tmp = data_dir.join(format!("{WALLET_FILE}.tmp"));
	{
		let mut options = std::fs::OpenOptions::new();
		options.write(true).create(true).truncate(true);
		#[cfg(unix)]
		std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
		let mut file = options.open(&tmp).map_err(io_err(&tmp))?;
		file.write_all(json.as_bytes()).map_err(io_err(&tmp))?;
		file.sync_all().map_err(io_err(&tmp))?;
	}
	std::fs::rename(&tmp, path).map_err(io_err(path))
}

/// Where a password comes from, in this order: the file given with
/// `--password-file`, the `MUSICCHAIN_PASSWORD` variable, or a prompt on
/// the terminal.
pub struct PasswordSource {
	pub file: Option<PathBuf>,
}

impl PasswordSource {
	/// The password; `confirm` is for a new one: asked twice on a
	/// terminal, and refused when empty (whatever its source), since an
	/// empty password leaves the key file readable by anyone who copies it.
	pub fn read(&self, prompt: &str, confirm: bool) -> anyhow::Result<String> {
		let password = self.read_any(prompt, confirm)?;
		if confirm && password.is_empty() {
			anyhow::bail!(
				"the password is empty: a wallet's key is kept encrypted with it, so choose one \
				 (nothing was changed)"
			);
		}
		Ok(password)
	}

	fn read_any(&self, prompt: &str, confirm: bool) -> anyhow::Result<String> {
		use anyhow::Context;
		if let Some(file) = &self.file {
			let text = std::fs::read_to_string(file)
				.with_context(|| format!("cannot read the password file {}", file.display()))?;
			return Ok(text.trim_end_matches(['\n', '\r']).to_owned());
		}
		if let Some(password) = std::env::var_os("MUSICCHAIN_PASSWORD") {
			return password
				.into_string()
				.map_err(|_| anyhow::anyhow!("MUSICCHAIN_PASSWORD is not valid UTF-8"));
		}
		let password = rpassword::prompt_password(prompt).context(
			"no password: there is no terminal to ask on; set MUSICCHAIN_PASSWORD or pass --password-file",
		)?;
		if confirm && !password.is_empty() && rpassword::prompt_password("repeat it: ")? != password
		{
			anyhow::bail!("the two passwords differ; nothing was changed");
		}
		Ok(password)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_new_password_may_not_be_empty() {
		let dir = tempfile::tempdir().expect("temp dir");
		let file = dir.path().join("password");
		std::fs::write(&file, "\n").expect("written");
		let source = PasswordSource { file: Some(file.clone()) };
		let refused = source.read("new: ", true).expect_err("an empty new password");
		assert!(refused.to_string().contains("the password is empty"), "{refused}");
		// An existing wallet's password is what it is.
		assert_eq!(source.read("old: ", false).expect("read"), "");
		std::fs::write(&file, "secret\n").expect("written");
		assert_eq!(source.read("new: ", true).expect("read"), "secret");
	}

	#[test]
	fn json_round_trip_keeps_the_key() {
		let alice = Account::from_uri("//Alice").expect("dev uri");
		assert_eq!(alice.address(), "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
		let json = alice.to_json(Some("alice"), "pw");
		let (opened, name) = Account::from_json(&json, "pw").expect("opens");
		assert_eq!((opened.public(), name.as_deref()), (alice.public(), Some("alice")));
		assert!(matches!(Account::from_json(&json, "wrong"), Err(pjs::PjsError::WrongPassword)));
	}

	/// Alice's dev account as polkadot.js apps exports it (password
	/// "whoisalice"; the file from subxt-signer's tests).
	const ALICE_FROM_POLKADOT_JS: &str = r#"{
		"encoded": "DumgApKCTqoCty1OZW/8WS+sgo6RdpHhCwAkA2IoDBMAgAAAAQAAAAgAAAB6IG/q24EeVf0JqWqcBd5m2tKq5BlyY84IQ8oamLn9DZe9Ouhgunr7i36J1XxUnTI801axqL/ym1gil0U8440Qvj0lFVKwGuxq38zuifgoj0B3Yru0CI6QKEvQPU5xxj4MpyxdSxP+2PnTzYao0HDH0fulaGvlAYXfqtU89xrx2/z9z7IjSwS3oDFPXRQ9kAdDebtyCVreZ9Otw9v3",
		"encoding": {"content": ["pkcs8", "sr25519"], "type": ["scrypt", "xsalsa20-poly1305"], "version": "3"},
		"address": "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
		"meta": {"genesisHash": "", "name": "Alice", "whenCreated": 1718265838755}
	}"#;

	#[test]
	fn opens_a_polkadot_js_export_and_signs_as_that_account() {
		let (account, name) =
			Account::from_json(ALICE_FROM_POLKADOT_JS, "whoisalice").expect("opens");
		assert_eq!(name.as_deref(), Some("Alice"));
		let alice = Account::from_uri("//Alice").expect("dev uri");
		assert_eq!(account.public(), alice.public());
		// The same secret: a signature of one verifies under the other's key.
		let signature = sr25519::Signature::from_raw(account.sign(b"play"));
		let public = sr25519::Public::from_raw(alice.public());
		assert!(sr25519::Pair::verify(&signature, b"play", &public));
	}

	#[test]
	fn a_tampered_address_is_refused() {
		let bob = Account::from_uri("//Bob").expect("dev uri").address();
		let json = ALICE_FROM_POLKADOT_JS
			.replace("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", &bob);
		assert!(matches!(
			Account::from_json(&json, "whoisalice"),
			Err(pjs::PjsError::AddressMismatch(_))
		));
	}

	#[test]
	fn the_store_refuses_to_lose_another_account() {
		let dir = tempfile::tempdir().expect("tmp");
		let alice = Account::from_uri("//Alice").expect("uri");
		let bob = Account::from_uri("//Bob").expect("uri");
		store(dir.path(), &alice.to_json(None, "a"), false, Keep::File).expect("first wallet");
		let err = store(dir.path(), &bob.to_json(None, "b"), false, Keep::File).map(|_| ());
		assert!(matches!(err, Err(WalletError::Exists { .. })), "{err:?}");
		assert_eq!(require(dir.path()).expect("kept").address, alice.address());
		#[cfg(unix)]
		{
			use std::os::unix::fs::PermissionsExt;
			let mode =
				std::fs::metadata(dir.path().join(WALLET_FILE)).expect("file").permissions().mode();
			assert_eq!(mode & 0o777, 0o600);
		}
		store(dir.path(), &bob.to_json(None, "b"), true, Keep::File).expect("replaced on request");
		assert_eq!(
			require(dir.path()).expect("stored").unlock("b").expect("opens").public(),
			bob.public()
		);
	}
}
