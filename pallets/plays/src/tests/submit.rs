use crate::{mock::*, DailyPlays, DayCount, Error, Event, LastPlay, PlayMark, WeightInfo};
use musicchain_primitives::{metadata::MAX_SPLITS, receipt::Heartbeat, BoundedVec, Permill};
use polkadot_sdk::{
	frame_support::{
		assert_noop, assert_ok,
		dispatch::{GetDispatchInfo, Pays},
	},
	sp_keyring::Sr25519Keyring,
};

fn submit(
	r: &musicchain_primitives::SessionReceipt<AccountId>,
) -> polkadot_sdk::frame_support::dispatch::DispatchResultWithPostInfo {
	Plays::submit(RuntimeOrigin::signed(listener()), r.clone(), sign(r))
}

fn with_heartbeats(hb: Vec<Heartbeat>) -> musicchain_primitives::SessionReceipt<AccountId> {
	let mut r = receipt_for(&[(0, 10_000)], 1);
	r.heartbeats = BoundedVec::truncate_from(hb);
	r
}

#[test]
fn seed_example_settles_once_and_is_free() {
	test(|| {
		// Heard 0-60 s, then 90-150 s of a 240 s song: 120 s = 50 %.
		let r = receipt_for(&[(0, 60_000), (90_000, 150_000)], 1);
		let info = submit(&r).expect("valid play");
		assert_eq!(info.pays_fee, Pays::No);
		assert_eq!(settled_count(), 1);
		// The cooldown runs from the chain time the play settled at.
		assert_eq!(
			LastPlay::<Test>::get(listener(), SONG),
			Some(PlayMark { nonce: 1, at_ms: NOW })
		);
		assert_eq!(
			DailyPlays::<Test>::get(listener()),
			Some(DayCount { day: (NOW / crate::DAY_MS) as u32, count: 1 })
		);
		assert!(matches!(
			System::events().last().map(|e| e.event.clone()),
			Some(RuntimeEvent::Plays(Event::PlaySettled { heard_ms: 120_000, .. }))
		));
	});
}

#[test]
fn hidden_song_still_settles() {
	test(|| {
		SONGS.with(|s| s.borrow_mut()[0].status = Status::Hidden);
		assert_ok!(submit(&receipt_for(&[(0, 130_000)], 1)));
		assert_eq!(settled_count(), 1);
	});
}

#[test]
fn chorus_on_loop_is_rejected() {
	test(|| {
		// The same 20 s forty times, in real time.
		let mut hb = Vec::new();
		let mut at = NOW - 900_000;
		for _ in 0..40 {
			for (a, b) in [(60_000, 70_000), (70_000, 80_000)] {
				at += 10_000;
				hb.push(Heartbeat { from_ms: a, to_ms: b, at_ms: at });
			}
		}
		assert_noop!(submit(&with_heartbeats(hb)), Error::<Test>::RepeatedCoverage);
	});
}

#[test]
fn below_half_is_rejected() {
	test(|| {
		assert_noop!(submit(&receipt_for(&[(0, 119_000)], 1)), Error::<Test>::InsufficientCoverage);
	});
}

#[test]
fn replayed_nonce_is_rejected() {
	test(|| {
		let r = receipt_for(&[(0, 130_000)], 5);
		assert_ok!(submit(&r));
		assert_noop!(submit(&r), Error::<Test>::ReplayedReceipt);
	});
}

#[test]
fn fast_forward_is_rejected() {
	test(|| {
		// 15 s of audio per 10 s of wall time.
		let hb: Vec<Heartbeat> = (0..16u32)
			.map(|i| Heartbeat {
				from_ms: i * 15_000,
				to_ms: (i + 1) * 15_000,
				at_ms: NOW - 200_000 + u64::from(i) * 10_000,
			})
			.collect();
		assert_noop!(submit(&with_heartbeats(hb)), Error::<Test>::FastForward);
	});
}

#[test]
fn instant_completion_is_rejected() {
	test(|| {
		let hb = vec![Heartbeat { from_ms: 0, to_ms: DURATION, at_ms: NOW - 1_000 }];
		assert_noop!(submit(&with_heartbeats(hb)), Error::<Test>::InstantCompletion);
	});
}

#[test]
fn self_serve_is_rejected() {
	test(|| {
		let mut r = receipt_for(&[(0, 130_000)], 1);
		r.server = listener();
		let sig = sign_with(Sr25519Keyring::Alice, &r, &GENESIS);
		assert_noop!(
			Plays::submit(RuntimeOrigin::signed(listener()), r, sig),
			Error::<Test>::SelfServe
		);
	});
}

