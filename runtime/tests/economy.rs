//! DESIGN §2.6 through the real runtime: one person who holds any number
//! of keys and is artist, server and listener at once tries to mint MUSIC.
//! Every figure is exact: balances and total issuance before and after.

mod common;

use common::*;
use musicchain_primitives::{Format, Metadata, SongId, UNIT};
use musicchain_runtime::{AccountId, Runtime, RuntimeCall};
use pallet_musicchain_songs::{SongStatus, VariantInfo};
use polkadot_sdk::{
	frame_support::{traits::fungible::Mutate, BoundedVec},
	sp_core::{sr25519, Pair},
	sp_keyring::Sr25519Keyring::{Alice, Bob},
	sp_runtime::{
		transaction_validity::{InvalidTransaction, TransactionValidityError},
		DispatchError,
	},
};

type Balances = polkadot_sdk::pallet_balances::Pallet<Runtime>;

/// A key of the attacker's, one of as many as they like.
fn key(name: &str) -> sr25519::Pair {
	sr25519::Pair::from_string(&format!("//attacker/{name}"), None).expect("a dev key")
}

fn id(pair: &sr25519::Pair) -> AccountId {
	pair.public().into()
}

/// Total issuance with what the block mints at its end (the artists'
/// parts of its plays, into the royalty account): what the cap counts.
fn issuance(chain: &mut Chain) -> u128 {
	chain.execute(pallet_musicchain_supply::Pallet::<Runtime>::issuance)
}

/// Gives `who` exactly `amount` (test set-up: minted, not a transaction).
fn fund(chain: &mut Chain, who: &sr25519::Pair, amount: u128) {
	chain.execute(|| Balances::set_balance(&id(who), amount));
}

/// A 30 s song (the shortest allowed) with a fingerprint of the length
/// 30 s of audio gives, registered by `artist` with file `[file; 32]`.
fn register(fingerprint_seed: u64, file: u8, duration_ms: u32, items: usize) -> RuntimeCall {
	RuntimeCall::Songs(pallet_musicchain_songs::Call::register {
		fingerprint: compressed(recording(fingerprint_seed).into_iter().take(items).collect()),
		duration_ms,
		metadata: Metadata::from_strs("Noise", "Attacker", "Farm", "Noise", None, None),
		splits: BoundedVec::default(),
		variant: VariantInfo {
			content_hash: musicchain_primitives::ContentHash([file; 32]),
			format: Format::Flac,
			size: 1_000_000,
			piece_size: musicchain_primitives::PIECE_SIZE,
			manifest_root: musicchain_primitives::ManifestRoot([file ^ 0xff; 32]),
		},
	})
}

fn apply(chain: &mut Chain, who: &sr25519::Pair, call: RuntimeCall) -> Result<(), DispatchError> {
	let xt = chain.execute(|| signed_by(who, call));
	chain.apply(xt).expect("a valid transaction")
}

/// The attacker's song: 30 s, registered by `artist`, Active after its
/// dedupe verdict. Returns its id.
fn attack_song(chain: &mut Chain, artist: &sr25519::Pair) -> SongId {
	let song = chain.execute(pallet_musicchain_songs::NextSongId::<Runtime>::get);
	apply(chain, artist, register(7, 7, 30_000, 226)).expect("a plausible 30 s song registers");
	chain.advance(2);
	let status =
		chain.execute(|| pallet_musicchain_songs::Songs::<Runtime>::get(song).map(|r| r.status));
	assert_eq!(status, Some(SongStatus::Active));
	song
}

/// Half of the 30 s song, in real time: the least that settles.
const HALF: &[(u32, u32)] = &[(0, 15_000)];

/// The attacker: an artist key, a bonded server key and `n` listener keys,
/// funded with what that takes (the artist's deposit, the server's bond,
/// and a little for fees).
struct Attacker {
	artist: sr25519::Pair,
	server: sr25519::Pair,
	listeners: Vec<sr25519::Pair>,
	song: SongId,
}

