//! [`crate::CheckPlayShare`]: plays fill at most their share of a block.

use crate::{mock::*, BlockPlayWeight, CheckPlayShare};
use polkadot_sdk::{
	frame_support::{dispatch::GetDispatchInfo, traits::Hooks, weights::Weight},
	sp_runtime::{
		traits::TransactionExtension,
		transaction_validity::{InvalidTransaction, TransactionValidityError},
	},
};

fn play_call() -> RuntimeCall {
	let r = receipt_for(&[(0, 130_000)], 1);
	RuntimeCall::Plays(crate::Call::submit { receipt: r.clone(), server_signature: sign(&r) })
}

fn prepare(call: &RuntimeCall) -> Result<bool, TransactionValidityError> {
	let info = call.get_dispatch_info();
	CheckPlayShare::<Test>::new().prepare((), &RuntimeOrigin::signed(listener()), call, &info, 0)
}

#[test]
fn plays_stop_at_their_share_and_other_calls_go_on() {
	test(|| {
		let play = play_call();
		let per_play = play.get_dispatch_info().total_weight();
		let limit = Plays::play_weight_limit();
		let fit = limit.ref_time() / per_play.ref_time();
		assert!(fit >= 1, "at least one play fits a block");
		for _ in 0..fit {
			assert_eq!(prepare(&play), Ok(true));
		}
		// The next play waits for the next block.
		assert_eq!(prepare(&play), Err(InvalidTransaction::ExhaustsResources.into()));
		// A transfer (any other call) is not counted and not refused.
		let remark =
			RuntimeCall::System(polkadot_sdk::frame_system::Call::remark { remark: vec![1; 32] });
		assert_eq!(prepare(&remark), Ok(false));
		assert!(BlockPlayWeight::<Test>::get().all_lte(limit));
		// A new block starts empty.
		Plays::on_finalize(1);
		assert_eq!(BlockPlayWeight::<Test>::get(), Weight::zero());
		assert_eq!(prepare(&play), Ok(true));
	});
}

#[test]
fn a_play_gives_back_the_weight_it_did_not_use() {
	test(|| {
		let play = play_call();
		let info = play.get_dispatch_info();
		assert_eq!(prepare(&play), Ok(true));
		let actual = info.call_weight / 2;
		let post = polkadot_sdk::frame_support::dispatch::PostDispatchInfo {
			actual_weight: Some(actual),
			pays_fee: polkadot_sdk::frame_support::dispatch::Pays::No,
		};
		<CheckPlayShare<Test> as TransactionExtension<RuntimeCall>>::post_dispatch_details(
			true,
			&info,
			&post,
			0,
			&Ok(()),
		)
		.expect("post dispatch");
		assert_eq!(
			BlockPlayWeight::<Test>::get(),
			info.total_weight() - (info.call_weight - actual)
		);
	});
}
