//! The dedupe index at scale (`scripts/bench-index.sh` runs it): fills the
//! index the offchain worker and the `musicchain_matchFingerprint` RPC use
//! (`fingerprint::index`, over the in-memory `IndexStore`) with generated
//! songs, and prints at each size how long a query and a verdict take, how
//! many re-encodes are found, how many strangers are taken for songs, and
//! the bytes per song.
//!
//! The songs have the statistics of real Chromaprint output: each of the
//! 16 classifiers (two bits of every sub-fingerprint) follows the
//! transition rates fitted on the fingerprints of real recordings, and a
//! re-encode flips each bit at the rate measured between those recordings
//! and their real re-encodes, after dropping up to three leading items (an
//! encoder's delay). The real recordings are indexed too, and their real
//! re-encodes looked up. What this model leaves out: the classifiers'
//! correlation with one another (generated items spread a little more
//! evenly over the term space than real ones).
//!
//! Usage: MUSICCHAIN_REAL_FINGERPRINTS=FILE cargo bench -p musicchain-primitives
//! --bench index -- SIZE...; FILE has one line per fingerprint: NAME,
//! ENCODING (the original is `ogg`) and the raw items, comma-separated,
//! tab-separated.

use musicchain_primitives::{
	blake2_256,
	fingerprint::{
		codec::decompress,
		index::{self, IndexStore, MemoryStore},
		matcher, Fingerprint,
	},
	FingerprintHash,
};
use std::time::{Duration, Instant};

/// The chain's match threshold (`MatchThreshold`, 85 %).
const THRESHOLD_PPM: u32 = 850_000;
/// Candidates the worker and the RPC compare in full.
const CANDIDATES: usize = 10;
/// Queries per size: re-encodes of indexed songs, and strangers.
const QUERIES: usize = 1_000;

struct Real {
	name: String,
	encoding: String,
	items: Vec<u32>,
}

fn load_real() -> Vec<Real> {
	let path = std::env::var("MUSICCHAIN_REAL_FINGERPRINTS")
		.expect("MUSICCHAIN_REAL_FINGERPRINTS: the real fingerprints (scripts/bench-index.sh)");
	let text = std::fs::read_to_string(&path).expect("the real fingerprints");
	text.lines()
		.filter_map(|line| {
			let mut fields = line.split('\t');
			let (name, encoding, items) = (fields.next()?, fields.next()?, fields.next()?);
			let items: Vec<u32> = items.split(',').filter_map(|x| x.trim().parse().ok()).collect();
			(items.len() >= 100).then(|| Real {
				name: name.into(),
				encoding: encoding.into(),
				items,
			})
		})
		.collect()
}

/// xorshift64*.
struct Rng(u64);

impl Rng {
	fn next(&mut self) -> u64 {
		self.0 ^= self.0 >> 12;
		self.0 ^= self.0 << 25;
		self.0 ^= self.0 >> 27;
		self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
	}
	fn below(&mut self, n: u64) -> u64 {
		self.next() % n.max(1)
	}
	/// True with probability `p` (in 2^-32).
	fn chance(&mut self, p: u32) -> bool {
		(self.next() >> 32) < u64::from(p)
	}
}

/// Chromaprint's statistics, fitted on real fingerprints.
struct Model {
	/// Per classifier, per symbol: the cumulative chances (2^-32) of the
	/// next item's symbol.
	next: [[[u64; 4]; 4]; 16],
	/// Per classifier: the cumulative chances of the first symbol.
	first: [[u64; 4]; 16],
	/// Per bit: the chance (2^-32) that a re-encode flips it.
	flip: [u32; 32],
	/// Fingerprint lengths (items) of the real recordings.
	lengths: Vec<usize>,
	/// The measured bit error rate of real re-encodes, in ppm.
	ber_ppm: u32,
}

fn cumulative(counts: &[u64; 4]) -> [u64; 4] {
	let total: u64 = counts.iter().map(|c| c + 1).sum();
	let mut out = [0u64; 4];
	let mut sum = 0u64;
	for (i, c) in counts.iter().enumerate() {
		sum += c + 1;
		out[i] = (sum << 32) / total;
	}
	out
}

