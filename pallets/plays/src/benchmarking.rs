//! Benchmarks of pallet-plays (FRAME benchmarks v2).
//!
//! `submit` is measured at its worst: a receipt that passes every gate, with
//! a real sr25519 server signature, heartbeats whose positions the coverage
//! check has to sort, existing replay and rate-limit entries, and the
//! runtime's most expensive settlement with `s` royalty splits. What the
//! heartbeats cost is measured on its own (`check_receipt`, `h` heartbeats);
//! the settlements are measured with one heartbeat, once per
//! royalty tier of an approved song (`submit_discovery`: listener, server
//! and artist paid; `submit_mature`: the listener burns, server and artist
//! paid) and once for a song the moderators have not approved
//! (`submit_credited`: every reward a pending credit). The server holds a
//! bond and has settled a play today already.

use super::*;
use alloc::vec::Vec;
use musicchain_primitives::{receipt::MAX_HEARTBEATS, BoundedVec, Heartbeat};
use polkadot_sdk::{
	frame_benchmarking::v2::*,
	frame_support::traits::fungible::Mutate,
	frame_system::{pallet_prelude::BlockNumberFor, RawOrigin},
	sp_core::{crypto::KeyTypeId, sr25519},
	sp_io,
};

/// Chain time the benchmarks run at: 2026-11-25, in ms.
const NOW_MS: u64 = 1_795_000_000_000;
/// Wall time between two heartbeats, as the client sends them.
const HEARTBEAT_EVERY_MS: u64 = 5_000;
/// Audio one heartbeat reports: a little less than the wall time, so that
/// `MAX_HEARTBEATS` heartbeats fit the longest song (6 h) exactly.
const HEARTBEAT_AUDIO_MS: u32 = 4_500;
/// Key type of the benchmark's throw-away server key.
const BENCH_KEY: KeyTypeId = KeyTypeId(*b"bnch");

/// `h` heartbeats stamped every 5 s up to `last_at_ms`, each reporting one
/// distinct `audio_ms` slice of a song of `h * audio_ms`. The slices are
/// visited from both ends towards the middle (a listener seeking about),
/// so the coverage union has an unsorted list to sort.
fn seeking_heartbeats(h: u32, audio_ms: u32, last_at_ms: u64) -> Vec<Heartbeat> {
	let first_at = last_at_ms
		.saturating_sub(u64::from(h.saturating_sub(1)).saturating_mul(HEARTBEAT_EVERY_MS));
	(0..h)
		.map(|i| {
			let slice = if i % 2 == 0 { i / 2 } else { h.saturating_sub(1 + i / 2) };
			let from_ms = slice.saturating_mul(audio_ms);
			Heartbeat {
				from_ms,
				to_ms: from_ms.saturating_add(audio_ms),
				at_ms: first_at.saturating_add(u64::from(i).saturating_mul(HEARTBEAT_EVERY_MS)),
			}
		})
		.collect()
}

/// A listener, a receipt and the server's signature over it.
type SignedReceipt<T> = (
	<T as polkadot_sdk::frame_system::Config>::AccountId,
	SessionReceipt<<T as polkadot_sdk::frame_system::Config>::AccountId>,
	<T as Config>::ReceiptSignature,
);

/// A new account holding a serving bond.
fn bonded<T: Config>(server: &T::AccountId) -> Result<(), BenchmarkError> {
	T::Currency::set_balance(
		server,
		T::ServingBond::get().saturating_mul(2).saturating_add(1 << 40),
	);
	Pallet::<T>::bond(RawOrigin::Signed(server.clone()).into())?;
	Ok(())
}

/// Records that a bonded `server` served `count` plays on `day`.
fn served<T: Config>(server: &T::AccountId, served: DayCount) {
	Bonds::<T>::mutate(server, |bond| {
		if let Some(bond) = bond {
			bond.served = served;
		}
	});
}

