//! A scanned file meets the chain: matched to a song it already belongs
//! to, added to a song it is another encoding of, or registered as a new
//! song.
//!
//! The order, cheapest first: the exact content hash (the file is already
//! a variant), the exact fingerprint hash (another file of the same
//! decoded audio), then the node's fuzzy `musicchain_matchFingerprint`
//! (a re-encoding) at the chain's own match threshold. A match with one of
//! the owner's own songs adds the file to it; only a song's artist may, so
//! a match with anyone else's song registers the file, and the validators'
//! dedupe verdict folds it into that song. No match registers a new song
//! with the file's tags and the owner's royalty splits; it is Pending until
//! a validator's dedupe verdict (which may still fold it into an existing
//! song).

use super::{mismatch, runtime, scale_into, Chain, ChainError, Signer};
use musicchain_primitives::{
	fingerprint::MATCH_RPC_NODE_ERROR, ContentHash, FingerprintHash, Format, ManifestRoot,
	Metadata, Permill, SongId,
};
use musicchain_wallet::Account;
use serde::Deserialize;
use subxt::utils::AccountId32;

/// What became of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
	/// The file is already on chain as a variant of `song`.
	Known { song: SongId },
	/// The file was added to `song`, whose recording it is (`how`).
	Joined { song: SongId, how: MatchKind },
	/// A new song was registered for the file (pending its dedupe verdict).
	/// `unmatched` when the node had no fingerprint index to look for
	/// other encodings in (the validators' verdict still folds a duplicate).
	Registered { song: SongId, unmatched: bool },
	/// The file is a recording of another artist's song `of` (`how`): it
	/// was registered as `song`, which the validators' verdict folds into
	/// `of`.
	Claimed { song: SongId, of: SongId, how: MatchKind },
}

/// How a file was found to be a song's recording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchKind {
	/// The same fingerprint as the song's.
	Fingerprint,
	/// A fingerprint this similar (parts per million).
	Similar { similarity_ppm: u32 },
}

/// One match the node's fingerprint index found.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FingerprintMatch {
	pub song: SongId,
	pub similarity_ppm: u32,
	pub status: String,
	pub title: String,
	pub artist: String,
	pub duration_ms: u32,
}

/// What the chain needs of a file to match it or register it: its
/// identity, its fingerprint and its tags, as the library's analysis found
/// them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SongFile {
	pub content_hash: ContentHash,
	pub format: Format,
	pub size: u64,
	pub piece_size: u32,
	pub manifest_root: ManifestRoot,
	pub duration_ms: u64,
	/// Compressed Chromaprint fingerprint (the `fpcalc` wire format).
	pub fingerprint: Vec<u8>,
	/// BLAKE2-256 of `fingerprint`, as registered on chain.
	pub fingerprint_hash: FingerprintHash,
	/// Title, artist, album, genre as the song is registered.
	pub metadata: Metadata,
}

/// Royalty splits: co-beneficiaries and their shares of the artist's part.
pub type Splits = Vec<([u8; 32], Permill)>;

/// What the chain knows of a file before it is synced.
enum Known {
	/// The file is a variant of this song already.
	Variant(SongId),
	/// A song was registered with the same fingerprint hash.
	Fingerprint(SongId),
	Nothing,
}

impl Chain {
	/// What the chain already knows of `file`, read at one block: the song
	/// that has its content hash as a variant, or else the song registered
	/// with its fingerprint hash.
	async fn known(&self, file: &SongFile) -> Result<Known, ChainError> {
		self.read(|at| async move {
			let apis = runtime::runtime_apis().musicchain_api();
			let call = |e| self.api_error(e);
			let api = at.runtime_apis();
			if let Some(v) =
				api.call(apis.song_by_content(file.content_hash.0)).await.map_err(call)?
			{
				return Ok(Known::Variant(v.song));
			}
			let song =
				api.call(apis.song_by_fingerprint(file.fingerprint_hash.0)).await.map_err(call)?;
			Ok(song.map_or(Known::Nothing, Known::Fingerprint))
		})
		.await
	}

	/// Songs whose fingerprint resembles `fingerprint` (compressed), best
	/// first, from the node's index.
	pub async fn match_fingerprint(
		&self,
		fingerprint: &[u8],
	) -> Result<Vec<FingerprintMatch>, ChainError> {
		let hex = format!("0x{}", hex::encode(fingerprint));
		self.retrying(|| async {
			self.rpc
				.request("musicchain_matchFingerprint", subxt::rpcs::rpc_params![hex.clone()])
				.await
				.map_err(|e| self.rpc_error(e))
		})
		.await
	}

	/// The similarity (parts per million) at which the chain takes two
	/// fingerprints for one recording.
	pub async fn match_threshold_ppm(&self) -> Result<u32, ChainError> {
		self.read(|at| async move {
			let threshold = at
				.constants()
				.entry(runtime::constants().songs().match_threshold())
				.map_err(|e| mismatch(&e))?;
			Ok(threshold.0)
		})
		.await
	}

