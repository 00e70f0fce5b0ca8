//! Benchmarks of pallet-songs (FRAME benchmarks v2).
//!
//! Every call is measured at its worst: song records at their largest
//! (every metadata field at its bound, [`MAX_SPLITS`] royalty splits),
//! verdict-deadline lists full, a fold into a song with exactly one free file
//! slot, a real signature by a key generated in the keystore and made a
//! block author through [`Config::BenchmarkHelper`], deposits held, and
//! songs with pending credits in the royalty ledger for the vetting calls.

use super::*;
use alloc::vec::Vec;
use musicchain_primitives::{
	blake2_256,
	fingerprint::{expected_items, Fingerprint, DEFAULT_ALGORITHM, MAX_COMPRESSED_LEN},
	metadata::{MAX_SPLITS, MAX_TEXT_LEN},
	ContentHash, FingerprintHash, Format, ManifestRoot, PIECE_SIZE,
};
use polkadot_sdk::{
	frame_benchmarking::v2::*,
	frame_support::traits::{fungible::Mutate, Authorize, Hooks},
	frame_system::{self, pallet_prelude::BlockNumberFor, RawOrigin},
	sp_runtime::traits::Zero,
};

/// Shortest fingerprint `register` is measured with, in bytes: a little
/// more than a plausible fingerprint of pseudo-random sub-fingerprints
/// takes (about 6.5 bytes each; real ones compress better).
const MIN_FINGERPRINT_LEN: u32 = 7 * 1024;
/// A 4-byte UTF-8 character: metadata of it fills every field exactly and
/// takes UTF-8 validation off its ASCII fast path.
const NOTE: char = '\u{1F3B5}';
/// Another one, for metadata that differs from [`NOTE`]'s.
const NOTES: char = '\u{1F3B6}';

/// Sub-fingerprints of recording `seed`: pseudo-random (xorshift32), so
/// they compress no better than real ones, and different for every seed.
fn sub_fingerprints(seed: u32) -> impl Iterator<Item = u32> {
	let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1).max(1);
	core::iter::repeat_with(move || {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		x
	})
}

/// The compressed form of recording `seed`'s first `count` sub-fingerprints.
fn compressed(seed: u32, count: usize) -> Vec<u8> {
	Fingerprint {
		algorithm: DEFAULT_ALGORITHM,
		items: sub_fingerprints(seed).take(count).collect(),
	}
	.compress()
}

/// A plausible compressed fingerprint of recording `seed` for a song of
/// the longest duration allowed (the sub-fingerprints of its first 120 s),
/// padded with zero bytes after the streams, which decoding never reads, to
/// `len` bytes when `len` is longer.
fn plausible_fingerprint<T: Config>(
	seed: u32,
	len: u32,
) -> Result<CompressedFingerprint, BenchmarkError> {
	let items = expected_items(T::MaxDurationMs::get()) as usize;
	let mut bytes = compressed(seed, items);
	bytes.resize(bytes.len().max(len as usize), 0);
	CompressedFingerprint::try_from(bytes)
		.map_err(|_| "a fingerprint longer than MAX_COMPRESSED_LEN".into())
}

/// Gives `who` enough to hold many deposits.
fn fund<T: Config>(who: &T::AccountId) {
	T::Currency::set_balance(
		who,
		T::SongDeposit::get().saturating_mul(1_000).saturating_add(1 << 40),
	);
}

/// A new account with enough to hold many deposits.
fn funded<T: Config>(name: &'static str, i: u32) -> T::AccountId {
	let who: T::AccountId = account(name, i, 0);
	fund::<T>(&who);
	who
}

/// Metadata with every text field at its bound, in `c`s, and both numbers set.
fn max_metadata(c: char) -> Metadata {
	let text: alloc::string::String = core::iter::repeat_n(c, MAX_TEXT_LEN as usize).collect();
	Metadata::from_strs(&text, &text, &text, &text, Some(u16::MAX), Some(u16::MAX))
}