fn fit(real: &[Real]) -> Model {
	let mut next = [[[0u64; 4]; 4]; 16];
	let mut first = [[0u64; 4]; 16];
	let mut lengths = Vec::new();
	for r in real.iter().filter(|r| r.encoding == "ogg") {
		lengths.push(r.items.len());
		for c in 0..16 {
			let symbol = |x: u32| ((x >> (2 * c)) & 3) as usize;
			first[c][symbol(r.items[0])] += 1;
			for w in r.items.windows(2) {
				next[c][symbol(w[0])][symbol(w[1])] += 1;
			}
		}
	}
	let mut flips = [0u64; 32];
	let mut pairs = 0u64;
	// Aligned items whose top 16, 20, 24, 28 and 32 bits agree.
	let mut agree = [0u64; 5];
	for r in real.iter().filter(|r| r.encoding != "ogg") {
		let Some(orig) = real.iter().find(|o| o.encoding == "ogg" && o.name == r.name) else {
			continue;
		};
		let Some(at) = matcher::compare(&orig.items, &r.items) else { continue };
		for (i, b) in r.items.iter().enumerate() {
			let Some(a) = usize::try_from(i as i64 + i64::from(at.offset))
				.ok()
				.and_then(|j| orig.items.get(j))
			else {
				continue;
			};
			let diff = a ^ b;
			for (k, top) in [16u32, 20, 24, 28, 32].iter().enumerate() {
				agree[k] += u64::from(diff >> (32 - top) == 0);
			}
			for (bit, f) in flips.iter_mut().enumerate() {
				*f += u64::from((diff >> bit) & 1);
			}
			pairs += 1;
		}
	}
	let pairs = pairs.max(1);
	println!(
		"aligned items of real re-encodes whose top 16/20/24/28/32 bits agree: {}",
		agree.map(|a| format!("{:.1} %", a as f64 * 100.0 / pairs as f64)).join(", ")
	);
	let flip = flips.map(|f| u32::try_from((f << 32) / pairs).unwrap_or(u32::MAX));
	let ber_ppm = (flips.iter().sum::<u64>() * 1_000_000 / (pairs * 32)) as u32;
	Model {
		next: next.map(|c| c.map(|row| cumulative(&row))),
		first: first.map(|row| cumulative(&row)),
		flip,
		lengths,
		ber_ppm,
	}
}

fn pick(cum: &[u64; 4], r: u64) -> u32 {
	cum.iter().position(|&c| r < c).unwrap_or(3) as u32
}

impl Model {
	fn song(&self, rng: &mut Rng) -> Vec<u32> {
		let len = self.lengths[rng.below(self.lengths.len() as u64) as usize];
		let mut symbols = [0u32; 16];
		for (c, s) in symbols.iter_mut().enumerate() {
			*s = pick(&self.first[c], rng.next() >> 32);
		}
		let mut items = Vec::with_capacity(len);
		for _ in 0..len {
			let mut item = 0u32;
			for (c, s) in symbols.iter_mut().enumerate() {
				*s = pick(&self.next[c][*s as usize], rng.next() >> 32);
				item |= *s << (2 * c);
			}
			items.push(item);
		}
		items
	}

	/// A re-encode of `items`, its bits flipped `harder` times as often as
	/// the real re-encodes flip them.
	fn reencode(&self, rng: &mut Rng, items: &[u32], harder: u32) -> Vec<u32> {
		let skip = rng.below(4) as usize;
		items[skip..]
			.iter()
			.map(|&x| {
				let mut y = x;
				for bit in 0..32 {
					if rng.chance(self.flip[bit].saturating_mul(harder)) {
						y ^= 1 << bit;
					}
				}
				y
			})
			.collect()
	}
}

fn hash_of(items: &[u32]) -> (FingerprintHash, Vec<u8>) {
	let bytes = Fingerprint { algorithm: 1, items: items.to_vec() }.compress();
	(FingerprintHash(blake2_256(&bytes)), bytes)
}

/// Writes the fingerprint as the runtime's offchain indexing does, then
/// indexes it as the worker's catch-up does. Returns the time indexing took.
fn add(store: &mut MemoryStore, items: &[u32]) -> (FingerprintHash, Duration) {
	let (hash, bytes) = hash_of(items);
	store.set(&index::fingerprint_key(&hash), &bytes);
	let started = Instant::now();
	index::insert(store, &hash, items);
	(hash, started.elapsed())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
	if sorted.is_empty() {
		return Duration::ZERO;
	}
	sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
	d.as_secs_f64() * 1e3
}