	/// Finds or makes `file`'s place on chain (see the module docs),
	/// signing with `owner`; `threshold_ppm` is
	/// [`Chain::match_threshold_ppm`], read once for a whole library.
	pub async fn sync_file(
		&self,
		owner: &Account,
		file: &SongFile,
		splits: &Splits,
		threshold_ppm: u32,
	) -> Result<Outcome, ChainError> {
		let known = self.known(file).await?;
		if let Known::Variant(song) = known {
			return Ok(Outcome::Known { song });
		}
		let variant = self.variant_info(file)?;
		if let Known::Fingerprint(song) = known {
			return self.join(owner, file, variant, splits, song, MatchKind::Fingerprint).await;
		}
		let (matches, unmatched) = match self.match_fingerprint(&file.fingerprint).await {
			Ok(matches) => (matches, false),
			// A node without its index yet (a fresh chain, a non-validator
			// RPC node): registering is safe, the verdict dedupes. A bad
			// fingerprint (invalid params) is the file's error.
			Err(ChainError::Node { code: MATCH_RPC_NODE_ERROR, .. }) => (Vec::new(), true),
			Err(e) => return Err(e),
		};
		let best =
			matches.into_iter().find(|m| m.similarity_ppm >= threshold_ppm && m.status != "hidden");
		if let Some(m) = best {
			let how = MatchKind::Similar { similarity_ppm: m.similarity_ppm };
			return self.join(owner, file, variant, splits, m.song, how).await;
		}
		let song = self.register(owner, file, variant, splits).await?;
		Ok(Outcome::Registered { song, unmatched })
	}

	/// Joins `file` to `song`, whose recording it is: added directly when
	/// `owner` is the song's artist, else registered for the validators'
	/// verdict to fold in.
	async fn join(
		&self,
		owner: &Account,
		file: &SongFile,
		variant: runtime::runtime_types::pallet_musicchain_songs::types::VariantInfo,
		splits: &Splits,
		song: SongId,
		how: MatchKind,
	) -> Result<Outcome, ChainError> {
		let artist = self
			.read(|at| async move {
				at.runtime_apis()
					.call(runtime::runtime_apis().musicchain_api().song(song))
					.await
					.map_err(|e| self.api_error(e))
			})
			.await?
			.map(|record| record.artist.0);
		if artist == Some(owner.public()) {
			self.add_variant(owner, song, variant).await?;
			return Ok(Outcome::Joined { song, how });
		}
		let claim = self.register(owner, file, variant, splits).await?;
		Ok(Outcome::Claimed { song: claim, of: song, how })
	}

	fn variant_info(
		&self,
		file: &SongFile,
	) -> Result<runtime::runtime_types::pallet_musicchain_songs::types::VariantInfo, ChainError> {
		Ok(runtime::runtime_types::pallet_musicchain_songs::types::VariantInfo {
			content_hash: file.content_hash.0,
			format: scale_into(&file.format)?,
			size: file.size,
			piece_size: file.piece_size,
			manifest_root: file.manifest_root.0,
		})
	}

	async fn add_variant(
		&self,
		owner: &Account,
		song: SongId,
		variant: runtime::runtime_types::pallet_musicchain_songs::types::VariantInfo,
	) -> Result<(), ChainError> {
		let call = runtime::tx().songs().add_variant(song, variant);
		self.submit(owner, &call).await.map(|_| ())
	}

	async fn register(
		&self,
		owner: &Account,
		file: &SongFile,
		variant: runtime::runtime_types::pallet_musicchain_songs::types::VariantInfo,
		splits: &Splits,
	) -> Result<SongId, ChainError> {
		let splits: Vec<(AccountId32, _)> = splits
			.iter()
			.map(|(who, share)| Ok((AccountId32(*who), scale_into(share)?)))
			.collect::<Result<_, ChainError>>()?;
		let duration_ms = u32::try_from(file.duration_ms).unwrap_or(u32::MAX);
		let call = runtime::tx().songs().register(
			scale_into(&file.fingerprint)?,
			duration_ms,
			scale_into(&file.metadata)?,
			runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec(splits),
			variant,
		);
		let events = self.submit(owner, &call).await?;
		let registered = events
			.find_first::<runtime::songs::events::SongRegistered>()
			.ok_or_else(|| {
				ChainError::Other("the registration emitted no SongRegistered event".into())
			})?
			.map_err(|e| mismatch(&e))?;
		Ok(registered.song)
	}

	/// Signs `call` with `owner`, submits it and waits until it is in a
	/// best block (or, with `finalized`, a finalized one); its events, or
	/// why it failed as a clear message.
	pub async fn submit<Call: subxt::tx::Payload>(
		&self,
		owner: &Account,
		call: &Call,
	) -> Result<Events, ChainError> {
		self.submit_until(owner, call, false).await
	}

