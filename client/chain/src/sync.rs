//! What a scanned file meets on chain, and the transactions that place it
//! (the library sync itself, in bulk, is `musicchain_app::sync`).
//!
//! What the chain knows of a file, cheapest first: the exact content hash
//! (the file is already a variant), the exact fingerprint hash (another file
//! of the same decoded audio), then the node's fuzzy
//! `musicchain_matchFingerprint` (a re-encoding) at the chain's own match
//! threshold. A match with one of the owner's own songs adds the file to
//! it; only a song's artist may, so a match with anyone else's song
//! registers the file, and the validators' dedupe verdict folds it into that
//! song. No match registers a new song with the file's tags and the owner's
//! royalty splits; it is Pending until a validator's dedupe verdict (which
//! may still fold it into an existing song).

use super::{mismatch, runtime, scale_into, Chain, ChainError, Signer};
use musicchain_primitives::{
	ContentHash, FingerprintHash, Format, ManifestRoot, Metadata, Permill, SongId,
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

/// Transactions of a library sync, signed and ready to send
/// ([`Chain::prepare_wave`]).
pub struct Wave {
	transactions: Vec<Transaction>,
	actions: Vec<Action>,
	/// Their fees and deposits.
	need: u128,
	first_nonce: u64,
	/// The nonce after the wave's last transaction.
	pub next_nonce: u64,
}

impl Wave {
	pub fn len(&self) -> usize {
		self.actions.len()
	}
	pub fn is_empty(&self) -> bool {
		self.actions.is_empty()
	}
}

/// The chain's rules for placing files (constants of the songs pallet).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncRules {
	/// The similarity (parts per million) at which two fingerprints are
	/// one recording.
	pub threshold_ppm: u32,
	/// The largest duration difference (ms) between two files of one
	/// recording.
	pub tolerance_ms: u32,
	/// The most songs that may register in one block (their verdict
	/// deadlines share a block); more wait for the next.
	pub per_block: u32,
}

/// Royalty splits: co-beneficiaries and their shares of the artist's part.
pub type Splits = Vec<([u8; 32], Permill)>;

/// What the chain knows of a file before it is synced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Known {
	/// The file is a variant of this song already.
	Variant(SongId),
	/// A song was registered with the same fingerprint hash.
	Fingerprint(SongId),
	Nothing,
}

/// One transaction of a library sync (see [`Chain::send_all`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
	/// Registers the file as a new song (or, for a recording of another
	/// artist's song, as a claim the dedupe verdict folds into it).
	Register(SongFile),
	/// Adds the file to the owner's own song.
	AddVariant { song: SongId, file: SongFile },
}

impl Action {
	pub fn file(&self) -> &SongFile {
		match self {
			Action::Register(file) | Action::AddVariant { file, .. } => file,
		}
	}
}

