//! Mono 16-bit audio at any rate to Chromaprint's 11025 Hz: a polyphase
//! windowed-sinc filter, one phase per output position (the ratio of two
//! common rates is a small fraction: 44100 -> 11025 is 4:1, 48000 -> 11025
//! is 640:147), in 16-bit fixed point (coefficients scaled by 2^15, sums
//! in 32 bits, as FFmpeg's resampler does for 16-bit audio) so the dot
//! products vectorise.
//!
//! rusty-chromaprint resamples with rubato in `f64`, one sample at a time
//! through its buffers: a quarter of a WAV file's fingerprinting time. Fed
//! at 11025 Hz already, it only analyses.

/// Chromaprint's analysis rate.
pub const TARGET_RATE: u32 = 11_025;

/// Filter length in output samples: taps at the input rate are this over
/// the cutoff (rubato's, which rusty-chromaprint uses, is 16 input samples).
const FILTER_SIZE: f64 = 16.0;

/// Cutoff as a fraction of the output's Nyquist frequency (Chromaprint's).
const CUTOFF: f64 = 0.8;

/// Kaiser window shape.
const KAISER_BETA: f64 = 9.0;

/// Phases kept at most; a ratio needing more (an odd rate) uses the nearest
/// of this many.
const MAX_PHASES: u64 = 1024;

/// A resampler of one mono stream to [`TARGET_RATE`].
pub struct Resampler {
	/// Input samples per output sample, as `step / phases`.
	step: u64,
	/// Output positions per input sample in the filter bank.
	phases: u64,
	/// `phases` filters of `taps` coefficients each (a multiple of 16, the
	/// last ones 0), scaled by 2^15.
	bank: Vec<i16>,
	taps: usize,
	/// Whether four outputs are made a step with AVX2 (the CPU has it).
	avx2: bool,
	/// Input not yet wholly used, from input sample `base` on.
	input: Vec<i16>,
	base: u64,
	/// The next output's first input sample and filter phase.
	first: u64,
	phase: u64,
}

/// 0th-order modified Bessel function of the first kind.
fn bessel_i0(x: f64) -> f64 {
	let (mut sum, mut term, q) = (1.0, 1.0, x * x / 4.0);
	for k in 1..64 {
		term *= q / (k * k) as f64;
		sum += term;
		if term < sum * 1e-17 {
			break;
		}
	}
	sum
}

fn gcd(a: u64, b: u64) -> u64 {
	if b == 0 {
		a
	} else {
		gcd(b, a % b)
	}
}

impl Resampler {
	/// A resampler from `rate` (not 0) to [`TARGET_RATE`].
	pub fn new(rate: u32) -> Resampler {
		let (rate, target) = (u64::from(rate.max(1)), u64::from(TARGET_RATE));
		let g = gcd(rate, target);
		let (mut step, mut phases) = (rate / g, target / g);
		if phases > MAX_PHASES {
			// Nearest of MAX_PHASES positions between input samples.
			step = (rate * MAX_PHASES + target / 2) / target;
			phases = MAX_PHASES;
		}
		let factor = (target as f64 * CUTOFF / rate as f64).min(1.0);
		let taps = ((FILTER_SIZE / factor).ceil() as usize).max(1);
		let center = (taps - 1) / 2;
		let padded = taps.next_multiple_of(16);
		let mut bank = Vec::with_capacity(padded * phases as usize);
		let norm_window = bessel_i0(KAISER_BETA);
		for phase in 0..phases {
			let frac = phase as f64 / phases as f64;
			let filter: Vec<f64> = (0..taps)
				.map(|j| {
					let t = j as f64 - center as f64 - frac;
					let x = std::f64::consts::PI * t * factor;
					let sinc = if x == 0.0 { 1.0 } else { x.sin() / x };
					let w = 2.0 * t / taps as f64;
					sinc * bessel_i0(KAISER_BETA * (1.0 - w * w).max(0.0).sqrt()) / norm_window
				})
				.collect();
			// Each phase passes a constant level unchanged.
			let sum: f64 = filter.iter().sum();
			bank.extend(
				filter.iter().map(|h| (h / sum * ONE).round().clamp(-32768.0, 32767.0) as i16),
			);
			// Zeros up to a multiple of 16, for the vector dot product.
			bank.resize(bank.len() + padded - taps, 0);
		}
		let taps = padded;
		// Output 0 is centred on input 0: the filter's left half reads zeros.
		let input = vec![0; center];
		Resampler {
			step,
			phases,
			bank,
			taps,
			avx2: crate::has_avx2(),
			input,
			base: 0,
			first: 0,
			phase: 0,
		}
	}