/// `s` royalty splits to distinct accounts named `name`, together at most
/// 100 %.
fn splits<T: Config>(
	name: &'static str,
	s: u32,
) -> Result<RoyaltySplits<T::AccountId>, BenchmarkError> {
	let share = Permill::from_parts(Permill::one().deconstruct() / MAX_SPLITS);
	let splits: Vec<_> = (0..s).map(|i| (account(name, i, 0), share)).collect();
	RoyaltySplits::try_from(splits).map_err(|_| "more splits than MAX_SPLITS".into())
}

/// File `i` of recording `seed`.
fn variant(seed: u32, i: u32) -> VariantInfo {
	VariantInfo {
		content_hash: ContentHash(blake2_256(&(b"file", seed, i).encode())),
		format: Format::Flac,
		size: 40_000_000,
		piece_size: PIECE_SIZE,
		manifest_root: ManifestRoot(blake2_256(&(b"manifest", seed, i).encode())),
	}
}

/// The block whose `on_initialize` activates songs registered now.
fn deadline_of_now<T: Config>() -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::block_number().saturating_add(T::VerdictTimeout::get())
}

/// Fills the verdict-deadline list of block `at` up to `len` entries with
/// ids no song has.
fn fill_deadlines<T: Config>(at: BlockNumberFor<T>, len: u32) -> Result<(), BenchmarkError> {
	PendingDeadlines::<T>::try_mutate(at, |due| {
		for i in 0..len.saturating_sub(due.len() as u32) {
			due.try_push(SongId::MAX.saturating_sub(i))
				.map_err(|_| "more deadlines than MaxPendingPerBlock")?;
		}
		Ok(())
	})
}

/// Registers recording `seed` by `artist` as the largest record there is,
/// with `files` files. Unless `status` is Pending, the song is then judged:
/// its deadline is gone and its status is `status`.
fn song<T: Config>(
	artist: &T::AccountId,
	seed: u32,
	files: u32,
	status: SongStatus,
) -> Result<SongId, BenchmarkError> {
	let song = NextSongId::<T>::get();
	Pallet::<T>::do_register(
		artist.clone(),
		plausible_fingerprint::<T>(seed, 0)?,
		T::MaxDurationMs::get(),
		max_metadata(NOTE),
		splits::<T>("split", MAX_SPLITS)?,
		variant(seed, 0),
	)?;
	for i in 1..files {
		Pallet::<T>::insert_variant(song, variant(seed, i))?;
	}
	if status != SongStatus::Pending {
		let record = Songs::<T>::get(song).ok_or("the song just registered is missing")?;
		Pallet::<T>::remove_deadline(song, record.registered_at);
		Songs::<T>::mutate(song, |r| {
			if let Some(r) = r {
				r.status = status;
			}
		});
	}
	Ok(song)
}

/// The heaviest verdict: a pending song, whose deadline list is full, is
/// the same recording as an Active song with one free file slot. The
/// authorities are as many as allowed, all but one voted already (half of
/// them for this verdict, the others for another), and this verdict, signed
/// by the last one, makes the majority. Returns the verdict, its signature
/// and the song it folds into.
#[allow(clippy::type_complexity)]
fn fold_verdict<T: Config>() -> Result<
	(Verdict<T::AuthorityId>, <T::AuthorityId as RuntimeAppPublic>::Signature, SongId),
	BenchmarkError,