fn main() {
	let mut sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
	if sizes.is_empty() {
		sizes = vec![10_000];
	}
	sizes.sort_unstable();
	let real = load_real();
	let model = fit(&real);
	let originals: Vec<&Real> = real.iter().filter(|r| r.encoding == "ogg").collect();
	println!(
		"fitted on {} real recordings ({} fingerprints); their re-encodes differ in {:.1} % of bits",
		originals.len(),
		real.len(),
		f64::from(model.ber_ppm) / 1e4
	);
	let mut store = MemoryStore::default();
	let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
	let mut songs: Vec<u64> = Vec::new(); // the seed of each generated song
	let mut real_hashes = Vec::new();
	for r in &originals {
		real_hashes.push((r.name.clone(), add(&mut store, &r.items).0));
	}
	let mut insert_time = Duration::ZERO;
	println!(
		"{:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>8} {:>7} {:>9} {:>7} {:>9}",
		"songs",
		"p50 ms",
		"p99 ms",
		"max ms",
		"recall %",
		"4xBER %",
		"real %",
		"false",
		"index B",
		"fp B",
		"build s"
	);
	let mut verdict_rows = Vec::new();
	for &size in &sizes {
		while songs.len() + originals.len() < size {
			let seed = rng.next();
			let items = model.song(&mut Rng(seed | 1));
			insert_time += add(&mut store, &items).1;
			songs.push(seed);
		}
		// Re-encodes of indexed songs, and strangers (never indexed).
		let mut q = Rng(size as u64 * 7 + 3);
		let mut times = Vec::new();
		let mut found = [0usize; 2];
		let mut false_matches = 0usize;
		for i in 0..2 * QUERIES {
			// Half as the real re-encodes differ, half four times as much
			// (as a 32 kbit/s Opus differs).
			let hard = i % 2;
			let seed = songs[q.below(songs.len() as u64) as usize];
			let items = model.song(&mut Rng(seed | 1));
			let want = hash_of(&items).0;
			let query = model.reencode(&mut q, &items, if hard == 1 { 4 } else { 1 });
			let bytes = Fingerprint { algorithm: 1, items: query }.compress();
			let started = Instant::now();
			let decoded = decompress(&bytes).expect("a fingerprint").items;
			let matches = index::matches(&store, &decoded, None, CANDIDATES);
			times.push(started.elapsed());
			match matches.first() {
				Some(m) if m.alignment.similarity_ppm >= THRESHOLD_PPM && m.hash == want => {
					found[hard] += 1
				},
				Some(m) if m.alignment.similarity_ppm >= THRESHOLD_PPM => false_matches += 1,
				_ => {},
			}
		}
		for _ in 0..QUERIES {
			let stranger = model.song(&mut Rng(q.next() | 1));
			let started = Instant::now();
			let matches = index::matches(&store, &stranger, None, CANDIDATES);
			times.push(started.elapsed());
			false_matches +=
				matches.iter().filter(|m| m.alignment.similarity_ppm >= THRESHOLD_PPM).count();
		}
		// The real re-encodes of the real recordings.
		let (mut real_found, mut real_total) = (0, 0);
		for r in real.iter().filter(|r| r.encoding != "ogg") {
			let Some((_, want)) = real_hashes.iter().find(|(n, _)| *n == r.name) else { continue };
			real_total += 1;
			let started = Instant::now();
			let matches = index::matches(&store, &r.items, None, CANDIDATES);
			times.push(started.elapsed());
			match matches.first() {
				Some(m) if m.alignment.similarity_ppm >= THRESHOLD_PPM && m.hash == *want => {
					real_found += 1
				},
				Some(m) if m.alignment.similarity_ppm >= THRESHOLD_PPM => false_matches += 1,
				_ => {},
			}
		}
		times.sort_unstable();
		let (mut index_bytes, mut fp_bytes) = (0usize, 0usize);
		for (k, v) in &store.0 {
			if k.starts_with(index::FINGERPRINT_PREFIX) {
				fp_bytes += k.len() + v.len();
			} else {
				index_bytes += k.len() + v.len();
			}
		}
		let n = songs.len() + originals.len();
		println!(
			"{:>9} {:>9.3} {:>9.3} {:>9.3} {:>9.2} {:>9.2} {:>8.1} {:>7} {:>9.0} {:>7.0} {:>9.1}",
			n,
			ms(percentile(&times, 0.5)),
			ms(percentile(&times, 0.99)),
			ms(times.last().copied().unwrap_or_default()),
			found[0] as f64 * 100.0 / QUERIES as f64,
			found[1] as f64 * 100.0 / QUERIES as f64,
			real_found as f64 * 100.0 / real_total.max(1) as f64,
			false_matches,
			index_bytes as f64 / n as f64,
			fp_bytes as f64 / n as f64,
			insert_time.as_secs_f64(),
		);
		// A verdict as the worker reaches it: the new song indexed, then
		// matched against all before it.
		let mut verdicts = Vec::new();
		for _ in 0..200 {
			let items = model.song(&mut Rng(q.next() | 1));
			let (hash, bytes) = hash_of(&items);
			store.set(&index::fingerprint_key(&hash), &bytes);
			let started = Instant::now();
			index::insert(&mut store, &hash, &items);
			let _ = index::matches(&store, &items, Some(&hash), CANDIDATES);
			verdicts.push(started.elapsed());
		}
		verdicts.sort_unstable();
		verdict_rows.push((n, percentile(&verdicts, 0.5), percentile(&verdicts, 0.99)));
	}
	println!("\nthe offchain worker's verdict on one new song (index it, match it):");
	for (n, p50, p99) in verdict_rows {
		println!("{n:>9} songs: p50 {:.3} ms, p99 {:.3} ms", ms(p50), ms(p99));
	}
}