#[test]
fn signer_must_be_the_listener() {
	test(|| {
		let r = receipt_for(&[(0, 130_000)], 1);
		let sig = sign(&r);
		assert_noop!(
			Plays::submit(RuntimeOrigin::signed(Sr25519Keyring::Charlie.to_account_id()), r, sig),
			Error::<Test>::SignerNotListener
		);
	});
}

#[test]
fn stale_and_future_receipts_are_rejected() {
	test(|| {
		let mut r = receipt_for(&[(0, 130_000)], 1);
		for h in r.heartbeats.iter_mut() {
			h.at_ms -= 25 * 3_600_000;
		}
		assert_noop!(submit(&r), Error::<Test>::ReceiptExpired);
		let mut r = receipt_for(&[(0, 130_000)], 1);
		for h in r.heartbeats.iter_mut() {
			h.at_ms += 200_000;
		}
		assert_noop!(submit(&r), Error::<Test>::ReceiptFromFuture);
	});
}

#[test]
fn forged_or_wrong_chain_signature_is_rejected() {
	test(|| {
		let r = receipt_for(&[(0, 130_000)], 1);
		let forged = sign_with(Sr25519Keyring::Charlie, &r, &GENESIS);
		assert_noop!(
			Plays::submit(RuntimeOrigin::signed(listener()), r.clone(), forged),
			Error::<Test>::BadServerSignature
		);
		let other_chain = sign_with(Sr25519Keyring::Bob, &r, &[0x43; 32]);
		assert_noop!(
			Plays::submit(RuntimeOrigin::signed(listener()), r.clone(), other_chain),
			Error::<Test>::BadServerSignature
		);
		// A valid signature over a receipt that was changed afterwards.
		let sig = sign(&r);
		let mut tampered = r;
		tampered.nonce += 1;
		assert_noop!(
			Plays::submit(RuntimeOrigin::signed(listener()), tampered, sig),
			Error::<Test>::BadServerSignature
		);
	});
}

#[test]
fn song_and_file_must_be_playable() {
	test(|| {
		let mut r = receipt_for(&[(0, 130_000)], 1);
		r.content_hash = musicchain_primitives::ContentHash([0xbb; 32]);
		assert_noop!(submit(&r), Error::<Test>::NotAVariant);
		let mut r = receipt_for(&[(0, 130_000)], 1);
		r.song = 99;
		assert_noop!(submit(&r), Error::<Test>::UnknownSong);
		SONGS.with(|s| s.borrow_mut()[0].status = Status::Pending);
		assert_noop!(submit(&receipt_for(&[(0, 130_000)], 1)), Error::<Test>::SongNotActive);
	});
}

#[test]
fn malformed_heartbeats_are_rejected() {
	test(|| {
		assert_noop!(submit(&with_heartbeats(vec![])), Error::<Test>::NoHeartbeats);
		let mut hb = receipt_for(&[(0, 130_000)], 1).heartbeats.into_inner();
		hb.swap(2, 3);
		assert_noop!(submit(&with_heartbeats(hb)), Error::<Test>::HeartbeatsOutOfOrder);
		let bad = vec![Heartbeat { from_ms: 5_000, to_ms: 5_000, at_ms: NOW - 10 }];
		assert_noop!(submit(&with_heartbeats(bad)), Error::<Test>::InvalidHeartbeatRange);
		let past_end =
			vec![Heartbeat { from_ms: DURATION - 1_000, to_ms: DURATION + 1_000, at_ms: NOW - 10 }];
		assert_noop!(submit(&with_heartbeats(past_end)), Error::<Test>::InvalidHeartbeatRange);
		// The mock allows 100 heartbeats (the runtime: enough for a 6 h song).
		let many: Vec<Heartbeat> = (0..101u32)
			.map(|i| Heartbeat { from_ms: i, to_ms: i + 1, at_ms: NOW - 100_000 + u64::from(i) })
			.collect();
		assert_noop!(submit(&with_heartbeats(many)), Error::<Test>::TooManyHeartbeats);
	});
}