> {
	let artist = funded::<T>("artist", 0);
	let files = T::MaxVariants::get().saturating_sub(1);
	let into = song::<T>(&artist, 1, files, SongStatus::Active)?;
	let pending = song::<T>(&artist, 2, 1, SongStatus::Pending)?;
	fill_deadlines::<T>(deadline_of_now::<T>(), T::MaxPendingPerBlock::get())?;
	let fingerprint_hash = |song| Songs::<T>::get(song).map(|r| r.fingerprint_hash);

	let authorities: Vec<T::AuthorityId> =
		(0..T::MaxAuthorities::get()).map(|_| T::AuthorityId::generate_pair(None)).collect();
	T::BenchmarkHelper::set_authorities(&authorities);
	let (authority, others) = authorities.split_last().ok_or("no authorities allowed")?;
	let authority = authority.clone();
	let verdict = Verdict {
		song: pending,
		fingerprint_hash: fingerprint_hash(pending).ok_or("the pending song is missing")?,
		outcome: Outcome::DuplicateOf {
			song: into,
			fingerprint_hash: fingerprint_hash(into).ok_or("the target song is missing")?,
			similarity_ppm: 990_000,
		},
		authority: authority.clone(),
	};
	let half = authorities.len() / 2;
	let votes: Vec<_> = others
		.iter()
		.enumerate()
		.map(|(i, who)| (who.clone(), if i < half { verdict.outcome } else { Outcome::Unique }))
		.collect();
	VerdictVotes::<T>::insert(
		pending,
		BoundedVec::try_from(votes).map_err(|_| "more votes than authorities")?,
	);
	// Signed exactly as `authorize_verdict` verifies it.
	let signature = authority
		.sign(&verdict.signing_payload(Pallet::<T>::genesis_hash().as_ref()))
		.ok_or("the keystore could not sign")?;
	Ok((verdict, signature, into))
}

