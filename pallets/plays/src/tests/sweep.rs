use crate::{mock::*, DailyPlays, DayCount, LastPlay, PlayMark, SweepCursor};
use polkadot_sdk::{frame_support::weights::Weight, sp_keyring::Sr25519Keyring};

#[test]
fn sweep_removes_only_expired_entries() {
	test(|| {
		let day = (NOW / crate::DAY_MS) as u32;
		let old = Sr25519Keyring::Charlie.to_account_id();
		let fresh = Sr25519Keyring::Dave.to_account_id();
		LastPlay::<Test>::insert(&old, 1, PlayMark { nonce: 1, at_ms: NOW - 25 * 3_600_000 });
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
