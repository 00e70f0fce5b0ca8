//! Play receipts: what a serving peer signs at the end of a play session, and
//! the pure rules that decide whether the heartbeats in it prove a real play.

use alloc::vec::Vec;
use bounded_collections::{BoundedVec, ConstU32};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use polkadot_sdk::sp_arithmetic::Permill;
use scale_info::TypeInfo;

use crate::{ContentHash, SongId};

/// Most heartbeats one receipt can carry: a 6 h song at one heartbeat every
/// 5 s needs 4,320; the rest is slack for pauses and seeks.
pub const MAX_HEARTBEATS: u32 = 4_800;

/// Domain separator of the receipt signing payload.
pub const RECEIPT_DOMAIN: &[u8] = b"musicchain/session-receipt/v1";

/// One heartbeat: the listener played `[from_ms, to_ms)` of the song, and the
/// server received the report at `at_ms` (unix time in ms, server clock).
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct Heartbeat {
	pub from_ms: u32,
	pub to_ms: u32,
	pub at_ms: u64,
}

/// The server's statement of what a listener played in one session.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct SessionReceipt<AccountId> {
	pub listener: AccountId,
	pub server: AccountId,
	pub song: SongId,
	pub content_hash: ContentHash,
	/// Chosen by the listener per session; never accepted twice from one listener.
	pub nonce: u64,
	pub heartbeats: BoundedVec<Heartbeat, ConstU32<MAX_HEARTBEATS>>,
}

impl<AccountId: Encode> SessionReceipt<AccountId> {
	/// The exact bytes the server signs (sr25519): a domain separator, the
	/// chain's genesis hash (a receipt for one chain is worthless on another)
	/// and the SCALE encoding of the receipt.
	pub fn signing_payload(&self, genesis_hash: &[u8]) -> Vec<u8> {
		let mut out = Vec::with_capacity(RECEIPT_DOMAIN.len() + 32 + self.encoded_size());
		out.extend_from_slice(RECEIPT_DOMAIN);
		out.extend_from_slice(genesis_hash);
		self.encode_to(&mut out);
		out
	}

	/// Time stamp of the last heartbeat, if any.
	pub fn last_at_ms(&self) -> Option<u64> {
		self.heartbeats.last().map(|h| h.at_ms)
	}
}

/// The limits a play is judged by (runtime constants on chain).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PlayRules {
	/// Share of the song's duration the distinct played ranges must cover.
	pub min_coverage: Permill,
	/// Most audio one heartbeat may advance.
	pub max_advance_ms: u32,
	/// Tolerance added to every advance limit (clock jitter, buffering).
	pub grace_ms: u32,
}

impl Default for PlayRules {
	fn default() -> Self {
		PlayRules { min_coverage: Permill::from_percent(50), max_advance_ms: 10_000, grace_ms: 500 }
	}
}

/// Why the heartbeats of a receipt do not prove a play.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReceiptError {
	/// The receipt holds no heartbeat.
	NoHeartbeats,
	/// Heartbeat time stamps are not strictly increasing.
	HeartbeatsOutOfOrder,
	/// A heartbeat's range is empty, reversed, or beyond the end of the song.
	InvalidRange,
	/// The whole session took less wall time than the share of the song it
	/// claims to have covered (e.g. the whole song reported at once).
	InstantCompletion,
	/// A heartbeat advanced more audio than the wall time since the previous
	/// one (or more than the per-heartbeat maximum), plus the grace.
	FastForward,
	/// Enough was played in total, but the same part over and over: the
	/// distinct seconds are below the required share.
	RepeatedCoverage,
	/// Less than the required share of the song was played.
	InsufficientCoverage,
}

/// What the heartbeats of a valid play show.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PlayStats {
	/// Milliseconds of distinct song positions heard (union of ranges).
	pub unique_ms: u32,
	/// Milliseconds played in total, repeats counted.
	pub total_ms: u64,
}

/// Milliseconds covered by the union of `ranges` (`[from, to)`), each clamped
/// to `[0, duration_ms)`. Overlaps and repeats count once.
pub fn union_coverage_ms(ranges: impl IntoIterator<Item = (u32, u32)>, duration_ms: u32) -> u32 {
	let mut spans: Vec<(u32, u32)> = ranges
		.into_iter()
		.map(|(a, b)| (a.min(duration_ms), b.min(duration_ms)))
		.filter(|(a, b)| a < b)
		.collect();
	spans.sort_unstable();
	let mut covered: u32 = 0;
	let mut current: Option<(u32, u32)> = None;
	for (a, b) in spans {
		current = match current {
			Some((ca, cb)) if a <= cb => Some((ca, cb.max(b))),
			Some((ca, cb)) => {
				covered = covered.saturating_add(cb.saturating_sub(ca));
				Some((a, b))
			},
			None => Some((a, b)),
		};
	}
	if let Some((ca, cb)) = current {
		covered = covered.saturating_add(cb.saturating_sub(ca));
	}
	covered
}