impl Attacker {
	fn new(chain: &mut Chain, n: usize) -> Self {
		let artist = key("artist");
		let server = key("server");
		fund(chain, &artist, 11 * UNIT);
		fund(chain, &server, 101 * UNIT);
		let listeners: Vec<_> = (0..n).map(|i| key(&format!("listener/{i}"))).collect();
		for l in &listeners {
			fund(chain, l, UNIT / 10);
		}
		let song = attack_song(chain, &artist);
		apply(chain, &server, RuntimeCall::Plays(pallet_musicchain_plays::Call::bond {}))
			.expect("the server bonds");
		Attacker { artist, server, listeners, song }
	}

	fn keys(&self) -> impl Iterator<Item = &sr25519::Pair> {
		[&self.artist, &self.server].into_iter().chain(self.listeners.iter())
	}

	/// What the attacker can spend: the free balances of all their keys.
	fn spendable(&self, chain: &mut Chain) -> u128 {
		let ids: Vec<_> = self.keys().map(id).collect();
		chain.execute(|| ids.iter().map(Balances::free_balance).sum())
	}

	/// Every listener key plays the song once, served by the server key.
	/// Returns how many plays settled.
	fn play_all(&self, chain: &mut Chain, nonce: u64) -> usize {
		let mut settled = 0;
		for l in &self.listeners {
			let call = play_call(
				chain,
				l,
				&self.server,
				(self.song, musicchain_primitives::ContentHash([7; 32])),
				HALF,
				nonce,
			);
			if apply(chain, l, call).is_ok() {
				settled += 1;
			}
		}
		settled
	}
}

#[test]
fn an_attacker_with_many_keys_mints_nothing_without_approval() {
	let mut chain = Chain::dev();
	let attacker = Attacker::new(&mut chain, 40);
	chain.advance(1);
	let (supply, spendable) = (issuance(&mut chain), attacker.spendable(&mut chain));

	let settled = attacker.play_all(&mut chain, 1);
	assert_eq!(settled, 40, "every play is valid, and free");
	chain.advance(1);
	assert_eq!(issuance(&mut chain), supply, "total issuance does not move");
	assert_eq!(attacker.spendable(&mut chain), spendable, "not one unit more to spend");
	// What they earned waits as credits the moderators may never release
	// (the listeners' and the server's each, the artist's on the song).
	let credits = chain.execute(|| {
		pallet_musicchain_royalties::Credits::<Runtime>::iter_prefix_values(attacker.song)
			.sum::<u128>()
			+ pallet_musicchain_royalties::Ledger::<Runtime>::get(attacker.song).credited
	});
	assert_eq!(credits, 3 * 40 * UNIT);
	println!(
		"attacker with {} keys and {} MUSIC locked (deposit + bond): {settled} plays, \
		 0 MUSIC spendable minted, issuance change 0; {} MUSIC of pending credits",
		attacker.keys().count(),
		10 + 100,
		credits / UNIT,
	);

	// Rejected: the credits are void, the deposit is burned, and the song
	// never earns again.
	chain.execute(|| {
		pallet_musicchain_songs::Pallet::<Runtime>::reject_song(moderators(), attacker.song)
			.expect("rejected")
	});
	chain.advance(1);
	assert_eq!(issuance(&mut chain), supply - 10 * UNIT, "the deposit was burned");
	let left = chain.execute(|| {
		pallet_musicchain_royalties::Credits::<Runtime>::iter_prefix(attacker.song).count()
	});
	assert_eq!(left, 0, "void");
	let ledger =
		chain.execute(|| pallet_musicchain_royalties::Ledger::<Runtime>::get(attacker.song));
	assert_eq!((ledger.plays, ledger.owed, ledger.credited), (40, 0, 0), "void");
	let call = play_call(
		&mut chain,
		&attacker.listeners[0],
		&attacker.server,
		(attacker.song, musicchain_primitives::ContentHash([7; 32])),
		HALF,
		9,
	);
	let xt = chain.execute(|| signed_by(&attacker.listeners[0], call));
	assert_eq!(
		chain.apply(xt).expect("valid"),
		Err(pallet_musicchain_plays::Error::<Runtime>::SongRejected.into())
	);
}

