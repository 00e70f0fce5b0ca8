//! The runtime end to end: registration and dedupe through the offchain
//! worker, feeless plays with real server signatures, the tier boundary,
//! the moderators' majority, and the figures the design promises.

mod common;

use common::*;
use musicchain_primitives::{
	receipt::realtime_heartbeats, traits::Tier, Format, Metadata, SessionReceipt, SongId, UNIT,
};
use musicchain_runtime::{Plays, Runtime, RuntimeCall};
use pallet_musicchain_songs::{SongStatus, VariantInfo};
use polkadot_sdk::{
	frame_support::BoundedVec,
	sp_keyring::Sr25519Keyring::{self, Alice, Bob, Charlie, Dave, Eve},
	sp_runtime::{DispatchError, MultiSignature},
};

const SONG_MS: u32 = 240_000;

fn register_call(fingerprint: Vec<u32>, file: u8, duration_ms: u32) -> RuntimeCall {
	RuntimeCall::Songs(pallet_musicchain_songs::Call::register {
		fingerprint: compressed(fingerprint),
		duration_ms,
		metadata: Metadata::from_strs("Song", "Eve", "Album", "Pop", Some(2026), Some(1)),
		splits: BoundedVec::truncate_from(vec![(
			Dave.to_account_id(),
			musicchain_primitives::Permill::from_percent(25),
		)]),
		variant: VariantInfo {
			content_hash: [file; 32],
			format: Format::Flac,
			size: 1_000_000,
			piece_size: musicchain_primitives::PIECE_SIZE,
			manifest_root: [file ^ 0xff; 32],
		},
	})
}

fn status(chain: &mut Chain, song: SongId) -> Option<SongStatus> {
	chain.execute(|| pallet_musicchain_songs::Songs::<Runtime>::get(song).map(|r| r.status))
}

/// Eve registers a song (file `[1; 32]`); the offchain worker judges it
/// Unique and it is Active two blocks later.
fn active_song(chain: &mut Chain) -> SongId {
	chain.signed(Eve, register_call(recording(1), 1, SONG_MS)).expect("valid").expect("registers");
	chain.advance(2);
	assert_eq!(status(chain, 0), Some(SongStatus::Active));
	0
}

/// A receipt of `listener` hearing `[from, to)` of song 0 in real time,
/// ending now, signed by `server`.
fn receipt(
	chain: &mut Chain,
	listener: Sr25519Keyring,
	server: Sr25519Keyring,
	ranges: &[(u32, u32)],
	nonce: u64,
) -> RuntimeCall {
	let total: u64 = ranges.iter().map(|(a, b)| u64::from(b - a)).sum();
	let mut at = chain.now_ms - total - 1_000;
	let mut heartbeats = Vec::new();
	for &(from, to) in ranges {
		let part = realtime_heartbeats(from, to, at, 5_000);
		at = part.last().map_or(at, |h| h.at_ms);
		heartbeats.extend(part);
	}
	let receipt = SessionReceipt {
		listener: listener.to_account_id(),
		server: server.to_account_id(),
		song: 0,
		content_hash: [1; 32],
		nonce,
		heartbeats: BoundedVec::truncate_from(heartbeats),
	};
	let genesis = chain.execute(|| musicchain_runtime::System::block_hash(0));
	let signature = server.sign(&receipt.signing_payload(genesis.as_ref()));
	RuntimeCall::Plays(pallet_musicchain_plays::Call::submit {
		receipt,
		server_signature: MultiSignature::Sr25519(signature),
	})
}

fn escrow(chain: &mut Chain, who: Sr25519Keyring) -> u128 {
	chain.execute(|| pallet_musicchain_royalties::Escrow::<Runtime>::get(who.to_account_id()))
}

#[test]
fn presets_carry_the_validators_and_moderators() {
	let mut dev = Chain::dev();
	dev.execute(|| {
		assert_eq!(polkadot_sdk::pallet_aura::Authorities::<Runtime>::get().len(), 1);
		assert_eq!(pallet_collective_members().len(), 3);
		assert!(polkadot_sdk::pallet_sudo::Key::<Runtime>::get() == Some(Alice.to_account_id()));
	});
	let mut local = Chain::new("local_testnet");
	local.execute(|| {
		assert_eq!(polkadot_sdk::pallet_aura::Authorities::<Runtime>::get().len(), 4);
		assert_eq!(polkadot_sdk::pallet_grandpa::Pallet::<Runtime>::grandpa_authorities().len(), 4);
	});
	assert_eq!(musicchain_runtime::TOKEN_DECIMALS, 12);
	assert_eq!(musicchain_runtime::TOKEN_SYMBOL, "MUSIC");
}