/// A receipt with `h` heartbeats that passes every gate, for a song with
/// `s` royalty splits, approved or not, whose next play settles in `tier`,
/// signed by a bonded server's key generated in the keystore; the listener
/// played the song once before, one cooldown ago, and once already today,
/// and the server served once today. Returns the listener, the receipt and
/// the signature.
fn valid_receipt<T: Config>(
	h: u32,
	s: u32,
	tier: Tier,
	approved: bool,
) -> Result<SignedReceipt<T>, BenchmarkError>
where
	T::AccountId: From<sr25519::Public>,
	T::ReceiptSignature: From<sr25519::Signature>,
{
	T::BenchmarkHelper::set_time_ms(NOW_MS);
	let listener: T::AccountId = whitelisted_caller();
	let server_key = sp_io::crypto::sr25519_generate(BENCH_KEY, None);
	let server: T::AccountId = server_key.into();
	bonded::<T>(&server)?;
	served::<T>(&server, DayCount { day: today()?, count: 1 });

	let audio_ms = heartbeat_audio_ms::<T>();
	let duration_ms = h.saturating_mul(audio_ms);
	let (song, content_hash) =
		T::BenchmarkHelper::playable_song(&listener, duration_ms, s, tier, approved);

	LastPlay::<T>::insert(
		&listener,
		song,
		PlayMark { nonce: 1, at_ms: NOW_MS.saturating_sub(T::CooldownMs::get()) },
	);
	DailyPlays::<T>::insert(&listener, DayCount { day: today()?, count: 1 });

	let heartbeats = BoundedVec::<_, ConstU32<MAX_HEARTBEATS>>::try_from(seeking_heartbeats(
		h, audio_ms, NOW_MS,
	))
	.map_err(|_| "MaxHeartbeats is above MAX_HEARTBEATS")?;
	let receipt = SessionReceipt {
		listener: listener.clone(),
		server,
		song,
		content_hash,
		nonce: 2,
		heartbeats,
	};
	// Signed exactly as `Pallet::check` verifies it.
	let genesis =
		polkadot_sdk::frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::default());
	let payload = receipt.signing_payload(genesis.as_ref());
	let signature: T::ReceiptSignature =
		sp_io::crypto::sr25519_sign(BENCH_KEY, &server_key, &payload)
			.ok_or("the keystore could not sign")?
			.into();
	Ok((listener, receipt, signature))
}

/// Audio one benchmark heartbeat reports, within the runtime's limit.
fn heartbeat_audio_ms<T: Config>() -> u32 {
	HEARTBEAT_AUDIO_MS.min(T::MaxAdvanceMs::get()).max(1)
}

/// The day number of [`NOW_MS`].
fn today() -> Result<u32, BenchmarkError> {
	Ok(u32::try_from(NOW_MS / DAY_MS).map_err(|_| "day out of range")?)
}

#[benchmarks(where
	T::AccountId: From<sr25519::Public>,
	T::ReceiptSignature: From<sr25519::Signature>,
)]
mod benchmarks {
	use super::*;

	/// Everything `submit` does per heartbeat: `check` verifies the server's
	/// signature over a receipt of `h` heartbeats and builds their coverage
	/// union. `submit_weight` adds its slope to the settlements' weights.
	#[benchmark]
	fn check_receipt(h: Linear<1, { T::MaxHeartbeats::get() }>) -> Result<(), BenchmarkError> {
		let (listener, receipt, signature) = valid_receipt::<T>(h, 0, Tier::Discovery, true)?;
		let verified;

		#[block]
		{
			verified = Pallet::<T>::check(&listener, &receipt, &signature);
		}

		let verified = verified.map_err(|_| "the receipt did not pass `check`")?;
		// Every heartbeat covers a distinct slice: the whole song was heard.
		assert_eq!(verified.stats.unique_ms, h.saturating_mul(heartbeat_audio_ms::<T>()));
		Ok(())
	}

	#[benchmark]
	fn submit_discovery(s: Linear<0, { MAX_SPLITS }>) -> Result<(), BenchmarkError> {
		let (listener, receipt, signature) = valid_receipt::<T>(1, s, Tier::Discovery, true)?;
		let (song, nonce) = (receipt.song, receipt.nonce);

		#[extrinsic_call]
		submit(RawOrigin::Signed(listener.clone()), receipt, signature);

		assert_eq!(LastPlay::<T>::get(&listener, song), Some(PlayMark { nonce, at_ms: NOW_MS }));
		assert_eq!(DailyPlays::<T>::get(&listener), Some(DayCount { day: today()?, count: 2 }));
		Ok(())
	}

