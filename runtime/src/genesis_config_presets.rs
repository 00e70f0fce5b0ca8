//! Genesis presets: `development` (one validator, Alice),
//! `local_testnet` (four validators: Alice, Bob, Charlie, Dave) and
//! `staging`, the template of a public network. In all of them Alice, Bob
//! and Charlie are the moderators. On the development chains Alice is sudo;
//! on staging, Root is two of the three members of a technical committee
//! (the sudo key is their 2-of-3 multisig account).

use crate::{
	AccountId, AuraId, BalancesConfig, GrandpaId, ModeratorMembershipConfig, RoyaltiesConfig,
	RuntimeGenesisConfig, SudoConfig, UNIT,
};
use alloc::{vec, vec::Vec};
use polkadot_sdk::{
	frame_support::build_struct_json_patch,
	pallet_aura, pallet_grandpa,
	sp_genesis_builder::{self, PresetId},
	sp_keyring::{Ed25519Keyring, Sr25519Keyring},
};
use serde_json::Value;

/// What each development account starts with: enough to pay fees and
/// mature-tier burns in tests, a tiny part of the 1e9 MUSIC floor.
pub const ENDOWMENT: u128 = 1_000_000 * UNIT;

/// A development validator's keys: what `musicchain-node --alice` (etc.)
/// puts in its keystore.
fn authority(aura: Sr25519Keyring, grandpa: Ed25519Keyring) -> (AuraId, GrandpaId) {
	(aura.public().into(), grandpa.public().into())
}

fn genesis(
	authorities: Vec<(AuraId, GrandpaId)>,
	endowed: Vec<AccountId>,
	root: AccountId,
) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed.iter().cloned().map(|k| (k, ENDOWMENT)).collect::<Vec<_>>(),
		},
		aura: pallet_aura::GenesisConfig {
			authorities: authorities.iter().map(|x| x.0.clone()).collect::<Vec<_>>(),
		},
		grandpa: pallet_grandpa::GenesisConfig {
			authorities: authorities.iter().map(|x| (x.1.clone(), 1)).collect::<Vec<_>>(),
		},
		sudo: SudoConfig { key: Some(root) },
		moderator_membership: ModeratorMembershipConfig {
			members: [Sr25519Keyring::Alice, Sr25519Keyring::Bob, Sr25519Keyring::Charlie]
				.iter()
				.map(|k| k.to_account_id())
				.collect::<Vec<_>>()
				.try_into()
				.unwrap_or_default(),
		},
		royalties: RoyaltiesConfig {
			discovery_budget: Some(crate::configs::musicchain::DiscoveryBudget::get()),
		},
	})
}

/// The accounts endowed on development chains.
fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::iter()
		.filter(|k| *k != Sr25519Keyring::One && *k != Sr25519Keyring::Two)
		.map(|k| k.to_account_id())
		.collect()
}

/// One validator (Alice).
pub fn development() -> Value {
	genesis(
		vec![authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		dev_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
	)
}

/// Four validators on one machine (Alice, Bob, Charlie, Dave).
pub fn local_testnet() -> Value {
	genesis(
		vec![
			authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			authority(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
			authority(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
			authority(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
		],
		dev_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
	)
}

/// The name of the public-network template preset.
pub const STAGING_PRESET: &str = "staging";

/// Signatures of the technical committee that make Root on staging.
pub const COMMITTEE_THRESHOLD: u16 = 2;

/// The staging technical committee (stand-ins: Dave, Eve, Ferdie).
pub fn technical_committee() -> Vec<AccountId> {
	let mut members: Vec<AccountId> =
		[Sr25519Keyring::Dave, Sr25519Keyring::Eve, Sr25519Keyring::Ferdie]
			.iter()
			.map(|k| k.to_account_id())
			.collect();
	members.sort();
	members
}

/// The account whose calls need [`COMMITTEE_THRESHOLD`] of the
/// [`technical_committee`]'s signatures (pallet-multisig's account of the
/// sorted members): staging's sudo key.
pub fn committee_root() -> AccountId {
	polkadot_sdk::pallet_multisig::Pallet::<crate::Runtime>::multi_account_id(
		&technical_committee(),
		COMMITTEE_THRESHOLD,
	)
}

/// The template of a public network: two validators, the moderators, a
/// technical committee of three whose 2-of-3 multisig is the sudo key (no
/// single key is Root), and no endowed accounts but the committee's. The
/// keys are the well-known development keys standing in for the operators'
/// own: replace them in the plain chain spec before launching (see README).
pub fn staging() -> Value {
	genesis(
		vec![
			authority(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			authority(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
		],
		technical_committee(),
		committee_root(),
	)
}

/// The JSON patch of preset `id`.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_testnet(),
		STAGING_PRESET => staging(),
		_ => return None,
	};
	serde_json::to_string(&patch).ok().map(|s| s.into_bytes())
}

/// The presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
		PresetId::from(STAGING_PRESET),
	]
}