/// The moderators' origin as a motion passed by 2 of the 3 dispatches it
/// (the council's own flow is tested in `chain.rs`).
fn moderators() -> musicchain_runtime::RuntimeOrigin {
	polkadot_sdk::pallet_collective::RawOrigin::<
		AccountId,
		polkadot_sdk::pallet_collective::Instance1,
	>::Members(2, 3)
	.into()
}

#[test]
fn with_approval_discovery_mints_stay_within_the_daily_budget() {
	let mut chain = Chain::dev();
	let attacker = Attacker::new(&mut chain, 20);
	// Governance sets the day's budget to 30 MUSIC (10 plays).
	let set = RuntimeCall::Royalties(pallet_musicchain_royalties::Call::set_discovery_budget {
		budget: 30 * UNIT,
	});
	chain
		.signed(
			Alice,
			RuntimeCall::Sudo(polkadot_sdk::pallet_sudo::Call::sudo { call: Box::new(set) }),
		)
		.expect("valid")
		.expect("sudo");
	// The moderators are fooled: they approve the attacker's song.
	chain.execute(|| {
		pallet_musicchain_songs::Pallet::<Runtime>::approve_song(moderators(), attacker.song)
			.expect("approved")
	});
	chain.advance(1);
	let (supply, spendable) = (issuance(&mut chain), attacker.spendable(&mut chain));

	assert_eq!(attacker.play_all(&mut chain, 1), 20);
	chain.advance(1);
	assert_eq!(issuance(&mut chain), supply + 30 * UNIT, "exactly the day's budget");
	// The artist's part (10 MUSIC) is owed by the song, below its payout
	// mark; paid out on demand (outside a transaction: no fee), it is all
	// the attacker's.
	chain.execute(|| {
		pallet_musicchain_royalties::Pallet::<Runtime>::pay_royalties(
			musicchain_runtime::RuntimeOrigin::signed(id(&attacker.artist)),
			attacker.song,
		)
		.expect("paid out")
	});
	assert_eq!(attacker.spendable(&mut chain), spendable + 30 * UNIT);
	// The other 10 plays wait as credits, paid within the next day's budget.
	chain.now_ms += pallet_musicchain_plays::DAY_MS;
	chain.advance(2);
	assert_eq!(issuance(&mut chain), supply + 60 * UNIT, "one more day, one more budget");
	println!(
		"approved attacker song, budget 30 MUSIC/day: 20 plays minted 30 MUSIC on day 1 and 30 on day 2"
	);
}

#[test]
fn the_songs_of_the_attack_do_not_register_and_pay_their_fee() {
	let mut chain = Chain::dev();
	let artist = key("artist");
	fund(&mut chain, &artist, 20 * UNIT);
	let before = chain.execute(|| Balances::free_balance(id(&artist)));
	// A 1 ms "song" with a 5-item fingerprint.
	assert_eq!(
		apply(&mut chain, &artist, register(7, 7, 1, 5)),
		Err(pallet_musicchain_songs::Error::<Runtime>::TooShort.into())
	);
	// 30 s, but the fingerprint is 5 items long.
	assert_eq!(
		apply(&mut chain, &artist, register(7, 7, 30_000, 5)),
		Err(pallet_musicchain_songs::Error::<Runtime>::ImplausibleFingerprint.into())
	);
	// Without 10 MUSIC for the deposit.
	let poor = key("poor");
	fund(&mut chain, &poor, UNIT);
	assert_eq!(
		apply(&mut chain, &poor, register(7, 7, 30_000, 226)),
		Err(pallet_musicchain_songs::Error::<Runtime>::CannotHoldDeposit.into())
	);
	let after = chain.execute(|| Balances::free_balance(id(&artist)));
	assert!(after < before, "refused registrations pay their fees");
	assert_eq!(chain.execute(pallet_musicchain_songs::NextSongId::<Runtime>::get), 0);
}

