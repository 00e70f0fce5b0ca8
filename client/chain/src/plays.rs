//! Settling a play: the listener submits the server's signed receipt.

use super::{mismatch, runtime, scale_into, Chain, ChainError, Signer};
use musicchain_primitives::{
	receipt::MAX_HEARTBEATS, ContentHash, Heartbeat, SessionReceipt, SongId,
};
use musicchain_wallet::Account;
use std::time::{Duration, Instant};

/// What a settled play paid, from its `PlaySettled` event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settled {
	pub song: SongId,
	pub heard_ms: u32,
	/// Plays of the song before this one.
	pub prior_plays: u32,
	pub mature: bool,
	pub listener: u128,
	pub server: u128,
	/// The artist's part: owed by the song to its artist and splits, paid
	/// out in batches (or credited, see `credited`).
	pub artist: u128,
	/// Not minted: the song awaits the moderators' approval (or the day's
	/// discovery budget is spent), so the rewards wait as pending credits.
	pub credited: bool,
	pub burned: u128,
	/// From submission to the finalized block that holds it.
	pub took: Duration,
}

/// Why a receipt did not settle.
#[derive(Debug, thiserror::Error)]
pub enum PlayRefused {
	/// The chain judged it: the pallet error's name and what it means.
	#[error("{name}: {meaning}")]
	Rule { name: String, meaning: String },
	#[error(transparent)]
	Chain(#[from] ChainError),
}

/// A rule's name and its meaning out of a dispatch error message, which
/// subxt gives as "... Plays::CooldownActive ... [docs]".
fn rule_of(message: &str) -> Option<(String, String)> {
	let at = message.find("Plays")?;
	let rest = &message[at..];
	let name: String = rest
		.trim_start_matches("Plays")
		.trim_start_matches(|c: char| !c.is_alphanumeric())
		.chars()
		.take_while(|c| c.is_alphanumeric())
		.collect();
	if name.is_empty() {
		return None;
	}
	Some((name.clone(), meaning(&name).to_owned()))
}

/// What each play rule means for the listener.
pub fn meaning(rule: &str) -> &'static str {
	match rule {
		"InsufficientCoverage" => "less than half of the song was played; nothing is earned",
		"RepeatedCoverage" => {
			"the same part was played over and over; it counts once, which is not enough"
		},
		"CooldownActive" => "this song already earned for this account within the last day",
		"DailyLimitReached" => "this account reached today's limit of rewarded plays",
		"FastForward" => "more audio was reported than wall time allows",
		"InstantCompletion" => "the session was shorter than the audio it claims",
		"ReplayedReceipt" => "this receipt was already settled",
		"ReceiptExpired" => "the receipt is too old",
		"ReceiptFromFuture" => "the server's clock is ahead of the chain's",
		"BadServerSignature" => "the server's signature does not verify on this chain",
		"SelfServe" => "a play served by the listener's own account earns nothing",
		"NotAVariant" => "the file played is not a file of this song",
		"SongNotActive" => "the song still awaits its dedupe verdict",
		"UnknownSong" => "no such song on chain",
		"SongRejected" => "the moderators rejected this song; it earns nothing",
		"ServerNotBonded" => {
			"the serving peer holds no serving bond, so its receipts earn nothing \
			 (a server runs `musicchain bond` first)"
		},
		"ServerDailyLimitReached" => "the serving peer reached today's limit of rewarded plays",
		_ => "the chain refused the receipt",
	}
}

/// A serving bond: what a server holds so that its receipts earn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bond {
	pub amount: u128,
	/// When unbonding, the block from which it can be withdrawn.
	pub unbonding_at: Option<u32>,
}

impl Chain {
	/// `who`'s serving bond (runtime API), at the best block.
	pub async fn bond_of(&self, who: [u8; 32]) -> Result<Option<Bond>, ChainError> {
		self.read(|at| async move {
			let bond = at
				.runtime_apis()
				.call(runtime::runtime_apis().musicchain_api().bond(subxt::utils::AccountId32(who)))
				.await
				.map_err(|e| self.api_error(e))?;
			Ok(bond.map(|b| Bond { amount: b.amount, unbonding_at: b.unbonding_at }))
		})
		.await
	}

	/// Holds the serving bond from `server`.
	pub async fn bond(&self, server: &Account) -> Result<(), ChainError> {
		self.submit_until(server, &runtime::tx().plays().bond(), true).await.map(|_| ())
	}

	/// Starts unbonding `server`'s bond: its receipts stop earning at once.
	pub async fn unbond(&self, server: &Account) -> Result<(), ChainError> {
		self.submit_until(server, &runtime::tx().plays().unbond(), true).await.map(|_| ())
	}

	/// Returns `server`'s bond once its unbonding period has passed.
	pub async fn withdraw_bond(&self, server: &Account) -> Result<(), ChainError> {
		self.submit_until(server, &runtime::tx().plays().withdraw_bond(), true).await.map(|_| ())
	}

	/// Pays out what `song` owes its artist and splits now, signed by
	/// `who`, the song's artist or one of its split beneficiaries.
	pub async fn pay_royalties(&self, who: &Account, song: SongId) -> Result<(), ChainError> {
		self.submit_until(who, &runtime::tx().royalties().pay_royalties(song), true)
			.await
			.map(|_| ())
	}