	/// Resamples `samples` (the stream's next ones), appending what can be
	/// made of them to `out`.
	pub fn process(&mut self, samples: &[i16], out: &mut Vec<i16>) {
		self.input.extend_from_slice(samples);
		#[cfg(target_arch = "x86_64")]
		if self.avx2 {
			// SAFETY: the CPU has AVX2 (checked in `new`).
			unsafe { self.filter_avx2(out) };
		}
		self.filter(out);
		// Drop what no output needs any more.
		let used = (self.first.saturating_sub(self.base) as usize).min(self.input.len());
		if used > 4096 {
			self.input.drain(..used);
			self.base += used as u64;
		}
	}

	/// Makes output samples four at a time with AVX2 while the input held
	/// allows four; [`filter`](Self::filter) makes the last ones.
	///
	/// # Safety
	/// The CPU must have AVX2.
	#[cfg(target_arch = "x86_64")]
	#[target_feature(enable = "avx2")]
	unsafe fn filter_avx2(&mut self, out: &mut Vec<i16>) {
		use std::arch::x86_64::*;
		let taps = self.taps;
		// Four outputs a step: four dot products side by side, summed
		// across their lanes together (`vphaddd`), rounded, shifted and
		// saturated together, as `filter` does one by one (integer sums:
		// the same in any order).
		loop {
			let mut at = [(0usize, 0usize); 4];
			let (mut first, mut phase) = (self.first, self.phase);
			for slot in &mut at {
				*slot = ((first - self.base) as usize, phase as usize);
				(first, phase) = self.after(first, phase);
			}
			if at[3].0 + taps > self.input.len() {
				break;
			}
			// SAFETY: the CPU has AVX2 (this function's contract); every
			// load reads 16 samples within one window of `taps` samples:
			// the four windows end within `input` (checked above) and the
			// filters within `bank` (a phase is below `phases`). The store
			// writes 4 of `four`'s 8 samples.
			unsafe {
				let (x, h) = (self.input.as_ptr(), self.bank.as_ptr());
				let mut acc = [_mm256_setzero_si256(); 4];
				for c in (0..taps).step_by(16) {
					for k in 0..4 {
						let (first, phase) = at[k];
						let a = _mm256_loadu_si256(x.add(first + c) as *const __m256i);
						let b = _mm256_loadu_si256(h.add(phase * taps + c) as *const __m256i);
						acc[k] = _mm256_add_epi32(acc[k], _mm256_madd_epi16(a, b));
					}
				}
				let pairs = _mm256_hadd_epi32(
					_mm256_hadd_epi32(acc[0], acc[1]),
					_mm256_hadd_epi32(acc[2], acc[3]),
				);
				let sums = _mm_add_epi32(
					_mm256_castsi256_si128(pairs),
					_mm256_extracti128_si256(pairs, 1),
				);
				let y = _mm_add_epi32(sums, _mm_set1_epi32(1 << (SHIFT - 1)));
				let y = _mm_srai_epi32(y, SHIFT as i32);
				let mut four = [0i16; 8];
				_mm_storeu_si128(four.as_mut_ptr() as *mut __m128i, _mm_packs_epi32(y, y));
				out.extend_from_slice(&four[..4]);
			}
			(self.first, self.phase) = (first, phase);
		}
	}

	/// The first input sample and the filter phase of the output after the
	/// one at `first`, `phase`: `step / phases` input samples further.
	#[inline(always)]
	fn after(&self, first: u64, phase: u64) -> (u64, u64) {
		let (first, phase) = (first + self.step / self.phases, phase + self.step % self.phases);
		if phase >= self.phases {
			(first + 1, phase - self.phases)
		} else {
			(first, phase)
		}
	}

	/// Makes every output sample the input now held allows, one at a time.
	fn filter(&mut self, out: &mut Vec<i16>) {
		let end = self.base + self.input.len() as u64;
		while self.first + self.taps as u64 <= end {
			let at = (self.first - self.base) as usize;
			let phase = self.phase as usize;
			let x = &self.input[at..at + self.taps];
			let h = &self.bank[phase * self.taps..(phase + 1) * self.taps];
			let y = (dot(x, h) + (1 << (SHIFT - 1))) >> SHIFT;
			out.push(y.clamp(-32768, 32767) as i16);
			(self.first, self.phase) = self.after(self.first, self.phase);
		}
	}
}

/// Fixed-point scale of the coefficients.
const SHIFT: u32 = 15;
const ONE: f64 = (1 << SHIFT) as f64;