	#[benchmark]
	fn submit_mature(s: Linear<0, { MAX_SPLITS }>) -> Result<(), BenchmarkError> {
		let (listener, receipt, signature) = valid_receipt::<T>(1, s, Tier::Mature, true)?;
		let (song, nonce) = (receipt.song, receipt.nonce);

		#[extrinsic_call]
		submit(RawOrigin::Signed(listener.clone()), receipt, signature);

		assert_eq!(LastPlay::<T>::get(&listener, song), Some(PlayMark { nonce, at_ms: NOW_MS }));
		assert_eq!(DailyPlays::<T>::get(&listener), Some(DayCount { day: today()?, count: 2 }));
		Ok(())
	}

	#[benchmark]
	fn submit_credited(s: Linear<0, { MAX_SPLITS }>) -> Result<(), BenchmarkError> {
		let (listener, receipt, signature) = valid_receipt::<T>(1, s, Tier::Discovery, false)?;
		let (song, nonce) = (receipt.song, receipt.nonce);

		#[extrinsic_call]
		submit(RawOrigin::Signed(listener.clone()), receipt, signature);

		assert_eq!(LastPlay::<T>::get(&listener, song), Some(PlayMark { nonce, at_ms: NOW_MS }));
		Ok(())
	}

	#[benchmark]
	fn bond() -> Result<(), BenchmarkError> {
		let server: T::AccountId = whitelisted_caller();
		T::Currency::set_balance(
			&server,
			T::ServingBond::get().saturating_mul(2).saturating_add(1 << 40),
		);

		#[extrinsic_call]
		_(RawOrigin::Signed(server.clone()));

		assert!(Bonds::<T>::contains_key(&server));
		Ok(())
	}

	#[benchmark]
	fn unbond() -> Result<(), BenchmarkError> {
		let server: T::AccountId = whitelisted_caller();
		bonded::<T>(&server)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(server.clone()));

		assert!(Bonds::<T>::get(&server).is_some_and(|b| b.unbonding_at.is_some()));
		Ok(())
	}

	#[benchmark]
	fn withdraw_bond() -> Result<(), BenchmarkError> {
		let server: T::AccountId = whitelisted_caller();
		bonded::<T>(&server)?;
		served::<T>(&server, DayCount { day: 1, count: 1 });
		Pallet::<T>::unbond(RawOrigin::Signed(server.clone()).into())?;
		let now = polkadot_sdk::frame_system::Pallet::<T>::block_number();
		polkadot_sdk::frame_system::Pallet::<T>::set_block_number(
			now.saturating_add(T::UnbondingPeriod::get()),
		);

		#[extrinsic_call]
		_(RawOrigin::Signed(server.clone()));

		assert!(!Bonds::<T>::contains_key(&server));
		Ok(())
	}

	#[benchmark]
	fn slash_bond() -> Result<(), BenchmarkError> {
		let server: T::AccountId = account("server", 0, 0);
		bonded::<T>(&server)?;
		served::<T>(&server, DayCount { day: 1, count: 1 });
		let origin =
			T::ModeratorOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, server.clone());

		assert!(!Bonds::<T>::contains_key(&server));
		Ok(())
	}

	#[benchmark]
	fn sweep_entry() -> Result<(), BenchmarkError> {
		T::BenchmarkHelper::set_time_ms(NOW_MS);
		let listener: T::AccountId = account("listener", 0, 0);
		let keep_ms = T::CooldownMs::get().max(T::MaxReceiptAgeMs::get()).saturating_add(DAY_MS);
		let expired_at =
			NOW_MS.checked_sub(keep_ms.saturating_add(1)).ok_or("keep period too long")?;
		let day = u32::try_from(expired_at / DAY_MS).map_err(|_| "day out of range")?;
		LastPlay::<T>::insert(&listener, 0, PlayMark { nonce: 1, at_ms: expired_at });
		DailyPlays::<T>::insert(&listener, DayCount { day, count: 1 });

		#[block]
		{
			Pallet::<T>::sweep(Weight::MAX);
		}

		assert_eq!(LastPlay::<T>::get(&listener, 0), None);
		assert_eq!(DailyPlays::<T>::get(&listener), None);
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