#[test]
fn cooldown_per_listener_and_song() {
	test(|| {
		assert_ok!(submit(&receipt_for(&[(0, 130_000)], 1)));
		assert_noop!(submit(&receipt_for(&[(0, 130_000)], 2)), Error::<Test>::CooldownActive);
		// A day later the same song pays again.
		polkadot_sdk::pallet_timestamp::Now::<Test>::put(NOW + 24 * 3_600_000 + 600_000);
		let mut r = receipt_for(&[(0, 130_000)], 3);
		for h in r.heartbeats.iter_mut() {
			h.at_ms += 24 * 3_600_000 + 600_000;
		}
		assert_ok!(submit(&r));
		assert_eq!(settled_count(), 2);
	});
}

#[test]
fn back_dated_stamps_do_not_shorten_the_cooldown() {
	// The server stamps the first play almost 24 h in the past (a receipt
	// may be up to 24 h old) and the second one 2 minutes ahead (allowed
	// too): by the stamps, more than a day lies between them. By chain
	// time they settle in the same block.
	test(|| {
		let mut first = receipt_for(&[(0, 130_000)], 1);
		for h in first.heartbeats.iter_mut() {
			h.at_ms -= 23 * 3_600_000 + 58 * 60_000 + 30_000;
		}
		let mut second = receipt_for(&[(0, 130_000)], 2);
		for h in second.heartbeats.iter_mut() {
			h.at_ms += 119_000;
		}
		let stamped_gap = second.last_at_ms().unwrap_or(0) - first.last_at_ms().unwrap_or(0);
		assert!(stamped_gap > CooldownMs::get(), "the stamps claim a day passed");
		assert_ok!(submit(&first));
		assert_noop!(submit(&second), Error::<Test>::CooldownActive);
		assert_eq!(settled_count(), 1);
	});
}

#[test]
fn daily_cap_per_listener() {
	test(|| {
		let day = (NOW / crate::DAY_MS) as u32;
		DailyPlays::<Test>::insert(listener(), DayCount { day, count: MaxPlaysPerDay::get() });
		assert_noop!(submit(&receipt_for(&[(0, 130_000)], 1)), Error::<Test>::DailyLimitReached);
		// Yesterday's count does not limit today.
		DailyPlays::<Test>::insert(
			listener(),
			DayCount { day: day - 1, count: MaxPlaysPerDay::get() },
		);
		assert_ok!(submit(&receipt_for(&[(0, 130_000)], 1)));
		assert_eq!(DailyPlays::<Test>::get(listener()), Some(DayCount { day, count: 1 }));
	});
}

#[test]
fn settlement_failure_changes_nothing() {
	test(|| {
		SETTLE_FAILS.with(|f| *f.borrow_mut() = Some("cannot pay burn"));
		let r = receipt_for(&[(0, 130_000)], 1);
		assert!(submit(&r).is_err());
		assert_eq!(LastPlay::<Test>::get(listener(), SONG), None);
		assert_eq!(DailyPlays::<Test>::get(listener()), None);
	});
}

#[test]
fn settled_play_is_charged_for_its_real_splits() {
	test(|| {
		let co_writers = [Sr25519Keyring::Charlie, Sr25519Keyring::Dave, Sr25519Keyring::Ferdie];
		SONGS.with(|s| {
			s.borrow_mut()[0].splits =
				co_writers.iter().map(|k| (k.to_account_id(), Permill::from_percent(10))).collect()
		});
		let r = receipt_for(&[(0, 130_000)], 1);
		let h = r.heartbeats.len() as u32;
		let call = crate::Call::<Test>::submit { receipt: r.clone(), server_signature: sign(&r) };
		// Declared for the most splits a song can have in the costliest
		// settlement, charged for three in the settlement it made (the mock
		// settles in the discovery tier, minted).
		let heartbeats = <() as WeightInfo>::check_receipt(h)
			.saturating_sub(<() as WeightInfo>::check_receipt(1));
		assert!(heartbeats.ref_time() > 0, "each heartbeat past the first is charged");
		let discovery = <() as WeightInfo>::submit_discovery(MAX_SPLITS);
		let mature = <() as WeightInfo>::submit_mature(MAX_SPLITS);
		let credited = <() as WeightInfo>::submit_credited(MAX_SPLITS);
		assert_eq!(
			call.get_dispatch_info().call_weight,
			discovery.max(mature).max(credited).saturating_add(heartbeats)
		);
		let info = submit(&r).expect("valid play");
		assert_eq!(
			info.actual_weight,
			Some(<() as WeightInfo>::submit_discovery(3).saturating_add(heartbeats))
		);
		assert_eq!(info.pays_fee, Pays::No);
	});
}