/// An unvetted Active song with its deposit held and pending credits in
/// the royalty ledger, and the moderators' origin.
fn song_to_vet<T: Config>() -> Result<(SongId, T::RuntimeOrigin), BenchmarkError> {
	let song = song::<T>(&funded::<T>("artist", 0), 1, 1, SongStatus::Active)?;
	T::BenchmarkHelper::credit_song(song);
	let origin =
		T::ModeratorOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
	Ok((song, origin))
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// A fingerprint of `f` bytes, `s` splits, metadata at its bounds, and
	/// one free place left in the deadline list of the song's block.
	#[benchmark]
	fn register(
		f: Linear<MIN_FINGERPRINT_LEN, MAX_COMPRESSED_LEN>,
		s: Linear<0, MAX_SPLITS>,
	) -> Result<(), BenchmarkError> {
		let artist: T::AccountId = whitelisted_caller();
		fund::<T>(&artist);
		let fingerprint = plausible_fingerprint::<T>(1, f)?;
		ensure!(fingerprint.len() as u32 == f, "a plausible fingerprint longer than f");
		let fingerprint_hash = FingerprintHash(blake2_256(&fingerprint));
		let song = NextSongId::<T>::get();
		// The runner moves a benchmark that starts at genesis to block 1
		// before the measured call; start there, so that the call's
		// deadline list is the one filled here.
		if frame_system::Pallet::<T>::block_number().is_zero() {
			frame_system::Pallet::<T>::set_block_number(1u32.into());
		}
		let deadline = deadline_of_now::<T>();
		fill_deadlines::<T>(deadline, T::MaxPendingPerBlock::get().saturating_sub(1))?;
		let duration_ms = T::MaxDurationMs::get();
		let metadata = max_metadata(NOTE);
		let splits = splits::<T>("split", s)?;
		let file = variant(1, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(artist), fingerprint, duration_ms, metadata, splits, file);

		assert_eq!(Songs::<T>::get(song).map(|r| r.status), Some(SongStatus::Pending));
		assert_eq!(ByFingerprint::<T>::get(fingerprint_hash), Some(song));
		assert_eq!(PendingDeadlines::<T>::get(deadline).len() as u32, T::MaxPendingPerBlock::get());
		assert!(Deposits::<T>::contains_key(song), "the deposit is held");
		Ok(())
	}

	/// The last file a song can have, added while the song awaits the
	/// moderators (its deposit grows).
	#[benchmark]
	fn add_variant() -> Result<(), BenchmarkError> {
		let caller: T::AccountId = whitelisted_caller();
		fund::<T>(&caller);
		let files = T::MaxVariants::get().saturating_sub(1);
		let song = song::<T>(&caller, 1, files, SongStatus::Active)?;
		let file = variant(1, files);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), song, file);

		assert_eq!(SongVariants::<T>::get(song).len() as u32, T::MaxVariants::get());
		assert_eq!(Variants::<T>::get(file.content_hash).map(|v| v.song), Some(song));
		assert_eq!(
			Deposits::<T>::get(song).map(|d| d.amount),
			T::SongDeposit::get().checked_add(T::VariantDeposit::get())
		);
		Ok(())
	}

	/// Metadata at its bounds replacing metadata at its bounds.
	#[benchmark]
	fn update_metadata() -> Result<(), BenchmarkError> {
		let artist: T::AccountId = whitelisted_caller();
		fund::<T>(&artist);
		let song = song::<T>(&artist, 1, 1, SongStatus::Active)?;
		let metadata = max_metadata(NOTES);

		#[extrinsic_call]
		_(RawOrigin::Signed(artist), song, metadata.clone());

		assert_eq!(Songs::<T>::get(song).map(|r| r.metadata), Some(metadata));
		Ok(())
	}

	/// `s` splits to new beneficiaries replacing [`MAX_SPLITS`] others,
	/// which the song owes royalties it pays out first.
	#[benchmark]
	fn update_splits(s: Linear<0, MAX_SPLITS>) -> Result<(), BenchmarkError> {
		let artist: T::AccountId = whitelisted_caller();
		fund::<T>(&artist);
		let song = song::<T>(&artist, 1, 1, SongStatus::Active)?;
		T::BenchmarkHelper::owe_song(song);
		let splits = splits::<T>("payee", s)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(artist), song, splits.clone());

		assert_eq!(Songs::<T>::get(song).map(|r| r.splits), Some(splits));
		Ok(())
	}

	/// `hide`; `unhide` does the same work on the same record.
	#[benchmark]
	fn set_hidden() -> Result<(), BenchmarkError> {
		let song = song::<T>(&funded::<T>("artist", 0), 1, 1, SongStatus::Active)?;
		let origin =
			T::ModeratorOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		hide(origin as T::RuntimeOrigin, song);

		assert_eq!(Songs::<T>::get(song).map(|r| r.status), Some(SongStatus::Hidden));
		Ok(())
	}

	/// `on_initialize` of a block in which `n` pending songs time out.
	#[benchmark]
	fn activate_timed_out(
		n: Linear<0, { T::MaxPendingPerBlock::get() }>,
	) -> Result<(), BenchmarkError> {
		let artist = funded::<T>("artist", 0);
		let songs = (0..n)
			.map(|i| song::<T>(&artist, i, 1, SongStatus::Pending))
			.collect::<Result<Vec<_>, _>>()?;
		let deadline = deadline_of_now::<T>();

		#[block]
		{
			Pallet::<T>::on_initialize(deadline);
		}

		for song in songs {
			assert_eq!(Songs::<T>::get(song).map(|r| r.status), Some(SongStatus::Active));
		}
		assert!(!PendingDeadlines::<T>::contains_key(deadline));
		Ok(())
	}

	/// A `DuplicateOf` verdict (heavier than `Unique`, which only sets the
	/// status): the pending song's file fills the last free slot of the song
	/// it folds into.
	#[benchmark]
	fn submit_verdict() -> Result<(), BenchmarkError> {
		let (verdict, signature, into) = fold_verdict::<T>()?;
		let song = verdict.song;

		#[extrinsic_call]
		_(RawOrigin::Authorized, verdict, signature);

		assert!(!Songs::<T>::contains_key(song));
		assert_eq!(SongVariants::<T>::get(into).len() as u32, T::MaxVariants::get());
		Ok(())
	}

	/// The authorization of that verdict: both songs read, the authority
	/// checked, one signature verified.
	#[benchmark]
	fn authorize_verdict() -> Result<(), BenchmarkError> {
		let (verdict, signature, _) = fold_verdict::<T>()?;
		let call = Call::<T>::submit_verdict { verdict, signature };

		#[block]
		{
			call.authorize(TransactionSource::External)
				.ok_or("submit_verdict has no authorization")?
				.map_err(|_| "the verdict was not authorized")?;
		}

		Ok(())
	}

	/// An unvetted Active song with its deposit held and pending credits.
	#[benchmark]
	fn approve_song() -> Result<(), BenchmarkError> {
		let (song, origin) = song_to_vet::<T>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, song);

		assert_eq!(Vetting::<T>::get(song), Some(Decision::Approved));
		assert!(!Deposits::<T>::contains_key(song));
		Ok(())
	}

	/// A song rejected while it awaits its verdict, in a full deadline
	/// list, with as many files as allowed: its deposit burned, its credits
	/// voided, its files and fingerprint freed, hidden.
	#[benchmark]
	fn reject_song() -> Result<(), BenchmarkError> {
		let artist = funded::<T>("artist", 0);
		let song = song::<T>(&artist, 1, T::MaxVariants::get(), SongStatus::Pending)?;
		fill_deadlines::<T>(deadline_of_now::<T>(), T::MaxPendingPerBlock::get())?;
		T::BenchmarkHelper::credit_song(song);
		let origin =
			T::ModeratorOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, song);

		assert_eq!(Vetting::<T>::get(song), Some(Decision::Rejected));
		assert!(SongVariants::<T>::get(song).is_empty());
		assert_eq!(Songs::<T>::get(song).map(|r| r.status), Some(SongStatus::Hidden));
		Ok(())
	}

	/// An artist with `n` unvetted songs, each with its deposit and credits.
	#[benchmark]
	fn approve_artist(
		n: Linear<0, { T::MaxApprovalsPerCall::get() }>,
	) -> Result<(), BenchmarkError> {
		let artist = funded::<T>("artist", 0);
		let pending_per_block = T::MaxPendingPerBlock::get().max(1);
		for i in 0..n {
			if i > 0 && i % pending_per_block == 0 {
				let next = frame_system::Pallet::<T>::block_number().saturating_add(1u32.into());
				frame_system::Pallet::<T>::set_block_number(next);
			}
			let song = song::<T>(&artist, i, 1, SongStatus::Active)?;
			T::BenchmarkHelper::credit_song(song);
		}
		let origin =
			T::ModeratorOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, artist.clone());

		assert!(ApprovedArtists::<T>::contains_key(&artist));
		assert_eq!(UnvettedSongs::<T>::iter_prefix(&artist).count(), 0);
		Ok(())
	}

	/// An unvetted song moved to an approved artist: approved on the way,
	/// its deposit returned and its credits queued.
	#[benchmark]
	fn reassign_artist() -> Result<(), BenchmarkError> {
		let song = song::<T>(&funded::<T>("artist", 0), 1, 1, SongStatus::Active)?;
		T::BenchmarkHelper::credit_song(song);
		let to: T::AccountId = account("rightful", 0, 0);
		ApprovedArtists::<T>::insert(&to, ());
		let origin =
			T::ModeratorOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, song, to.clone());

		assert_eq!(Songs::<T>::get(song).map(|r| r.artist), Some(to));
		assert_eq!(Vetting::<T>::get(song), Some(Decision::Approved));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_ext(), crate::mock::Test);
}

#[cfg(test)]
mod tests {
	use super::*;
	use musicchain_primitives::fingerprint::codec::decompress;

	#[test]
	fn fingerprints_are_plausible_and_have_the_asked_length() {
		use crate::mock::Test;
		use musicchain_primitives::fingerprint::plausible_length;
		let natural = plausible_fingerprint::<Test>(1, 0).expect("a fingerprint").len() as u32;
		assert!(natural <= MIN_FINGERPRINT_LEN, "{natural} bytes");
		for len in [MIN_FINGERPRINT_LEN, MAX_COMPRESSED_LEN] {
			let fingerprint = plausible_fingerprint::<Test>(1, len).expect("a fingerprint");
			assert_eq!(fingerprint.len() as u32, len);
			let items = decompress(&fingerprint).expect("a valid fingerprint").items;
			assert!(plausible_length(items.len(), 6 * 3_600_000, Permill::from_percent(10)));
			assert_eq!(items, sub_fingerprints(1).take(items.len()).collect::<Vec<_>>());
		}
		assert_ne!(
			plausible_fingerprint::<Test>(1, 0).ok(),
			plausible_fingerprint::<Test>(2, 0).ok()
		);
	}
}