impl Chain {
	/// What the chain already knows of `file`, read at one block: the song
	/// that has its content hash as a variant, or else the song registered
	/// with its fingerprint hash.
	pub async fn known(&self, file: &SongFile) -> Result<Known, ChainError> {
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

	/// The chain's rules for placing files, read at one block.
	pub async fn sync_rules(&self) -> Result<SyncRules, ChainError> {
		self.read(|at| async move {
			let songs = runtime::constants().songs();
			let constants = at.constants();
			Ok(SyncRules {
				threshold_ppm: constants
					.entry(songs.match_threshold())
					.map_err(|e| mismatch(&e))?
					.0,
				tolerance_ms: constants
					.entry(songs.duration_tolerance_ms())
					.map_err(|e| mismatch(&e))?,
				per_block: constants
					.entry(songs.max_pending_per_block())
					.map_err(|e| mismatch(&e))?,
			})
		})
		.await
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

	fn register_call(
		&self,
		file: &SongFile,
		variant: runtime::runtime_types::pallet_musicchain_songs::types::VariantInfo,
		splits: &Splits,
	) -> Result<impl subxt::tx::Payload, ChainError> {
		let splits: Vec<(AccountId32, _)> = splits
			.iter()
			.map(|(who, share)| Ok((AccountId32(*who), scale_into(share)?)))
			.collect::<Result<_, ChainError>>()?;
		let duration_ms = u32::try_from(file.duration_ms).unwrap_or(u32::MAX);
		Ok(runtime::tx().songs().register(
			scale_into(&file.fingerprint)?,
			duration_ms,
			scale_into(&file.metadata)?,
			runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec(splits),
			variant,
		))
	}

	/// Signs every action with `owner`'s key, with consecutive nonces from
	/// `nonce` (or, without one, the next the node expects), and estimates
	/// what they cost: a wave ready for [`Chain::send_wave`]. A sync
	/// prepares its next wave while the last one is on its way.
	pub async fn prepare_wave(
		&self,
		owner: &Account,
		actions: Vec<Action>,
		splits: &Splits,
		nonce: Option<u64>,
	) -> Result<Wave, ChainError> {
		let (transactions, need, first) = self
			.retrying(|| async {
				let actions = &actions;
				let at = self.client.at_current_block().await.map_err(|e| self.lost(e))?;
				let first = match nonce {
					Some(n) => n,
					None => self.next_nonce(owner.public()).await?,
				};
				let mut transactions = Vec::with_capacity(actions.len());
				let mut holds = 0u128;
				for (i, action) in actions.iter().enumerate() {
					let params = subxt::config::DefaultExtrinsicParamsBuilder::<
						subxt::SubstrateConfig,
					>::new()
					.nonce(first + i as u64)
					.build();
					let variant = self.variant_info(action.file())?;
					let (transaction, hold) = match action {
						Action::Register(file) => {
							let call = self.register_call(file, variant, splits)?;
							Self::signed(&at, &call, owner, params).await?
						},
						Action::AddVariant { song, .. } => {
							let call = runtime::tx().songs().add_variant(*song, variant);
							Self::signed(&at, &call, owner, params).await?
						},
					};
					holds = holds.saturating_add(hold);
					transactions.push(transaction);
				}
				let fees = futures::future::try_join_all(
					transactions.iter().map(|t| t.partial_fee_estimate()),
				)
				.await
				.map_err(|e| self.lost(e))?;
				let need = fees.iter().fold(holds, |sum, fee| sum.saturating_add(*fee));
				Ok((transactions, need, first))
			})
			.await?;
		Ok(Wave {
			next_nonce: first + transactions.len() as u64,
			first_nonce: first,
			transactions,
			actions,
			need,
		})
	}

	/// Whether `wave`'s nonces still follow on from what the node has of
	/// `owner` (a transaction before it may have been refused).
	pub async fn wave_in_order(&self, owner: &Account, wave: &Wave) -> Result<bool, ChainError> {
		Ok(self.next_nonce(owner.public()).await? == wave.first_nonce)
	}

	/// Sends a prepared wave at once and waits until each transaction is in
	/// a best block: the song each registered or joined, or why the chain
	/// refused it. What the whole wave costs (fees, deposits) is checked
	/// first, so an owner without the funds hears so once and nothing is
	/// sent. Fails as a whole only when the node is lost (run the sync
	/// again: what landed is found on chain, nothing registers twice).
	pub async fn send_wave(
		&self,
		owner: &Account,
		wave: &Wave,
	) -> Result<Vec<Result<SongId, ChainError>>, ChainError> {
		if wave.actions.is_empty() {
			return Ok(Vec::new());
		}
		self.retrying(|| async {
			let at = self.client.at_current_block().await.map_err(|e| self.lost(e))?;
			let what = format!(
				"{} transactions of the library sync (their fees and deposits)",
				wave.actions.len()
			);
			self.check_funds(&at, owner.public(), wave.need, &what).await
		})
		.await?;
		let (signed, actions) = (&wave.transactions, &wave.actions);
		let results = futures::future::join_all(signed.iter().zip(actions).map(
			|(transaction, action)| async move {
				let included =
					tokio::time::timeout(WAVE_WAIT, self.included(transaction, false, false))
						.await
						.map_err(|_| {
							ChainError::Other(format!(
								"not in a block after {} s (the node may have refused an earlier \
						 transaction of this sync); run the sync again",
								WAVE_WAIT.as_secs()
							))
						})?;
				match (included, action) {
					(Ok(events), Action::Register(_)) => registered_song(&events),
					(Ok(_), Action::AddVariant { song, .. }) => Ok(*song),
					// In a block whose events could not be read (the node
					// unpinned it under load, or the connection blinked):
					// where the file is now says what the transaction did.
					(Err(e @ (ChainError::Lost { .. } | ChainError::Reconnecting { .. })), _) => {
						match self.known(action.file()).await {
							Ok(Known::Variant(song)) => Ok(song),
							_ => Err(e),
						}
					},
					(Err(e), _) => Err(e),
				}
			},
		))
		.await;
		// A lost node fails the whole batch: what happened to the rest is
		// for the next sync to find.
		let mut results = results;
		if let Some(i) = results.iter().position(|r| {
			matches!(r, Err(ChainError::Lost { .. } | ChainError::Reconnecting { .. }))
		}) {
			results.swap_remove(i)?;
		}
		Ok(results)
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
			self.included(&transaction, finalized, again)
		})
		.await
	}

