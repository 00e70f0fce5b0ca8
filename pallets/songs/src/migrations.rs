//! Storage migrations of the song registry.

use crate::{Config, Pallet, Songs, UnvettedSongs};
use polkadot_sdk::frame_support::{
	migrations::VersionedMigration,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
};

/// Version 0 to 1: vetting (DESIGN §2.6). Songs registered before it
/// held no deposit and were never vetted, so each is listed under its
/// artist in [`UnvettedSongs`] (what `approve_artist` goes through); their
/// plays settle as pending credits until the moderators approve them.
pub mod v1 {
	use super::*;

	/// The migration, without the version check: use [`MigrateToV1`].
	pub struct ListUnvettedSongs<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for ListUnvettedSongs<T> {
		fn on_runtime_upgrade() -> Weight {
			// One pass over the registry, in the upgrade's block: the
			// chains this runs on hold a few thousand songs at most.
			let mut songs = 0u64;
			for (song, record) in Songs::<T>::iter() {
				UnvettedSongs::<T>::insert(&record.artist, song, ());
				songs = songs.saturating_add(1);
			}
			log::info!(target: "songs", "migrated to v1: {songs} songs await vetting");
			T::DbWeight::get().reads_writes(songs, songs)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, polkadot_sdk::sp_runtime::TryRuntimeError> {
			use codec::Encode;
			Ok((Songs::<T>::iter_keys().count() as u64).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(
			state: alloc::vec::Vec<u8>,
		) -> Result<(), polkadot_sdk::sp_runtime::TryRuntimeError> {
			use codec::Decode;
			let songs = u64::decode(&mut &state[..]).map_err(|_| "pre_upgrade state")?;
			let listed = UnvettedSongs::<T>::iter_keys().count() as u64;
			polkadot_sdk::frame_support::ensure!(listed == songs, "a song is not listed");
			Ok(())
		}
	}

	/// Runs [`ListUnvettedSongs`] once, on a chain at storage version 0.
	pub type MigrateToV1<T> = VersionedMigration<
		0,
		1,
		ListUnvettedSongs<T>,
		Pallet<T>,
		<T as polkadot_sdk::frame_system::Config>::DbWeight,
	>;
}
