//! The moderator council: a moderation act (approving or rejecting a song
//! or an artist, slashing a serving bond, releasing escrow, hiding a song)
//! is a motion of the `Moderators` collective that passes with more
//! than half of the members. The first moderator to ask proposes it; each
//! next one votes aye; whoever brings the ayes to the threshold closes it,
//! which dispatches the act.

use super::{mismatch, runtime, Chain, ChainError};
use musicchain_primitives::SongId;
use musicchain_wallet::Account;
use subxt::utils::{AccountId32, H256};

type RuntimeCall = runtime::runtime_types::musicchain_runtime::RuntimeCall;

/// A moderation act.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
	/// Approve a song: its deposit goes back and its pending credits are
	/// paid out; later plays pay directly.
	ApproveSong(SongId),
	/// Reject a song: its deposit is burned, its credits void, and it never
	/// earns again.
	RejectSong(SongId),
	/// Approve an artist: all of the account's songs, now and later.
	ApproveArtist([u8; 32]),
	/// Settle a dispute: the song's royalties go to this account from now on.
	Reassign(SongId, [u8; 32]),
	/// Burn a server's serving bond.
	SlashBond([u8; 32]),
	/// Pay out what is escrowed for this account, to this account.
	ReleaseEscrow([u8; 32]),
	Hide(SongId),
	Unhide(SongId),
}

impl Act {
	fn call(self) -> RuntimeCall {
		use runtime::runtime_types::{
			pallet_musicchain_plays::pallet::Call as Plays,
			pallet_musicchain_royalties::pallet::Call as Royalties,
			pallet_musicchain_songs::pallet::Call as Songs,
		};
		match self {
			Act::ApproveSong(song) => RuntimeCall::Songs(Songs::approve_song { song }),
			Act::RejectSong(song) => RuntimeCall::Songs(Songs::reject_song { song }),
			Act::ApproveArtist(who) => {
				RuntimeCall::Songs(Songs::approve_artist { artist: AccountId32(who) })
			},
			Act::Reassign(song, who) => {
				RuntimeCall::Songs(Songs::reassign_artist { song, artist: AccountId32(who) })
			},
			Act::SlashBond(who) => {
				RuntimeCall::Plays(Plays::slash_bond { server: AccountId32(who) })
			},
			Act::ReleaseEscrow(who) => {
				RuntimeCall::Royalties(Royalties::release_escrow { beneficiary: AccountId32(who) })
			},
			Act::Hide(song) => RuntimeCall::Songs(Songs::hide { song }),
			Act::Unhide(song) => RuntimeCall::Songs(Songs::unhide { song }),
		}
	}
}

/// Where a motion stands after this moderator's step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Motion {
	/// Proposed or voted on; more ayes are needed.
	Open { index: u32, ayes: u32, threshold: u32 },
	/// Closed with enough ayes and dispatched: `Ok` if the act succeeded,
	/// or why it failed.
	Executed { index: u32, result: Result<(), String> },
}

impl Chain {
	/// The council's members at the best block.
	pub async fn moderators(&self) -> Result<Vec<[u8; 32]>, ChainError> {
		self.read(|at| async move {
			let entry = at
				.storage()
				.entry(runtime::storage().moderators().members())
				.map_err(|e| mismatch(&e))?;
			let members = entry.fetch(()).await.map_err(|e| self.storage_error(e))?;
			let members = members.decode().map_err(|e| mismatch(&e))?;
			Ok(members.into_iter().map(|a| a.0).collect())
		})
		.await
	}

	/// Takes `moderator`'s step on `act`: propose it, or vote aye on the
	/// open motion for it, then close the motion once it has the ayes.
	pub async fn moderate(&self, moderator: &Account, act: Act) -> Result<Motion, ChainError> {
		let members = self.moderators().await?;
		if !members.contains(&moderator.public()) {
			return Err(ChainError::Other(format!(
				"{} is not a moderator (the council has {} members)",
				moderator.address(),
				members.len()
			)));
		}
		let call = act.call();
		let encoded = codec::Encode::encode(&call);
		let length_bound = encoded.len() as u32;
		let hash = H256(musicchain_primitives::blake2_256(&encoded));
		let threshold = members.len() as u32 / 2 + 1;

		let mut voting = match self.motion(hash).await? {
			Some(v) => v,
			None => {
				let propose = runtime::tx().moderators().propose(threshold, call, length_bound);
				self.submit(moderator, &propose).await?;
				self.motion(hash).await?.ok_or_else(|| {
					ChainError::Other("the motion was proposed but is not open".into())
				})?
			},
		};
		let me = AccountId32(moderator.public());
		if !voting.ayes.contains(&me) {
			let vote = runtime::tx().moderators().vote(hash, voting.index, true);
			self.submit(moderator, &vote).await?;
			voting = self.motion(hash).await?.unwrap_or(voting);
		}
		let ayes = voting.ayes.len() as u32;
		if ayes < voting.threshold {
			return Ok(Motion::Open { index: voting.index, ayes, threshold: voting.threshold });
		}
		let weight_bound = runtime::runtime_types::sp_weights::weight_v2::Weight {
			ref_time: 10_000_000_000,
			proof_size: 1_000_000,
		};
		let close =
			runtime::tx().moderators().close(hash, voting.index, weight_bound, length_bound);
		let events = self.submit(moderator, &close).await?;
		let executed = events
			.find_first::<runtime::moderators::events::Executed>()
			.ok_or_else(|| ChainError::Other("the motion closed without being executed".into()))?
			.map_err(|e| mismatch(&e))?;
		Ok(Motion::Executed {
			index: voting.index,
			result: executed.result.map_err(|e| format!("{e:?}")),
		})
	}

	async fn motion(
		&self,
		hash: H256,
	) -> Result<
		Option<runtime::runtime_types::pallet_collective::Votes<AccountId32, u32>>,
		ChainError,
	> {
		self.read(|at| async move {
			let entry = at
				.storage()
				.entry(runtime::storage().moderators().voting())
				.map_err(|e| mismatch(&e))?;
			let found = entry.try_fetch((hash,)).await.map_err(|e| self.storage_error(e))?;
			found.map(|v| v.decode().map_err(|e| mismatch(&e))).transpose()
		})
		.await
	}
}
