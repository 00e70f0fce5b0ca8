use crate::{mock::*, DailyPlays, DayCount, LastPlay, PlayMark, SweepCursor};
use polkadot_sdk::{frame_support::weights::Weight, sp_keyring::Sr25519Keyring};

#[test]
fn sweep_removes_only_expired_entries() {
	test(|| {
		let day = (NOW / crate::DAY_MS) as u32;
		let old = Sr25519Keyring::Charlie.to_account_id();
		let fresh = Sr25519Keyring::Dave.to_account_id();
		LastPlay::<Test>::insert(&old, 1, PlayMark { nonce: 1, at_ms: NOW - 49 * 3_600_000 });
		DailyPlays::<Test>::insert(&old, DayCount { day: day - 1, count: 3 });
		LastPlay::<Test>::insert(&fresh, 1, PlayMark { nonce: 1, at_ms: NOW - 3_600_000 });
		DailyPlays::<Test>::insert(&fresh, DayCount { day, count: 3 });
		let used = Plays::sweep(Weight::MAX);
		assert!(used.ref_time() > 0);
		assert_eq!(LastPlay::<Test>::get(&old, 1), None);
		assert_eq!(DailyPlays::<Test>::get(&old), None);
		assert!(LastPlay::<Test>::get(&fresh, 1).is_some());
		assert!(DailyPlays::<Test>::get(&fresh).is_some());
		assert_eq!(SweepCursor::<Test>::get(), None);
		// No budget, no work.
		assert_eq!(Plays::sweep(Weight::zero()), Weight::zero());
	});
}

#[test]
fn late_submitted_play_leaves_no_orphan_daily_count() {
	test(|| {
		// Heard 23.5 h ago, submitted (and counted) today.
		let day = (NOW / crate::DAY_MS) as u32;
		let who = Sr25519Keyring::Ferdie.to_account_id();
		let at_ms = NOW - 23 * 3_600_000 - 1_800_000;
		LastPlay::<Test>::insert(&who, 1, PlayMark { nonce: 1, at_ms });
		DailyPlays::<Test>::insert(&who, DayCount { day, count: 1 });
		// 25 h after the play the mark still guards (and today's count is live).
		polkadot_sdk::pallet_timestamp::Now::<Test>::put(at_ms + 25 * 3_600_000);
		Plays::sweep(Weight::MAX);
		assert!(LastPlay::<Test>::get(&who, 1).is_some());
		// Once the mark goes, the count goes with it.
		polkadot_sdk::pallet_timestamp::Now::<Test>::put(at_ms + 49 * 3_600_000);
		Plays::sweep(Weight::MAX);
		assert_eq!(LastPlay::<Test>::get(&who, 1), None);
		assert_eq!(DailyPlays::<Test>::get(&who), None);
	});
}