#[test]
fn a_stranger_cannot_add_a_file_to_someone_elses_song() {
	let mut chain = Chain::dev();
	let artist = key("artist");
	fund(&mut chain, &artist, 20 * UNIT);
	let song = attack_song(&mut chain, &artist);
	let variant = VariantInfo {
		content_hash: musicchain_primitives::ContentHash([8; 32]),
		format: Format::Mp3,
		size: 500_000,
		piece_size: musicchain_primitives::PIECE_SIZE,
		manifest_root: musicchain_primitives::ManifestRoot([8; 32]),
	};
	let add = RuntimeCall::Songs(pallet_musicchain_songs::Call::add_variant { song, variant });
	assert_eq!(
		chain.signed(Bob, add.clone()).expect("valid"),
		Err(pallet_musicchain_songs::Error::<Runtime>::NotArtist.into())
	);
	assert_eq!(apply(&mut chain, &artist, add), Ok(()));
}

#[test]
fn an_unbonded_server_earns_nothing_and_the_listener_pays_the_fee() {
	let mut chain = Chain::dev();
	let attacker = Attacker::new(&mut chain, 1);
	let stranger = key("unbonded");
	fund(&mut chain, &stranger, UNIT);
	let listener = &attacker.listeners[0];
	let before = chain.execute(|| Balances::free_balance(id(listener)));
	let call = play_call(
		&mut chain,
		listener,
		&stranger,
		(attacker.song, musicchain_primitives::ContentHash([7; 32])),
		HALF,
		1,
	);
	assert_eq!(
		apply(&mut chain, listener, call),
		Err(pallet_musicchain_plays::Error::<Runtime>::ServerNotBonded.into())
	);
	assert!(chain.execute(|| Balances::free_balance(id(listener))) < before);
}

#[test]
fn a_transfer_is_included_in_a_block_flooded_with_valid_plays() {
	let mut chain = Chain::dev();
	let artist = key("artist");
	fund(&mut chain, &artist, 20 * UNIT);
	let song = attack_song(&mut chain, &artist);
	chain.execute(|| {
		pallet_musicchain_songs::Vetting::<Runtime>::insert(
			song,
			pallet_musicchain_songs::Decision::Approved,
		)
	});
	chain
		.signed(Bob, RuntimeCall::Plays(pallet_musicchain_plays::Call::bond {}))
		.expect("valid")
		.expect("bonds");
	chain.advance(1);
	// Plays from new listeners, one after another, until the block's share
	// for plays is full.
	let mut plays = 0;
	let refused = loop {
		let listener = key(&format!("flood/{plays}"));
		fund(&mut chain, &listener, UNIT / 10);
		let call = play_call(
			&mut chain,
			&listener,
			&Bob.pair(),
			(song, musicchain_primitives::ContentHash([7; 32])),
			HALF,
			1,
		);
		let xt = chain.execute(|| signed_by(&listener, call));
		match chain.apply(xt) {
			Ok(result) => {
				result.expect("a valid play settles");
				plays += 1;
			},
			Err(e) => break e,
		}
		assert!(plays < 10_000, "plays never filled their share");
	};
	assert_eq!(refused, TransactionValidityError::Invalid(InvalidTransaction::ExhaustsResources));
	// The block still takes a transfer.
	let transfer =
		RuntimeCall::Balances(polkadot_sdk::pallet_balances::Call::transfer_keep_alive {
			dest: id(&artist).into(),
			value: UNIT,
		});
	chain.signed(Alice, transfer).expect("included in the flooded block").expect("transfers");
	let limit = chain.execute(pallet_musicchain_plays::Pallet::<Runtime>::play_weight_limit);
	println!(
		"a block takes {plays} plays (their share: {:.0} ms of computation), and the transfer",
		limit.ref_time() as f64 / 1e9
	);
	assert!(plays >= 100, "{plays} plays a block");
}

