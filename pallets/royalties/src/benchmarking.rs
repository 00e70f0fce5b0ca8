//! Benchmarks of pallet-royalties (FRAME benchmarks v2).

use super::*;
use polkadot_sdk::{frame_benchmarking::v2::*, frame_system::RawOrigin};

#[benchmarks]
mod benchmarks {
	use super::*;

	/// Worst case: escrow is held, and the beneficiary's account does not
	/// exist yet, so the transfer creates it.
	#[benchmark]
	fn release_escrow() -> Result<(), BenchmarkError> {
		let beneficiary: T::AccountId = account("beneficiary", 0, 0);
		let escrow_account = Pallet::<T>::account_id();
		let ed = T::Currency::minimum_balance();
		// As at genesis: the escrow account holds its existential deposit.
		if T::Currency::balance(&escrow_account) < ed {
			T::Currency::mint_into(&escrow_account, ed)?;
		}
		let amount = T::Reward::get().max(ed);
		ensure!(
			Pallet::<T>::escrow(&[(beneficiary.clone(), amount)])? == Some(amount),
			BenchmarkError::Stop("the issuance cap refused the escrow mint")
		);
		ensure!(
			T::Currency::balance(&beneficiary) == 0,
			BenchmarkError::Stop("the beneficiary account already exists")
		);
		let origin =
			T::ModeratorOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, beneficiary.clone());

		assert_eq!(Escrow::<T>::get(&beneficiary), 0);
		assert_eq!(T::Currency::balance(&beneficiary), amount);
		Ok(())
	}

	/// The block's escrow mint (`on_finalize`). [`PendingEscrow`] is
	/// whitelisted (it never reaches the database); `on_initialize` adds
	/// its one read per block.
	#[benchmark]
	fn flush_escrow() -> Result<(), BenchmarkError> {
		let escrow_account = Pallet::<T>::account_id();
		let ed = T::Currency::minimum_balance();
		if T::Currency::balance(&escrow_account) < ed {
			T::Currency::mint_into(&escrow_account, ed)?;
		}
		let amount = T::Reward::get().max(ed);
		PendingEscrow::<T>::put(amount);
		let before = T::Currency::balance(&escrow_account);

		#[block]
		{
			Pallet::<T>::flush_escrow();
		}

		assert_eq!(T::Currency::balance(&escrow_account), before + amount);
		assert_eq!(PendingEscrow::<T>::get(), 0);
		Ok(())
	}

	/// One credit of an approved song paid out in `on_initialize`: a new
	/// account opened by the mint, the song's payout complete after it.
	#[benchmark]
	fn pay_credit() -> Result<(), BenchmarkError> {
		let who: T::AccountId = account("credited", 0, 0);
		let amount = T::Reward::get().max(T::Currency::minimum_balance());
		Credits::<T>::insert(7, &who, amount);
		Payouts::<T>::insert(7, Payout::Pay);

		#[block]
		{
			Pallet::<T>::settle_payouts(1);
		}

		assert_eq!(T::Currency::balance(&who), amount);
		assert!(!Payouts::<T>::contains_key(7));
		Ok(())
	}

	/// A song with `s` splits pays out what it owes, called by its last
	/// beneficiary: every beneficiary a new account, opened by the transfer.
	#[benchmark]
	fn pay_royalties(s: Linear<0, MAX_SPLITS>) -> Result<(), BenchmarkError> {
		let escrow_account = Pallet::<T>::account_id();
		let ed = T::Currency::minimum_balance();
		if T::Currency::balance(&escrow_account) < ed {
			T::Currency::mint_into(&escrow_account, ed)?;
		}
		let splits: Vec<_> = (0..s)
			.map(|i| {
				(
					account::<T::AccountId>("split", i, 0),
					musicchain_primitives::Permill::from_percent(10),
				)
			})
			.collect();
		let owed = T::RoyaltyPayoutAt::get().max(ed.saturating_mul(100));
		let song = T::BenchmarkHelper::song_owing(&splits, owed);
		let (artist, _) =
			T::Songs::payees(song).ok_or(BenchmarkError::Stop("the song has no payees"))?;
		// Only a payee may call it; the last beneficiary is the check's
		// longest search.
		let caller = splits.last().map_or(artist, |(who, _)| who.clone());

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), song);

		assert_eq!(Ledger::<T>::get(song).owed, 0);
		for (who, _) in splits {
			ensure!(
				T::Currency::balance(&who) > 0,
				BenchmarkError::Stop("a split beneficiary was not paid")
			);
		}
		Ok(())
	}

	#[benchmark]
	fn set_discovery_budget() -> Result<(), BenchmarkError> {
		let origin =
			T::BudgetOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, 1_000);

		assert_eq!(DiscoveryBudget::<T>::get(), 1_000);
		Ok(())
	}

	impl_benchmark_test_suite!(
		Pallet,
		crate::mock::new_test_ext(crate::mock::BENCH_ISSUANCE),
		crate::mock::Test
	);
}
