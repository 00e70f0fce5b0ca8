//! The polkadot.js JSON account format (version 3): the secret key in
//! PKCS#8 layout, sealed with xsalsa20-poly1305 under a key that scrypt
//! derives from the password. The same file opens in polkadot.js apps and
//! the polkadot.js extension ("Restore account from backup JSON file"), and
//! their exports open here.

use base64::{engine::general_purpose::STANDARD, Engine};
use crypto_secretbox::{
	aead::{Aead, KeyInit},
	Key, Nonce, XSalsa20Poly1305,
};
use schnorrkel::{Keypair, SecretKey};
use serde::{Deserialize, Serialize};

/// polkadot.js' default scrypt cost: N = 2^15, p = 1, r = 8.
const SCRYPT_LOG_N: u8 = 15;
const SCRYPT_P: u32 = 1;
const SCRYPT_R: u32 = 8;
/// The scrypt costs polkadot.js itself may write; anything else is refused
/// so that a crafted file cannot make opening it take minutes.
const ALLOWED_SCRYPT: &[(u32, u32, u32)] = &[
	(1 << 13, 10, 8),
	(1 << 14, 5, 8),
	(1 << 15, 3, 8),
	(1 << 15, 1, 8),
	(1 << 16, 2, 8),
	(1 << 17, 1, 8),
];

const SALT_LEN: usize = 32;
const NONCE_LEN: usize = 24;
/// Salt, N, p, r, nonce.
const HEADER_LEN: usize = SALT_LEN + 12 + NONCE_LEN;
/// PKCS#8 framing polkadot.js puts around an sr25519 secret (64 bytes, in
/// the ed25519-expanded layout) and its public key (32 bytes).
const PKCS8_HEADER: [u8; 16] = [48, 83, 2, 1, 1, 48, 5, 6, 3, 43, 101, 112, 4, 34, 4, 32];
const PKCS8_DIVIDER: [u8; 5] = [161, 35, 3, 33, 0];
const PKCS8_LEN: usize = 16 + 64 + 5 + 32;

/// Why a polkadot.js JSON account could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum PjsError {
	#[error("not a polkadot.js account file: {0}")]
	Json(#[from] serde_json::Error),
	#[error(
		"unsupported account encoding {content:?}/{kind:?} version {version} (only sr25519 accounts \
		 in the scrypt + xsalsa20-poly1305 format, version 3, are supported)"
	)]
	Encoding { content: Vec<String>, kind: Vec<String>, version: String },
	#[error("the encoded key is not valid base64: {0}")]
	Base64(#[from] base64::DecodeError),
	#[error("the encoded key is {0} bytes, too short for an encrypted key")]
	Truncated(usize),
	#[error("scrypt parameters N={n} p={p} r={r} are not ones polkadot.js writes")]
	Scrypt { n: u32, p: u32, r: u32 },
	#[error("wrong password (or a damaged file)")]
	WrongPassword,
	#[error("the decrypted key is malformed")]
	BadKey,
	#[error("the key does not belong to the file's address {0}")]
	AddressMismatch(String),
}