	/// Fails with [`ChainError::NoFunds`] unless `listener` can pay what a
	/// play of `song` (the file `content_hash`, `duration_ms` long) asks
	/// of it: the fee of submitting its receipt for a moment (refunded when
	/// the play counts) and, once the song is past its discovery tier, the
	/// burn. The fee is the node's estimate for a receipt of a whole play.
	pub async fn check_play_funds(
		&self,
		listener: &Account,
		song: SongId,
		content_hash: ContentHash,
		duration_ms: u32,
	) -> Result<(), ChainError> {
		// A receipt of the whole song, one heartbeat every 5 s: its fee
		// depends on its length and weight, not on who signed it.
		let beats = (duration_ms / 5_000 + 1).min(MAX_HEARTBEATS);
		let heartbeats = (0..beats)
			.map(|i| Heartbeat {
				from_ms: i * 5_000,
				to_ms: (i + 1) * 5_000,
				at_ms: u64::from(i + 1) * 5_000,
			})
			.collect::<Vec<_>>()
			.try_into()
			.map_err(|_| ChainError::Other("too many heartbeats".into()))?;
		let receipt = SessionReceipt {
			listener: listener.public(),
			server: [0; 32],
			song,
			content_hash,
			nonce: 0,
			heartbeats,
		};
		let call = runtime::tx().plays().submit(
			scale_into(&receipt)?,
			runtime::runtime_types::sp_runtime::MultiSignature::Sr25519([0; 64]),
		);
		self.read(|at| {
			let call = &call;
			async move {
				let mut transactions = at.transactions();
				let transaction =
						transactions
							.create_signed(
								call,
								&Signer(listener),
								subxt::config::DefaultExtrinsicParamsBuilder::<
									subxt::SubstrateConfig,
								>::new()
								.build(),
							)
							.await
							.map_err(|e| ChainError::Other(e.to_string()))?;
				let fee = transaction.partial_fee_estimate().await.map_err(|e| self.lost(e))?;
				let apis = runtime::runtime_apis().musicchain_api();
				let count = at
					.runtime_apis()
					.call(apis.play_count(song))
					.await
					.map_err(|e| self.api_error(e))?;
				use runtime::runtime_types::musicchain_primitives::traits::Tier;
				let burn = match count.next_tier {
					Tier::Mature => at
						.runtime_apis()
						.call(apis.burn_quote())
						.await
						.map_err(|e| self.api_error(e))?,
					Tier::Discovery => 0,
				};
				let what = if burn > 0 {
					format!(
						"a play (its receipt's fee for a moment, refunded when the play \
							 counts, and the {} a listener burns per play of a song past its \
							 first plays)",
						super::format_music(burn)
					)
				} else {
					"a play (its receipt's fee for a moment, refunded when the play counts)"
						.to_owned()
				};
				self.check_funds(&at, listener.public(), fee.saturating_add(burn), &what).await
			}
		})
		.await
	}

	/// The share of a song the distinct heard ranges of a play must cover
	/// for it to count (the plays pallet's `MinCoverage`).
	pub async fn min_coverage(&self) -> Result<musicchain_primitives::Permill, ChainError> {
		self.read(|at| async move {
			let share = at
				.constants()
				.entry(runtime::constants().plays().min_coverage())
				.map_err(|e| mismatch(&e))?;
			Ok(musicchain_primitives::Permill::from_parts(share.0))
		})
		.await
	}

	/// Submits a server-signed receipt as `listener` and waits for the
	/// finalized block holding it.
	pub async fn submit_receipt(
		&self,
		listener: &Account,
		receipt: &SessionReceipt<[u8; 32]>,
		signature: [u8; 64],
	) -> Result<Settled, PlayRefused> {
		let call = runtime::tx().plays().submit(
			scale_into(receipt)?,
			runtime::runtime_types::sp_runtime::MultiSignature::Sr25519(signature),
		);
		let started = Instant::now();
		let events = match self.submit_until(listener, &call, true).await {
			Ok(events) => events,
			Err(ChainError::Rejected(message)) => {
				return Err(match rule_of(&message) {
					Some((name, meaning)) => PlayRefused::Rule { name, meaning },
					None => PlayRefused::Chain(ChainError::Rejected(message)),
				})
			},
			Err(e) => return Err(e.into()),
		};
		let took = started.elapsed();
		let settled = events
			.find_first::<runtime::plays::events::PlaySettled>()
			.ok_or_else(|| ChainError::Other("the play emitted no PlaySettled event".into()))?
			.map_err(|e| mismatch(&e))?;
		let r = &settled.reward;
		use runtime::runtime_types::musicchain_primitives::traits::Tier;
		Ok(Settled {
			song: settled.song,
			heard_ms: settled.heard_ms,
			prior_plays: r.prior_plays,
			mature: matches!(r.tier, Tier::Mature),
			listener: r.listener,
			server: r.server,
			artist: r.artist,
			credited: r.credited,
			burned: r.burned,
			took,
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn rules_are_named_from_dispatch_errors() {
		let message = "Module error: Plays::CooldownActive: [\"This listener was rewarded\"]";
		let (name, _) = rule_of(message).expect("a plays error");
		assert_eq!(name, "CooldownActive");
		assert!(rule_of("Balances: something").is_none());
	}
}