/// Checks the heartbeats of one session against `rules` for a song of
/// `duration_ms`, and returns what they prove. Integer-only and allocation
/// bounded by the number of heartbeats.
pub fn verify_heartbeats(
	heartbeats: &[Heartbeat],
	duration_ms: u32,
	rules: &PlayRules,
) -> Result<PlayStats, ReceiptError> {
	let first = heartbeats.first().ok_or(ReceiptError::NoHeartbeats)?;
	let mut total_ms: u64 = 0;
	let mut prev_at: Option<u64> = None;
	for h in heartbeats {
		if prev_at.is_some_and(|p| h.at_ms <= p) {
			return Err(ReceiptError::HeartbeatsOutOfOrder);
		}
		if h.from_ms >= h.to_ms || h.to_ms > duration_ms {
			return Err(ReceiptError::InvalidRange);
		}
		total_ms = total_ms.saturating_add(u64::from(h.to_ms - h.from_ms));
		prev_at = Some(h.at_ms);
	}
	let required = u64::from(rules.min_coverage.mul_ceil(duration_ms));

	// The session as a whole: the first heartbeat may report up to one full
	// advance of audio played before it, the rest must fit in wall time. A
	// session that claims too little audio anyway is refused below for its
	// coverage, the reason a listener can act on.
	let last_at = prev_at.unwrap_or(first.at_ms);
	let wall_ms = last_at
		.saturating_sub(first.at_ms)
		.saturating_add(u64::from(rules.max_advance_ms))
		.saturating_add(u64::from(rules.grace_ms));
	if wall_ms < required && total_ms >= required {
		return Err(ReceiptError::InstantCompletion);
	}

	let mut prev_at: Option<u64> = None;
	for h in heartbeats {
		let elapsed = match prev_at {
			Some(p) => h.at_ms.saturating_sub(p).min(u64::from(rules.max_advance_ms)),
			None => u64::from(rules.max_advance_ms),
		};
		let advance = u64::from(h.to_ms - h.from_ms);
		if advance > elapsed.saturating_add(u64::from(rules.grace_ms)) {
			return Err(ReceiptError::FastForward);
		}
		prev_at = Some(h.at_ms);
	}

	let unique_ms = union_coverage_ms(heartbeats.iter().map(|h| (h.from_ms, h.to_ms)), duration_ms);
	if u64::from(unique_ms) < required {
		return Err(if total_ms >= required {
			ReceiptError::RepeatedCoverage
		} else {
			ReceiptError::InsufficientCoverage
		});
	}
	Ok(PlayStats { unique_ms, total_ms })
}

/// Heartbeats of a listener who plays `[from_ms, to_ms)` in real time from
/// wall-clock `start_at_ms`, one heartbeat every `every_ms`. Used by the
/// client's session driver and by tests.
pub fn realtime_heartbeats(
	from_ms: u32,
	to_ms: u32,
	start_at_ms: u64,
	every_ms: u32,
) -> Vec<Heartbeat> {
	let mut out = Vec::new();
	if every_ms == 0 {
		return out;
	}
	let mut pos = from_ms;
	let mut at = start_at_ms;
	while pos < to_ms {
		let next = pos.saturating_add(every_ms).min(to_ms);
		at = at.saturating_add(u64::from(next - pos));
		out.push(Heartbeat { from_ms: pos, to_ms: next, at_ms: at });
		pos = next;
	}
	out
}

#[cfg(test)]
mod tests {
	use super::*;

	const SONG: u32 = 240_000;

	fn rules() -> PlayRules {
		PlayRules::default()
	}

	#[test]
	fn seek_example_counts_unique_seconds() {
		// Heard 0-60 s, then seeked to 90 s and heard to 150 s: 120 s of 240 s.
		let mut hb = realtime_heartbeats(0, 60_000, 1_000_000, 5_000);
		let resume_at = hb.last().map(|h| h.at_ms).unwrap_or_default() + 1_000;
		hb.extend(realtime_heartbeats(90_000, 150_000, resume_at, 5_000));
		let stats = verify_heartbeats(&hb, SONG, &rules()).expect("valid play");
		assert_eq!(stats.unique_ms, 120_000);
	}

