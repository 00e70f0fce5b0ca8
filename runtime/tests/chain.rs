//! The runtime end to end: registration and dedupe through the offchain
//! worker, feeless plays with real server signatures (credited until the
//! moderators approve the song), the tier boundary, the moderators'
//! majority, and the figures the design promises.

mod common;

use common::*;
use musicchain_primitives::{
	traits::{PlayReward, Tier},
	Format, Metadata, SongId, UNIT,
};
use musicchain_runtime::{genesis_config_presets::ENDOWMENT, Plays, Runtime, RuntimeCall};
use pallet_musicchain_songs::{SongStatus, VariantInfo};
use polkadot_sdk::{
	frame_support::BoundedVec,
	sp_keyring::Sr25519Keyring::{self, Alice, Bob, Charlie, Dave, Eve},
	sp_runtime::DispatchError,
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
			content_hash: musicchain_primitives::ContentHash([file; 32]),
			format: Format::Flac,
			size: 1_000_000,
			piece_size: musicchain_primitives::PIECE_SIZE,
			manifest_root: musicchain_primitives::ManifestRoot([file ^ 0xff; 32]),
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

/// A receipt of `listener` hearing `[from, to)` of song 0 (file `[1; 32]`)
/// in real time, ending now, signed by `server`.
fn receipt(
	chain: &mut Chain,
	listener: Sr25519Keyring,
	server: Sr25519Keyring,
	ranges: &[(u32, u32)],
	nonce: u64,
) -> RuntimeCall {
	play_call(
		chain,
		&listener.pair(),
		&server.pair(),
		(0, musicchain_primitives::ContentHash([1; 32])),
		ranges,
		nonce,
	)
}

/// `who`'s pending credit for song 0.
fn credit(chain: &mut Chain, who: Sr25519Keyring) -> u128 {
	chain.execute(|| pallet_musicchain_royalties::Credits::<Runtime>::get(0, who.to_account_id()))
}

/// Total issuance with what the block mints at its end (the artists'
/// parts of its plays, into the royalty account): what the cap counts.
fn issuance(chain: &mut Chain) -> u128 {
	chain.execute(pallet_musicchain_supply::Pallet::<Runtime>::issuance)
}

/// What song 0 owes its artist and splits, and has credited them.
fn ledger(chain: &mut Chain) -> pallet_musicchain_royalties::SongLedger {
	chain.execute(|| pallet_musicchain_royalties::Ledger::<Runtime>::get(0))
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
			pallet_musicchain_songs::Variants::<Runtime>::get(musicchain_primitives::ContentHash(
				[2; 32]
			))
			.map(|v| v.song),
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
fn a_valid_play_is_free_and_credited_until_the_moderators_approve_the_song() {
	let mut chain = Chain::dev();
	active_song(&mut chain);
	bond(&mut chain, Bob);
	let (listener, server) = (Charlie.to_account_id(), Bob.to_account_id());
	let before = (chain.free_balance(&listener), chain.free_balance(&server));
	let supply = issuance(&mut chain);

	// The seed's example: 0-60 s then 90-150 s of a 240 s song = 50 %.
	let play = receipt(&mut chain, Charlie, Bob, &[(0, 60_000), (90_000, 150_000)], 1);
	chain.signed(Charlie, play).expect("valid").expect("settles");
	// Not approved: nothing minted, nothing paid, no fee kept.
	assert_eq!(chain.free_balance(&listener), before.0, "no fee, no mint");
	assert_eq!(chain.free_balance(&server), before.1);
	assert_eq!(issuance(&mut chain), supply, "total issuance does not move");
	assert_eq!(credit(&mut chain, Charlie), UNIT);
	assert_eq!(credit(&mut chain, Bob), UNIT);
	// The artist's 1 MUSIC, credited to the song; split 25 % to Dave, the
	// rest to Eve, when it is paid.
	assert_eq!(ledger(&mut chain).credited, UNIT);
	assert_eq!(credit(&mut chain, Eve), 0);

	// The moderators approve it: the credits are paid in the next block.
	let eve = chain.free_balance(&Eve.to_account_id());
	council(
		&mut chain,
		RuntimeCall::Songs(pallet_musicchain_songs::Call::approve_song { song: 0 }),
	);
	// (Bob and Charlie are moderators too: their votes paid fees.)
	let before = (chain.free_balance(&listener), chain.free_balance(&server));
	chain.advance(1);
	assert_eq!(chain.free_balance(&listener), before.0 + UNIT, "exactly +1 MUSIC");
	assert_eq!(chain.free_balance(&server), before.1 + UNIT);
	// Eve's deposit came back with the approval, and 0.75 MUSIC of credits.
	assert_eq!(chain.free_balance(&Eve.to_account_id()), eve + 10 * UNIT + UNIT * 3 / 4);
	assert_eq!(chain.free_balance(&Dave.to_account_id()), ENDOWMENT + UNIT / 4);
	assert_eq!(credit(&mut chain, Charlie), 0);
	assert_eq!(ledger(&mut chain).credited, 0);
	chain.execute(|| {
		pallet_musicchain_royalties::Pallet::<Runtime>::do_try_state().expect("held == owed");
		pallet_musicchain_songs::Pallet::<Runtime>::do_try_state().expect("registry");
		pallet_musicchain_plays::Pallet::<Runtime>::do_try_state().expect("plays");
	});

	// Again at once: the cooldown refuses it, and the refusal pays a fee.
	let paid = chain.free_balance(&listener);
	let again = receipt(&mut chain, Charlie, Bob, &[(0, 150_000)], 2);
	let result = chain.signed(Charlie, again).expect("valid transaction");
	assert_eq!(
		result,
		Err(DispatchError::from(pallet_musicchain_plays::Error::<Runtime>::CooldownActive))
	);
	let after = chain.free_balance(&listener);
	assert!(after < paid, "a refused play pays its fee");
	println!("fee of a refused play: {} pMUSIC", paid - after);

	// Approved, a new listener's play pays at once; the artist's part is
	// owed by the song until its payout.
	let supply = issuance(&mut chain);
	let alice = chain.free_balance(&Alice.to_account_id());
	let play = receipt(&mut chain, Alice, Bob, &[(0, 150_000)], 1);
	chain.signed(Alice, play).expect("valid").expect("settles");
	assert_eq!(chain.free_balance(&Alice.to_account_id()), alice + UNIT);
	assert_eq!(issuance(&mut chain), supply + 3 * UNIT);
	assert_eq!(ledger(&mut chain).owed, UNIT);
	chain.advance(1);
	assert_eq!(issuance(&mut chain), supply + 3 * UNIT, "minted into the royalty account");
}

#[test]
fn half_a_song_is_the_line_and_the_chorus_loop_counts_once() {
	let mut chain = Chain::dev();
	active_song(&mut chain);
	bond(&mut chain, Bob);
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
	assert_eq!(ledger(&mut chain), Default::default(), "no play counted, nothing credited");
}

#[test]
fn the_10001st_play_pays_the_artist_directly_and_burns() {
	let mut chain = Chain::dev();
	active_song(&mut chain);
	bond(&mut chain, Bob);
	approve_directly(&mut chain, 0);
	// Issuance at 1.5e9 MUSIC: the burn quote is 125 MUSIC.
	chain.execute(|| {
		use polkadot_sdk::frame_support::traits::fungible::Mutate;
		let issuance = polkadot_sdk::pallet_balances::Pallet::<Runtime>::total_issuance();
		let _ = polkadot_sdk::pallet_balances::Pallet::<Runtime>::mint_into(
			&Ferdie(),
			1_500_000_000 * UNIT - issuance,
		);
		pallet_musicchain_royalties::Ledger::<Runtime>::mutate(0, |l| l.plays = 9_999);
	});
	// The 10,000th play: still discovery, a discoverer credit for Charlie.
	let charlie = chain.free_balance(&Charlie.to_account_id());
	let play = receipt(&mut chain, Charlie, Bob, &[(0, 150_000)], 1);
	chain.signed(Charlie, play).expect("valid").expect("settles");
	assert_eq!(chain.free_balance(&Charlie.to_account_id()), charlie + UNIT);

	// The 10,001st (Alice listening): artist paid without the moderators,
	// listener burns.
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
	assert_eq!(chain.free_balance(&alice), before.2 - quote, "burns, no discoverer credit");
	// The artist's part of both plays is owed by the song. Its payees may
	// pay it out at once; a stranger (Ferdie) may not.
	assert_eq!(ledger(&mut chain).owed, 2 * UNIT);
	assert_eq!(chain.free_balance(&eve), before.0);
	let pay = RuntimeCall::Royalties(pallet_musicchain_royalties::Call::pay_royalties { song: 0 });
	assert_eq!(
		chain.signed(Sr25519Keyring::Ferdie, pay).expect("valid"),
		Err(pallet_musicchain_royalties::Error::<Runtime>::NotAPayee.into())
	);
	assert_eq!(ledger(&mut chain).owed, 2 * UNIT, "nothing paid");
	// Dave, a split beneficiary, may (called outside a transaction: no fee).
	chain.execute(|| {
		musicchain_runtime::Royalties::pay_royalties(
			musicchain_runtime::RuntimeOrigin::signed(dave.clone()),
			0,
		)
		.expect("paid")
	});
	assert_eq!(chain.free_balance(&eve), before.0 + 2 * UNIT * 3 / 4);
	assert_eq!(chain.free_balance(&dave), before.1 + 2 * UNIT / 4);
	assert_eq!(ledger(&mut chain).owed, 0);
}

#[allow(non_snake_case)]
fn Ferdie() -> musicchain_runtime::AccountId {
	Sr25519Keyring::Ferdie.to_account_id()
}

/// Makes song `song` approved without the council (for tests of other rules).
fn approve_directly(chain: &mut Chain, song: SongId) {
	chain.execute(|| {
		pallet_musicchain_songs::Vetting::<Runtime>::insert(
			song,
			pallet_musicchain_songs::Decision::Approved,
		)
	});
}

/// `who` bonds to serve.
fn bond(chain: &mut Chain, who: Sr25519Keyring) {
	chain
		.signed(who, RuntimeCall::Plays(pallet_musicchain_plays::Call::bond {}))
		.expect("valid")
		.expect("bonds");
}

type Council = polkadot_sdk::pallet_collective::Instance1;

/// Alice proposes `call` to the moderators with a threshold of 2, Alice and
/// Bob vote aye, and Charlie closes the motion, which dispatches it.
fn council(chain: &mut Chain, call: RuntimeCall) {
	let propose = RuntimeCall::Moderators(polkadot_sdk::pallet_collective::Call::propose {
		threshold: 2,
		proposal: Box::new(call.clone()),
		length_bound: 1_000,
	});
	chain.signed(Alice, propose).expect("valid").expect("proposed");
	let (hash, index) = chain.execute(|| {
		let proposals = polkadot_sdk::pallet_collective::Proposals::<Runtime, Council>::get();
		(
			proposals[proposals.len() - 1],
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
		proposal_weight_bound: weight_of(&call),
		length_bound: 1_000,
	});
	chain.signed(Charlie, close).expect("valid").expect("closed");
}

#[test]
fn approval_takes_a_moderator_majority() {
	let mut chain = Chain::dev();
	active_song(&mut chain);
	let approve = RuntimeCall::Songs(pallet_musicchain_songs::Call::approve_song { song: 0 });
	let approved = |chain: &mut Chain| {
		chain.execute(|| pallet_musicchain_songs::Vetting::<Runtime>::get(0).is_some())
	};

	// One moderator alone cannot, not even the artist's friend who is sudo.
	assert_eq!(chain.signed(Alice, approve.clone()).expect("valid"), Err(DispatchError::BadOrigin));
	// A motion passed by one of three executes as 1/3: refused.
	let propose_one = RuntimeCall::Moderators(polkadot_sdk::pallet_collective::Call::propose {
		threshold: 1,
		proposal: Box::new(approve.clone()),
		length_bound: 1_000,
	});
	chain.signed(Alice, propose_one).expect("valid").expect("proposed");
	assert!(!approved(&mut chain));

	// Two of three: approved, the deposit back to Eve.
	let eve_before = chain.free_balance(&Eve.to_account_id());
	council(&mut chain, approve);
	assert!(approved(&mut chain));
	assert_eq!(chain.free_balance(&Eve.to_account_id()), eve_before + 10 * UNIT);
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
			)) + 4 + key(pallet_musicchain_songs::Variants::<Runtime>::hashed_key_for(
			musicchain_primitives::ContentHash([1; 32]),
		)) + pallet_musicchain_songs::Variants::<Runtime>::get(musicchain_primitives::ContentHash(
			[1; 32],
		))
		.encode()
		.len() + key(pallet_musicchain_songs::SongVariants::<Runtime>::hashed_key_for(0))
			+ pallet_musicchain_songs::SongVariants::<Runtime>::get(0).encode().len()
	});
	// Until the moderators decide: the deposit and the artist's listing.
	let vetting = chain.execute(|| {
		use codec::Encode;
		let eve = Eve.to_account_id();
		pallet_musicchain_songs::Deposits::<Runtime>::hashed_key_for(0).len()
			+ pallet_musicchain_songs::Deposits::<Runtime>::get(0).encode().len()
			+ pallet_musicchain_songs::UnvettedSongs::<Runtime>::hashed_key_for(&eve, 0).len()
	});
	println!("state per song (one file, one split, keys included): {bytes} bytes");
	println!("  while it awaits the moderators (deposit, listing): {} bytes more", vetting);
	assert!(bytes + vetting < 1024, "DESIGN §2.1: well under 1 KB per song");
	let credit_bytes = chain.execute(|| {
		use codec::Encode;
		pallet_musicchain_royalties::Credits::<Runtime>::hashed_key_for(0, Eve.to_account_id())
			.len() + 0u128.encode().len()
	});
	println!(
		"state per pending credit (one account's of one song, key included): {credit_bytes} bytes"
	);
	bond(&mut chain, Bob);

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
	let settled = |tier, credited| PlayReward {
		tier,
		prior_plays: 0,
		listener: 0,
		server: 0,
		artist: 0,
		credited,
		burned: 0,
		refused_mints: 0,
	};
	let approved = |s, tier| Plays::submit_weight(h, s, Some(settled(tier, false)));
	let credited = |s| Plays::submit_weight(h, s, Some(settled(Tier::Discovery, true)));
	for (what, w) in [
		("declared (8 splits, costliest settlement)", declared),
		("approved, discovery tier, 1 split", approved(1, Tier::Discovery)),
		("approved, discovery tier, no split", approved(0, Tier::Discovery)),
		("approved, mature tier, 1 split", approved(1, Tier::Mature)),
		("not approved (credited), 1 split", credited(1)),
		("not approved (credited), no split", credited(0)),
	] {
		println!(
			"  {what}: {:.1} us = {:.2}x; with the extrinsic base {:.2}x, {:.0} plays per second of chain",
			us(w),
			w.ref_time() as f64 / t.ref_time() as f64,
			(w + base).ref_time() as f64 / (t + base).ref_time() as f64,
			normal.ref_time() as f64 / (w + base).ref_time() as f64 / 6.0,
		);
		// The design's bound (#14): weights are constants of the runtime,
		// so this fails only when a re-measured or changed settlement
		// breaks it.
		assert!(
			(w + base).ref_time() <= 3 * (t + base).ref_time(),
			"{what}: plays.submit must stay within 3x a transfer, base included"
		);
	}
	// The artist's part is paid out in batches: each play carries its share
	// of a payout (one per `RoyaltyPayoutAt` of debt).
	use polkadot_sdk::frame_support::traits::Get;
	type PayoutAt = <Runtime as pallet_musicchain_royalties::Config>::RoyaltyPayoutAt;
	type Reward = <Runtime as pallet_musicchain_royalties::Config>::Reward;
	let plays_per_payout = <PayoutAt as Get<u128>>::get() / <Reward as Get<u128>>::get();
	for s in [0, 1, 8] {
		let payout = <<Runtime as pallet_musicchain_royalties::Config>::WeightInfo as pallet_musicchain_royalties::WeightInfo>::pay_royalties(s);
		println!(
			"  the payout of {plays_per_payout} plays' royalties, {s} split(s): {:.1} us, {:.1} us a play",
			us(payout),
			us(payout) / plays_per_payout as f64,
		);
	}
}

