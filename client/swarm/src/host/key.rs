//! The peer key file: the host's libp2p identity, kept in the data
//! directory so a restarted client is the same peer.

use crate::error::HostError;
use libp2p::identity;
use std::path::Path;

/// File name of the peer key inside the data directory.
pub const KEY_FILE: &str = "peer.key";

/// Loads the peer key from `data_dir`, creating it on first use.
pub fn load_or_create_key(data_dir: &Path) -> Result<identity::Keypair, HostError> {
	let path = data_dir.join(KEY_FILE);
	let key_err = |source| HostError::Key { path: path.clone(), source };
	match std::fs::read(&path) {
		Ok(bytes) => identity::Keypair::from_protobuf_encoding(&bytes)
			.map_err(|e| HostError::BadKey { path: path.clone(), reason: e.to_string() }),
		Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
			std::fs::create_dir_all(data_dir).map_err(key_err)?;
			let key = identity::Keypair::generate_ed25519();
			let bytes = key
				.to_protobuf_encoding()
				.map_err(|e| HostError::BadKey { path: path.clone(), reason: e.to_string() })?;
			let tmp = path.with_extension("tmp");
			{
				use std::{io::Write, os::unix::fs::OpenOptionsExt};
				let mut f = std::fs::OpenOptions::new()
					.write(true)
					.create(true)
					.truncate(true)
					.mode(0o600)
					.open(&tmp)
					.map_err(key_err)?;
				f.write_all(&bytes).map_err(key_err)?;
				f.sync_all().map_err(key_err)?;
			}
			std::fs::rename(&tmp, &path).map_err(key_err)?;
			Ok(key)
		},
		Err(e) => Err(key_err(e)),
	}
}