	/// The nonce of `who`'s next transaction, counting those in the pool.
	pub async fn next_nonce(&self, who: [u8; 32]) -> Result<u64, ChainError> {
		let address = musicchain_wallet::address(&who);
		self.rpc
			.request("system_accountNextIndex", subxt::rpcs::rpc_params![address])
			.await
			.map_err(|e| self.rpc_error(e))
	}

	/// What `call` holds from its signer besides the fee (a deposit or a
	/// bond), and how to say it, from the constants of `at`.
	fn holds_of<Call: subxt::tx::Payload>(
		at: &super::AtBlock,
		call: &Call,
	) -> Result<(u128, String), ChainError> {
		let constants = runtime::constants();
		let (address, name) = match (call.pallet_name(), call.call_name()) {
			("Songs", "register") => (constants.songs().song_deposit(), "deposit"),
			("Songs", "add_variant") => (constants.songs().variant_deposit(), "deposit"),
			("Plays", "bond") => (constants.plays().serving_bond(), "serving bond"),
			_ => return Ok((0, String::new())),
		};
		let amount = at.constants().entry(address).map_err(|e| mismatch(&e))?;
		Ok((amount, format!(" and a {} {name}", super::format_music(amount))))
	}

	/// [`Chain::submit`], waiting for the block to be finalized or not.
	pub async fn submit_until<Call: subxt::tx::Payload>(
		&self,
		owner: &Account,
		call: &Call,
		finalized: bool,
	) -> Result<Events, ChainError> {
		use subxt::tx::TransactionStatus as S;
		// Signed once: after a dropped connection the same bytes are sent
		// again, so the chain can never take the action twice.
		let transaction = self
			.retrying(|| async {
				let at = self.client.at_current_block().await.map_err(|e| self.lost(e))?;
				// The pool's next nonce: the finalized state's would repeat
				// one of the signer's transactions still on its way.
				let nonce = self.next_nonce(owner.public()).await?;
				let params =
					subxt::config::DefaultExtrinsicParamsBuilder::<subxt::SubstrateConfig>::new()
						.nonce(nonce)
						.build();
				let transaction = at
					.transactions()
					.create_signed(call, &Signer(owner), params)
					.await
					.map_err(|e| ChainError::Rejected(e.to_string()))?;
				// What it costs is checked before it is sent: a signer
				// without the funds hears so once, and nothing is sent.
				let fee = transaction.partial_fee_estimate().await.map_err(|e| self.lost(e))?;
				let (holds, held) = Self::holds_of(&at, call)?;
				let what = format!("{}.{} (its fee{held})", call.pallet_name(), call.call_name());
				let need = fee.saturating_add(holds);
				self.check_funds(&at, owner.public(), need, &what).await?;
				Ok(transaction)
			})
			.await?;
		let mut resent = false;
		self.retrying(|| {
			let again = std::mem::replace(&mut resent, true);
			let transaction = &transaction;
			async move {
				// Sent again after the connection dropped, a refusal most
				// likely means the first copy is in the pool or on chain.
				let refused = |why: String| {
					if again {
						ChainError::Other(format!(
							"the transaction was sent before the node dropped the connection, \
								 and the node refuses it now ({why}): it is already on chain or \
								 in the pool; look before sending it once more"
						))
					} else {
						ChainError::Rejected(why)
					}
				};
				let mut progress =
					transaction.submit_and_watch().await.map_err(|e| match self.lost(&e) {
						lost @ ChainError::Reconnecting { .. } => lost,
						_ => refused(e.to_string()),
					})?;
				while let Some(status) = progress.next().await {
					let in_block = match status.map_err(|e| self.lost(e))? {
						S::InBestBlock(b) if !finalized => b,
						S::InFinalizedBlock(b) => b,
						S::Invalid { message } => return Err(refused(message)),
						S::Error { message } | S::Dropped { message } => {
							return Err(ChainError::Rejected(message))
						},
						_ => continue,
					};
					// Only a dispatch error is the chain's refusal; failing
					// to fetch the block's events is the connection's.
					return in_block.wait_for_success().await.map_err(|e| match e {
						subxt::error::TransactionEventsError::ExtrinsicFailed(_)
						| subxt::error::TransactionEventsError::CannotDecodeDispatchError {
							..
						} => ChainError::Rejected(e.to_string()),
						other => self.lost(other),
					});
				}
				Err(ChainError::Reconnecting {
					url: self.url.clone(),
					reason: "the transaction's status stream ended early".into(),
				})
			}
		})
		.await
	}
}

/// The events of one transaction.
pub type Events = subxt::extrinsics::ExtrinsicEvents<subxt::SubstrateConfig>;