	#[test]
	fn chorus_loop_is_repeated_coverage() {
		let mut hb = Vec::new();
		let mut at = 1_000_000u64;
		for _ in 0..40 {
			for (a, b) in [(60_000, 70_000), (70_000, 80_000)] {
				at += 10_000;
				hb.push(Heartbeat { from_ms: a, to_ms: b, at_ms: at });
			}
		}
		assert_eq!(verify_heartbeats(&hb, SONG, &rules()), Err(ReceiptError::RepeatedCoverage));
	}

	#[test]
	fn below_half_is_insufficient() {
		let hb = realtime_heartbeats(0, 119_000, 1_000_000, 5_000);
		assert_eq!(verify_heartbeats(&hb, SONG, &rules()), Err(ReceiptError::InsufficientCoverage));
		let hb = realtime_heartbeats(0, 120_000, 1_000_000, 5_000);
		assert!(verify_heartbeats(&hb, SONG, &rules()).is_ok());
		// A short honest session is too little audio, not an instant one.
		let hb = realtime_heartbeats(0, 6_000, 1_000_000, 5_000);
		assert_eq!(verify_heartbeats(&hb, SONG, &rules()), Err(ReceiptError::InsufficientCoverage));
	}

	#[test]
	fn instant_and_fast_forward() {
		let one = [Heartbeat { from_ms: 0, to_ms: SONG, at_ms: 5 }];
		assert_eq!(verify_heartbeats(&one, SONG, &rules()), Err(ReceiptError::InstantCompletion));
		// Honest-looking ranges stamped 1 ms apart.
		let mut hb = realtime_heartbeats(0, SONG, 0, 5_000);
		for (i, h) in hb.iter_mut().enumerate() {
			h.at_ms = i as u64;
		}
		assert_eq!(verify_heartbeats(&hb, SONG, &rules()), Err(ReceiptError::InstantCompletion));
		// 15 s of audio every 5 s of wall time, over a long enough session.
		let mut hb = realtime_heartbeats(0, SONG, 0, 15_000);
		for (i, h) in hb.iter_mut().enumerate() {
			h.at_ms = (i as u64 + 1) * 10_000;
		}
		assert_eq!(verify_heartbeats(&hb, SONG, &rules()), Err(ReceiptError::FastForward));
	}

	#[test]
	fn malformed_heartbeats() {
		assert_eq!(verify_heartbeats(&[], SONG, &rules()), Err(ReceiptError::NoHeartbeats));
		let mut hb = realtime_heartbeats(0, 130_000, 0, 5_000);
		hb.swap(3, 4);
		assert_eq!(verify_heartbeats(&hb, SONG, &rules()), Err(ReceiptError::HeartbeatsOutOfOrder));
		let bad = [Heartbeat { from_ms: 10, to_ms: 10, at_ms: 1 }];
		assert_eq!(verify_heartbeats(&bad, SONG, &rules()), Err(ReceiptError::InvalidRange));
		let beyond = [Heartbeat { from_ms: SONG - 1, to_ms: SONG + 1, at_ms: 1 }];
		assert_eq!(verify_heartbeats(&beyond, SONG, &rules()), Err(ReceiptError::InvalidRange));
	}

	#[test]
	fn union_merges_overlaps() {
		assert_eq!(union_coverage_ms([(0, 10), (5, 15), (20, 30), (20, 30)], 100), 25);
		assert_eq!(union_coverage_ms([(90, 200)], 100), 10);
		assert_eq!(union_coverage_ms([], 100), 0);
	}

	#[test]
	fn payload_binds_domain_and_genesis() {
		let r = SessionReceipt {
			listener: [1u8; 32],
			server: [2u8; 32],
			song: 7,
			content_hash: ContentHash([3; 32]),
			nonce: 9,
			heartbeats: BoundedVec::truncate_from(realtime_heartbeats(0, 10_000, 0, 5_000)),
		};
		let a = r.signing_payload(&[0; 32]);
		let b = r.signing_payload(&[1; 32]);
		assert!(a.starts_with(RECEIPT_DOMAIN));
		assert_ne!(a, b);
		assert_eq!(&a[RECEIPT_DOMAIN.len() + 32..], &r.encode()[..]);
	}
}