/// The attacker runs one of the four validators of `local_testnet` (Alice,
/// whose Aura key the test keystore holds) and signs a false dedupe verdict
/// that would fold a stranger's new song into the attacker's own, taking
/// its royalties: one vote of four is recorded and decides nothing.
#[test]
fn one_validator_alone_cannot_fold_a_strangers_song_into_its_own() {
	use musicchain_runtime::AuraId;
	use pallet_musicchain_songs::{Outcome, Verdict};
	use polkadot_sdk::frame_system::offchain::CreateAuthorizedTransaction;

	let mut chain = Chain::new("local_testnet");
	let timeout = <musicchain_runtime::configs::musicchain::VerdictTimeout as polkadot_sdk::frame_support::traits::Get<u32>>::get();
	let status = |chain: &mut Chain, song: SongId| {
		chain.execute(|| pallet_musicchain_songs::Songs::<Runtime>::get(song).map(|r| r.status))
	};
	let artist = key("artist");
	fund(&mut chain, &artist, 20 * UNIT);
	apply(&mut chain, &artist, register(7, 7, 30_000, 226)).expect("registers");
	// Alice's offchain worker votes Unique at once; one vote of four does
	// not activate the song: the timeout does.
	chain.advance(3);
	assert_eq!(status(&mut chain, 0), Some(SongStatus::Pending));
	let votes = chain.execute(|| pallet_musicchain_songs::VerdictVotes::<Runtime>::get(0).len());
	assert_eq!(votes, 1, "Alice's vote is recorded");
	chain.advance(timeout);
	assert_eq!(status(&mut chain, 0), Some(SongStatus::Active));

	// A stranger registers another recording.
	let victim = key("victim");
	fund(&mut chain, &victim, 20 * UNIT);
	apply(&mut chain, &victim, register(8, 8, 30_000, 226)).expect("registers");
	let verdict = chain.execute(|| {
		let fingerprint =
			|song| pallet_musicchain_songs::Songs::<Runtime>::get(song).map(|r| r.fingerprint_hash);
		Verdict {
			song: 1,
			fingerprint_hash: fingerprint(1).expect("the victim's song"),
			outcome: Outcome::DuplicateOf {
				song: 0,
				fingerprint_hash: fingerprint(0).expect("the attacker's song"),
				similarity_ppm: 1_000_000,
			},
			authority: AuraId::from(Alice.public()),
		}
	});
	let genesis = chain.execute(pallet_musicchain_songs::Pallet::<Runtime>::genesis_hash);
	let signature = Alice.pair().sign(&verdict.signing_payload(genesis.as_ref()));
	let call = RuntimeCall::Songs(pallet_musicchain_songs::Call::submit_verdict {
		verdict,
		signature: signature.into(),
	});
	let xt = chain.execute(|| {
		<Runtime as CreateAuthorizedTransaction<RuntimeCall>>::create_authorized_transaction(call)
	});
	assert_eq!(chain.apply(xt), Ok(Ok(())), "a current authority's vote is accepted");
	assert_eq!(status(&mut chain, 1), Some(SongStatus::Pending), "and decides nothing");
	let files = |chain: &mut Chain, song| {
		chain.execute(|| pallet_musicchain_songs::SongVariants::<Runtime>::get(song).len())
	};
	assert_eq!(files(&mut chain, 0), 1);
	// Without a majority the stranger's song becomes its own at its timeout.
	chain.advance(timeout + 1);
	assert_eq!(status(&mut chain, 1), Some(SongStatus::Active));
	assert_eq!((files(&mut chain, 0), files(&mut chain, 1)), (1, 1));
	let artist_of =
		chain.execute(|| pallet_musicchain_songs::Songs::<Runtime>::get(1).map(|r| r.artist));
	assert_eq!(artist_of, Some(id(&victim)));
}