	/// `call` signed by `owner` at `at` with `params`, and what it holds
	/// from the signer besides the fee.
	async fn signed<Call: subxt::tx::Payload>(
		at: &super::AtBlock,
		call: &Call,
		owner: &Account,
		params: Params,
	) -> Result<(Transaction, u128), ChainError> {
		let hold = Self::holds_of(at, call)?.0;
		let transaction = at
			.transactions()
			.create_signed(call, &Signer(owner), params)
			.await
			.map_err(|e| ChainError::Rejected(e.to_string()))?;
		Ok((transaction, hold))
	}

	/// Sends `transaction` and waits until it is in a best block (or, with
	/// `finalized`, a finalized one): its events, or why it failed. `again`
	/// when it was sent before the connection dropped.
	async fn included(
		&self,
		transaction: &Transaction,
		finalized: bool,
		again: bool,
	) -> Result<Events, ChainError> {
		use subxt::tx::TransactionStatus as S;
		// Sent again after the connection dropped, a refusal most likely
		// means the first copy is in the pool or on chain.
		let refused = |why: String| {
			if again {
				ChainError::Other(format!(
					"the transaction was sent before the node dropped the connection, and the \
					 node refuses it now ({why}): it is already on chain or in the pool; look \
					 before sending it once more"
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
			// Only a dispatch error is the chain's refusal; failing to fetch
			// the block's events is the connection's.
			return in_block.wait_for_success().await.map_err(|e| match e {
				subxt::error::TransactionEventsError::ExtrinsicFailed(_)
				| subxt::error::TransactionEventsError::CannotDecodeDispatchError { .. } => {
					ChainError::Rejected(e.to_string())
				},
				other => self.lost(other),
			});
		}
		Err(ChainError::Reconnecting {
			url: self.url.clone(),
			reason: "the transaction's status stream ended early".into(),
		})
	}
}

/// The song a registration's events say it made.
fn registered_song(events: &Events) -> Result<SongId, ChainError> {
	let registered = events
		.find_first::<runtime::songs::events::SongRegistered>()
		.ok_or_else(|| {
			ChainError::Other("the registration emitted no SongRegistered event".into())
		})?
		.map_err(|e| mismatch(&e))?;
	Ok(registered.song)
}

/// How long [`Chain::send_wave`] waits for each transaction to be in a
/// block: a wave is normally in the next one or two.
const WAVE_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

/// What a transaction is signed with besides the call (its nonce, ...).
type Params = <<subxt::SubstrateConfig as subxt::Config>::TransactionExtensions as subxt::config::TransactionExtensions<subxt::SubstrateConfig>>::Params;

/// A signed transaction, ready to send.
type Transaction = subxt::transactions::SubmittableTransaction<
	subxt::SubstrateConfig,
	subxt::client::OnlineClientAtBlockImpl<subxt::SubstrateConfig>,
>;

/// The events of one transaction.
pub type Events = subxt::extrinsics::ExtrinsicEvents<subxt::SubstrateConfig>;