#[derive(Serialize, Deserialize)]
struct Encoding {
	content: Vec<String>,
	#[serde(rename = "type")]
	kind: Vec<String>,
	version: String,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Meta {
	#[serde(default, skip_serializing_if = "Option::is_none")]
	name: Option<String>,
	#[serde(default, skip_serializing_if = "Option::is_none")]
	when_created: Option<u64>,
	#[serde(default)]
	genesis_hash: String,
}

#[derive(Serialize, Deserialize)]
struct AccountJson {
	encoded: String,
	encoding: Encoding,
	address: String,
	#[serde(default)]
	meta: Meta,
}

/// An account opened from its JSON: the key and the name it was saved with.
pub struct Opened {
	pub keypair: Keypair,
	pub name: Option<String>,
}

fn scrypt_key(password: &str, salt: &[u8], log_n: u8, r: u32, p: u32) -> Key {
	let mut key = Key::default();
	// The parameters are checked before; 32 bytes of output is always valid.
	if let Ok(params) = scrypt::Params::new(log_n, r, p, 32) {
		let _ = scrypt::scrypt(password.as_bytes(), salt, &params, &mut key);
	}
	key
}

/// Seals `keypair` under `password` as a polkadot.js JSON account for
/// `address` (its SS58 form), named `name`.
pub fn encrypt(keypair: &Keypair, address: &str, name: Option<&str>, password: &str) -> String {
	let mut salt = [0u8; SALT_LEN];
	let mut nonce = [0u8; NONCE_LEN];
	fill_random(&mut salt);
	fill_random(&mut nonce);
	let key = scrypt_key(password, &salt, SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P);

	let mut plain = Vec::with_capacity(PKCS8_LEN);
	plain.extend_from_slice(&PKCS8_HEADER);
	plain.extend_from_slice(&keypair.secret.to_ed25519_bytes());
	plain.extend_from_slice(&PKCS8_DIVIDER);
	plain.extend_from_slice(&keypair.public.to_bytes());
	let sealed = XSalsa20Poly1305::new(&key)
		.encrypt(Nonce::from_slice(&nonce), plain.as_slice())
		.unwrap_or_default();
	plain.iter_mut().for_each(|b| *b = 0);

	let mut encoded = Vec::with_capacity(HEADER_LEN + sealed.len());
	encoded.extend_from_slice(&salt);
	encoded.extend_from_slice(&(1u32 << SCRYPT_LOG_N).to_le_bytes());
	encoded.extend_from_slice(&SCRYPT_P.to_le_bytes());
	encoded.extend_from_slice(&SCRYPT_R.to_le_bytes());
	encoded.extend_from_slice(&nonce);
	encoded.extend_from_slice(&sealed);
	let when_created = std::time::SystemTime::now()
		.duration_since(std::time::UNIX_EPOCH)
		.map(|d| d.as_millis() as u64)
		.ok();
	let json = AccountJson {
		encoded: STANDARD.encode(encoded),
		encoding: Encoding {
			content: vec!["pkcs8".into(), "sr25519".into()],
			kind: vec!["scrypt".into(), "xsalsa20-poly1305".into()],
			version: "3".into(),
		},
		address: address.to_owned(),
		meta: Meta { name: name.map(str::to_owned), when_created, genesis_hash: String::new() },
	};
	serde_json::to_string_pretty(&json).unwrap_or_default()
}

/// The address a JSON account says it is for, without opening it.
pub fn address_of(json: &str) -> Result<String, PjsError> {
	Ok(serde_json::from_str::<AccountJson>(json)?.address)
}

/// Opens a polkadot.js JSON account with `password`. `public_of_address`
/// decodes an SS58 address (of any network prefix), to check that the key
/// is the one of the file's address.
pub fn decrypt(
	json: &str,
	password: &str,
	public_of_address: impl Fn(&str) -> Option<[u8; 32]>,
) -> Result<Opened, PjsError> {
	let account: AccountJson = serde_json::from_str(json)?;
	let e = &account.encoding;
	let has = |list: &[String], what: &str| list.iter().any(|s| s == what);
	if e.version != "3"
		|| !has(&e.content, "pkcs8")
		|| !has(&e.content, "sr25519")
		|| !has(&e.kind, "scrypt")
		|| !has(&e.kind, "xsalsa20-poly1305")
	{
		return Err(PjsError::Encoding {
			content: e.content.clone(),
			kind: e.kind.clone(),
			version: e.version.clone(),
		});
	}
	let encoded = STANDARD.decode(account.encoded.trim())?;
	if encoded.len() < HEADER_LEN {
		return Err(PjsError::Truncated(encoded.len()));
	}
	let word = |at: usize| {
		u32::from_le_bytes([encoded[at], encoded[at + 1], encoded[at + 2], encoded[at + 3]])
	};
	let (n, p, r) = (word(SALT_LEN), word(SALT_LEN + 4), word(SALT_LEN + 8));
	if !ALLOWED_SCRYPT.contains(&(n, p, r)) {
		return Err(PjsError::Scrypt { n, p, r });
	}
	let key = scrypt_key(password, &encoded[..SALT_LEN], n.trailing_zeros() as u8, r, p);
	let nonce = Nonce::from_slice(&encoded[SALT_LEN + 12..HEADER_LEN]);
	let mut plain = XSalsa20Poly1305::new(&key)
		.decrypt(nonce, &encoded[HEADER_LEN..])
		.map_err(|_| PjsError::WrongPassword)?;
	let opened = open_pkcs8(&plain, &account.address, &public_of_address);
	plain.iter_mut().for_each(|b| *b = 0);
	opened.map(|keypair| Opened { keypair, name: account.meta.name })
}

fn open_pkcs8(
	plain: &[u8],
	address: &str,
	public_of_address: &impl Fn(&str) -> Option<[u8; 32]>,
) -> Result<Keypair, PjsError> {
	if plain.len() != PKCS8_LEN || plain[..16] != PKCS8_HEADER || plain[80..85] != PKCS8_DIVIDER {
		return Err(PjsError::BadKey);
	}
	let secret = SecretKey::from_ed25519_bytes(&plain[16..80]).map_err(|_| PjsError::BadKey)?;
	let keypair = secret.to_keypair();
	let public = keypair.public.to_bytes();
	if public[..] != plain[85..] || public_of_address(address) != Some(public) {
		return Err(PjsError::AddressMismatch(address.to_owned()));
	}
	Ok(keypair)
}

fn fill_random(buf: &mut [u8]) {
	use rand::RngCore;
	rand::rngs::OsRng.fill_bytes(buf);
}