fn pallet_collective_members() -> Vec<musicchain_runtime::AccountId> {
	polkadot_sdk::pallet_collective::Members::<Runtime, polkadot_sdk::pallet_collective::Instance1>::get()
}

#[test]
fn the_offchain_worker_activates_a_new_song_and_folds_a_reencoding() {
	let mut chain = Chain::dev();
	let song = active_song(&mut chain);
	// Active by the verdict, long before the timeout would have made it so.
	assert!(
		chain.block_number() <
			<musicchain_runtime::configs::musicchain::VerdictTimeout as polkadot_sdk::frame_support::traits::Get<u32>>::get()
	);

	// Charlie registers another encoding of the same recording: a few items
	// later, low bits off, 300 ms longer.
	let reencoded: Vec<u32> =
		recording(1).into_iter().skip(4).map(|x| if x % 3 == 0 { x ^ 2 } else { x }).collect();
	chain
		.signed(Charlie, register_call(reencoded, 2, SONG_MS + 300))
		.expect("valid")
		.expect("registers");
	assert_eq!(status(&mut chain, 1), Some(SongStatus::Pending));
	chain.advance(2);
	assert_eq!(status(&mut chain, 1), None, "folded away");
	chain.execute(|| {
		assert_eq!(
			pallet_musicchain_songs::Variants::<Runtime>::get([2; 32]).map(|v| v.song),
			Some(song)
		);
		assert_eq!(pallet_musicchain_songs::SongVariants::<Runtime>::get(song).len(), 2);
	});

	// A different recording stays its own song.
	chain.signed(Charlie, register_call(recording(2), 3, SONG_MS)).expect("valid").expect("ok");
	chain.advance(2);
	assert_eq!(status(&mut chain, 2), Some(SongStatus::Active));
}

#[test]
fn a_valid_play_is_feeless_and_pays_listener_server_and_escrow() {
	let mut chain = Chain::dev();
	active_song(&mut chain);
	let (listener, server) = (Charlie.to_account_id(), Bob.to_account_id());
	let before = (chain.free_balance(&listener), chain.free_balance(&server));

	// The seed's example: 0-60 s then 90-150 s of a 240 s song = 50 %.
	let play = receipt(&mut chain, Charlie, Bob, &[(0, 60_000), (90_000, 150_000)], 1);
	chain.signed(Charlie, play).expect("valid").expect("settles");
	assert_eq!(chain.free_balance(&listener), before.0 + UNIT, "exactly +1 MUSIC, no fee");
	assert_eq!(chain.free_balance(&server), before.1 + UNIT);
	// The artist's 1 MUSIC is escrowed, split 25 % to Dave, the rest to Eve.
	assert_eq!(escrow(&mut chain, Eve), UNIT * 3 / 4);
	assert_eq!(escrow(&mut chain, Dave), UNIT / 4);
	// It is minted into the escrow account when the block ends.
	let account = pallet_musicchain_royalties::Pallet::<Runtime>::account_id();
	let held = chain.free_balance(&account);
	chain.advance(1);
	assert_eq!(chain.free_balance(&account), held + UNIT);
	chain.execute(|| {
		assert_eq!(pallet_musicchain_royalties::PendingEscrow::<Runtime>::get(), 0);
		pallet_musicchain_royalties::Pallet::<Runtime>::do_try_state().expect("held == owed");
	});

	// Again at once: the cooldown refuses it, and the refusal pays a fee.
	let again = receipt(&mut chain, Charlie, Bob, &[(0, 150_000)], 2);
	let result = chain.signed(Charlie, again).expect("valid transaction");
	assert_eq!(
		result,
		Err(DispatchError::from(pallet_musicchain_plays::Error::<Runtime>::CooldownActive))
	);
	let after = chain.free_balance(&listener);
	assert!(after < before.0 + UNIT, "a refused play pays its fee");
	println!("fee of a refused play: {} pMUSIC", before.0 + UNIT - after);
}