/// `x · h` in 32 bits, with SSE2's `pmaddwd` (eight products a step, summed
/// in pairs); `h.len()` is a multiple of 8. The coefficients of a phase sum to
/// 2^15 and their magnitudes to less than twice that, so no sum overflows.
#[cfg(target_arch = "x86_64")]
fn dot(x: &[i16], h: &[i16]) -> i32 {
	use std::arch::x86_64::{
		__m128i, _mm_add_epi32, _mm_loadu_si128, _mm_madd_epi16, _mm_setzero_si128,
		_mm_storeu_si128,
	};
	let mut lanes = [0i32; 4];
	// SAFETY: SSE2 is part of every x86_64 CPU; each load reads 8 samples of
	// a chunk of exactly 8, and the store writes the 4 lanes of `lanes`.
	unsafe {
		let mut acc = _mm_setzero_si128();
		for (a, b) in x.chunks_exact(8).zip(h.chunks_exact(8)) {
			let a = _mm_loadu_si128(a.as_ptr() as *const __m128i);
			let b = _mm_loadu_si128(b.as_ptr() as *const __m128i);
			acc = _mm_add_epi32(acc, _mm_madd_epi16(a, b));
		}
		_mm_storeu_si128(lanes.as_mut_ptr() as *mut __m128i, acc);
	}
	lanes.iter().sum()
}

/// `x · h` in 32 bits (elsewhere than on x86_64).
#[cfg(not(target_arch = "x86_64"))]
fn dot(x: &[i16], h: &[i16]) -> i32 {
	x.iter().zip(h).map(|(a, b)| i32::from(*a) * i32::from(*b)).sum()
}

#[cfg(test)]
mod tests {
	use super::*;

	fn tone(rate: u32, hz: f64, seconds: f64) -> Vec<i16> {
		(0..(rate as f64 * seconds) as usize)
			.map(|i| {
				(10_000.0 * (2.0 * std::f64::consts::PI * hz * i as f64 / rate as f64).sin()) as i16
			})
			.collect()
	}

	/// Amplitude of `hz` in `x` at 11025 Hz (correlation with a sine and a
	/// cosine), away from the ends.
	fn level(x: &[i16], hz: f64) -> f64 {
		let x = &x[2000..x.len() - 2000];
		let w = 2.0 * std::f64::consts::PI * hz / f64::from(TARGET_RATE);
		let (s, c) = x.iter().enumerate().fold((0.0, 0.0), |(s, c), (i, v)| {
			(s + f64::from(*v) * (w * i as f64).sin(), c + f64::from(*v) * (w * i as f64).cos())
		});
		2.0 * (s * s + c * c).sqrt() / x.len() as f64
	}

	#[test]
	fn tones_below_the_cutoff_pass_and_above_are_stopped() {
		for rate in [44_100, 48_000, 22_050, 32_000, 96_000, 8_000, 44_056] {
			// Fed in uneven pieces, as packets come.
			let input = tone(rate, 1000.0, 2.0);
			let mut r = Resampler::new(rate);
			let mut out = Vec::new();
			for piece in input.chunks(1234) {
				r.process(piece, &mut out);
			}
			let expected = input.len() as f64 * f64::from(TARGET_RATE) / f64::from(rate);
			assert!((out.len() as f64 - expected).abs() < 100.0, "{rate}: {} samples", out.len());
			let pass = level(&out, 1000.0);
			assert!((pass - 10_000.0).abs() < 300.0, "{rate} Hz: 1 kHz at {pass}");
			if rate > 16_000 {
				// 7 kHz folds to 4025 Hz at 11025 Hz unless filtered out.
				let mut r = Resampler::new(rate);
				let mut out = Vec::new();
				r.process(&tone(rate, 7000.0, 2.0), &mut out);
				let alias = level(&out, f64::from(TARGET_RATE) - 7000.0);
				assert!(alias < 100.0, "{rate} Hz: 7 kHz leaks through at {alias}");
			}
		}
	}

	#[test]
	fn four_outputs_a_step_give_the_samples_of_one_a_step() {
		let noise: Vec<i16> =
			(0..50_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 16) as i16).collect();
		if !crate::has_avx2() {
			eprintln!("this CPU has no AVX2: no four-at-a-step path to compare");
			return;
		}
		for rate in [44_100, 48_000, 22_050, 32_000, 96_000, 8_000, 44_056] {
			let run = |avx2: bool| {
				let mut r = Resampler::new(rate);
				r.avx2 = avx2;
				let mut out = Vec::new();
				for piece in noise.chunks(1234) {
					r.process(piece, &mut out);
				}
				out
			};
			let (one, four) = (run(false), run(true));
			assert!(one.len() > 1000, "{rate}: {} samples", one.len());
			assert_eq!(one, four, "{rate} Hz");
		}
	}

	#[test]
	fn the_dot_product_gives_the_plain_sum() {
		// Full-scale samples against a filter whose magnitudes sum to less
		// than 2^16, as the bank's do.
		let x: Vec<i16> =
			(0..160u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 16) as i16).collect();
		let h: Vec<i16> = (0..160i32).map(|i| ((i * 37) % 801 - 400) as i16).collect();
		let plain: i32 = x.iter().zip(&h).map(|(a, b)| i32::from(*a) * i32::from(*b)).sum();
		assert_eq!(dot(&x, &h), plain);
	}
}