#[test]
fn staging_root_takes_two_of_the_three_committee_members() {
	use musicchain_runtime::genesis_config_presets::{committee_root, technical_committee};
	use polkadot_sdk::{
		frame_support::weights::Weight, pallet_multisig, sp_keyring::Sr25519Keyring::Ferdie,
	};
	let mut chain = Chain::new("staging");
	let root = committee_root();
	chain.execute(|| {
		assert_eq!(polkadot_sdk::pallet_sudo::Key::<Runtime>::get(), Some(root.clone()));
		assert!(!technical_committee().contains(&root));
	});
	let set_budget = RuntimeCall::Sudo(polkadot_sdk::pallet_sudo::Call::sudo {
		call: Box::new(RuntimeCall::Royalties(
			pallet_musicchain_royalties::Call::set_discovery_budget { budget: 123 * UNIT },
		)),
	});
	let before = chain.execute(chain_budget);
	// No single member is Root: not through sudo...
	assert!(chain.signed(Dave, set_budget.clone()).expect("included").is_err());
	let others = |who: Sr25519Keyring| -> Vec<_> {
		technical_committee().into_iter().filter(|a| *a != who.to_account_id()).collect()
	};
	let as_multi = |who, timepoint| {
		RuntimeCall::Multisig(pallet_multisig::Call::as_multi {
			threshold: 2,
			other_signatories: others(who),
			maybe_timepoint: timepoint,
			call: Box::new(set_budget.clone()),
			max_weight: Weight::from_parts(10_000_000_000, 1_000_000),
		})
	};
	// ...nor through the multisig alone: the first signature only opens it.
	assert_eq!(chain.signed(Dave, as_multi(Dave, None)), Ok(Ok(())));
	chain.next_block();
	assert_eq!(chain.execute(chain_budget), before);
	let call_hash = polkadot_sdk::sp_io::hashing::blake2_256(&codec::Encode::encode(&set_budget));
	let timepoint = chain
		.execute(|| pallet_multisig::Multisigs::<Runtime>::get(&root, call_hash))
		.expect("the open multisig operation")
		.when;
	// A second member's signature executes it as Root.
	assert_eq!(chain.signed(Ferdie, as_multi(Ferdie, Some(timepoint))), Ok(Ok(())));
	assert_eq!(chain.execute(chain_budget), 123 * UNIT);
}

fn chain_budget() -> u128 {
	pallet_musicchain_royalties::DiscoveryBudget::<Runtime>::get()
}