#[test]
fn half_a_song_is_the_line_and_the_chorus_loop_counts_once() {
	let mut chain = Chain::dev();
	active_song(&mut chain);
	let short = receipt(&mut chain, Charlie, Bob, &[(0, 119_000)], 1);
	assert_eq!(
		chain.signed(Charlie, short).expect("valid"),
		Err(pallet_musicchain_plays::Error::<Runtime>::InsufficientCoverage.into())
	);
	let chorus = vec![(60_000, 80_000); 40];
	let looped = receipt(&mut chain, Charlie, Bob, &chorus, 2);
	assert_eq!(
		chain.signed(Charlie, looped).expect("valid"),
		Err(pallet_musicchain_plays::Error::<Runtime>::RepeatedCoverage.into())
	);
	assert_eq!(escrow(&mut chain, Eve), 0);
}

#[test]
fn the_10001st_play_pays_the_artist_directly_and_burns() {
	let mut chain = Chain::dev();
	active_song(&mut chain);
	// Issuance at 1.5e9 MUSIC: the burn quote is 125 MUSIC.
	chain.execute(|| {
		use polkadot_sdk::frame_support::traits::fungible::Mutate;
		let issuance = polkadot_sdk::pallet_balances::Pallet::<Runtime>::total_issuance();
		let _ = polkadot_sdk::pallet_balances::Pallet::<Runtime>::mint_into(
			&Ferdie(),
			1_500_000_000 * UNIT - issuance,
		);
		pallet_musicchain_royalties::PlayCount::<Runtime>::insert(0, 9_999);
	});
	// The 10,000th play: still discovery.
	let play = receipt(&mut chain, Charlie, Bob, &[(0, 150_000)], 1);
	chain.signed(Charlie, play).expect("valid").expect("settles");
	assert_eq!(escrow(&mut chain, Eve), UNIT * 3 / 4);

	// The 10,001st (Alice listening): artist paid directly, listener burns.
	let (eve, dave, alice) = (Eve.to_account_id(), Dave.to_account_id(), Alice.to_account_id());
	let before = (chain.free_balance(&eve), chain.free_balance(&dave), chain.free_balance(&alice));
	let quote = chain.execute(|| {
		<pallet_musicchain_supply::Pallet<Runtime> as pallet_musicchain_supply::SupplyControl<
			musicchain_runtime::AccountId,
		>>::burn_quote()
	});
	// 1.5e9 MUSIC plus the last play's three rewards: just over 125 MUSIC.
	assert!((125 * UNIT..126 * UNIT).contains(&quote), "{quote}");
	let play = receipt(&mut chain, Alice, Bob, &[(0, 150_000)], 1);
	chain.signed(Alice, play).expect("valid").expect("settles");
	assert_eq!(chain.free_balance(&eve), before.0 + UNIT * 3 / 4);
	assert_eq!(chain.free_balance(&dave), before.1 + UNIT / 4);
	assert_eq!(chain.free_balance(&alice), before.2 - quote, "burns, no discoverer credit");
	assert_eq!(escrow(&mut chain, Eve), UNIT * 3 / 4, "no new escrow");
}

#[allow(non_snake_case)]
fn Ferdie() -> musicchain_runtime::AccountId {
	Sr25519Keyring::Ferdie.to_account_id()
}

#[test]
fn escrow_is_released_by_a_moderator_majority_only() {
	let mut chain = Chain::dev();
	active_song(&mut chain);
	let play = receipt(&mut chain, Charlie, Bob, &[(0, 150_000)], 1);
	chain.signed(Charlie, play).expect("valid").expect("settles");
	let owed = escrow(&mut chain, Eve);
	let release = RuntimeCall::Royalties(pallet_musicchain_royalties::Call::release_escrow {
		beneficiary: Eve.to_account_id(),
	});

	// One moderator alone cannot.
	assert_eq!(chain.signed(Alice, release.clone()).expect("valid"), Err(DispatchError::BadOrigin));
	let propose = |threshold| {
		RuntimeCall::Moderators(polkadot_sdk::pallet_collective::Call::propose {
			threshold,
			proposal: Box::new(release.clone()),
			length_bound: 1_000,
		})
	};
	// A motion passed by one of three executes as 1/3: refused.
	chain.signed(Alice, propose(1)).expect("valid").expect("proposed");
	assert_eq!(escrow(&mut chain, Eve), owed);

	// Two of three: released, to Eve only.
	let eve_before = chain.free_balance(&Eve.to_account_id());
	chain.signed(Alice, propose(2)).expect("valid").expect("proposed");
	type Council = polkadot_sdk::pallet_collective::Instance1;
	let (hash, index) = chain.execute(|| {
		(
			polkadot_sdk::pallet_collective::Proposals::<Runtime, Council>::get()[0],
			polkadot_sdk::pallet_collective::ProposalCount::<Runtime, Council>::get() - 1,
		)
	});
	let vote = RuntimeCall::Moderators(polkadot_sdk::pallet_collective::Call::vote {
		proposal: hash,
		index,
		approve: true,
	});
	chain.signed(Alice, vote.clone()).expect("valid").expect("voted");
	chain.signed(Bob, vote).expect("valid").expect("voted");
	let close = RuntimeCall::Moderators(polkadot_sdk::pallet_collective::Call::close {
		proposal_hash: hash,
		index,
		proposal_weight_bound: weight_of(&release),
		length_bound: 1_000,
	});
	chain.signed(Charlie, close).expect("valid").expect("closed");
	assert_eq!(escrow(&mut chain, Eve), 0);
	assert_eq!(chain.free_balance(&Eve.to_account_id()), eve_before + owed);
}

#[test]
fn figures_state_per_song_and_play_weight() {
	let mut chain = Chain::dev();
	active_song(&mut chain);
	let bytes = chain.execute(|| {
		use codec::Encode;
		let record = pallet_musicchain_songs::Songs::<Runtime>::get(0).expect("song");
		let key = |k: Vec<u8>| k.len();
		key(pallet_musicchain_songs::Songs::<Runtime>::hashed_key_for(0))
			+ record.encode().len()
			+ key(pallet_musicchain_songs::ByFingerprint::<Runtime>::hashed_key_for(
				record.fingerprint_hash,
			)) + 4 + key(pallet_musicchain_songs::Variants::<Runtime>::hashed_key_for([1; 32]))
			+ pallet_musicchain_songs::Variants::<Runtime>::get([1; 32]).encode().len()
			+ key(pallet_musicchain_songs::SongVariants::<Runtime>::hashed_key_for(0))
			+ pallet_musicchain_songs::SongVariants::<Runtime>::get(0).encode().len()
	});
	println!("state per song (one file, one split, keys included): {bytes} bytes");
	assert!(bytes < 1024, "DESIGN §2.1: well under 1 KB per song, got {bytes}");

	let play = receipt(&mut chain, Charlie, Bob, &[(0, 300_000 - 1)], 1);
	let transfer =
		RuntimeCall::Balances(polkadot_sdk::pallet_balances::Call::transfer_keep_alive {
			dest: Bob.to_account_id().into(),
			value: UNIT,
		});
	let (declared, t) = (weight_of(&play), weight_of(&transfer));
	let RuntimeCall::Plays(pallet_musicchain_plays::Call::submit { receipt, .. }) = &play else {
		unreachable!("a plays.submit call")
	};
	let h = receipt.heartbeats.len();
	assert_eq!(h, 60, "five minutes of heartbeats every 5 s");
	let block_weights = <Runtime as polkadot_sdk::frame_system::Config>::BlockWeights::get();
	let normal_class =
		block_weights.get(polkadot_sdk::frame_support::dispatch::DispatchClass::Normal);
	let (base, normal) = (normal_class.base_extrinsic, normal_class.max_total.unwrap_or_default());
	let us = |w: polkadot_sdk::frame_support::weights::Weight| w.ref_time() as f64 / 1e6;
	println!(
		"weight of balances.transfer_keep_alive: {:.1} us (+ {:.1} us per extrinsic)",
		us(t),
		us(base)
	);
	println!("weight of plays.submit with 60 heartbeats, as a multiple of a transfer:");
	for (what, w) in [
		("declared (8 splits, costlier tier)", declared),
		("discovery tier, 1 split", Plays::submit_weight(h, 1, Some(Tier::Discovery))),
		("mature tier, 1 split", Plays::submit_weight(h, 1, Some(Tier::Mature))),
		("discovery tier, no split", Plays::submit_weight(h, 0, Some(Tier::Discovery))),
	] {
		println!(
			"  {what}: {:.1} us = {:.2}x; with the extrinsic base {:.2}x, {:.0} plays per second of chain",
			us(w),
			w.ref_time() as f64 / t.ref_time() as f64,
			(w + base).ref_time() as f64 / (t + base).ref_time() as f64,
			normal.ref_time() as f64 / (w + base).ref_time() as f64 / 6.0,
		);
	}
}
