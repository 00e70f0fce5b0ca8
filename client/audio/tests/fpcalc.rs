//! Agreement with the reference implementation: for every supported
//! container, our fingerprint and `fpcalc -raw` of the same file agree to at
//! least 0.98 similarity (1 - bit error rate at the best alignment).

use musicchain_testkit as common;

use musicchain_audio as audio;
use musicchain_primitives::fingerprint::matcher::{compare, PPM};
use std::process::Command;

/// Minimum similarity with fpcalc, in ppm.
const MIN_AGREEMENT_PPM: u32 = 980_000;

/// fpcalc's fingerprint of `path`. For APE, of FFmpeg's decoding of it to
/// WAV: fpcalc 1.5.1 (Debian 12, FFmpeg 5.1) keeps only the first of the
/// several frames FFmpeg's APE decoder makes of each packet, so its own
/// fingerprint of an APE file covers about a sixteenth of the audio (33
/// items where 237 are due) and says nothing about ours.
fn fpcalc_of(path: &std::path::Path, dir: &std::path::Path) -> Option<Vec<u32>> {
	if path.extension().is_some_and(|e| e == "ape") {
		let wav = dir.join("ape.wav");
		let ok = Command::new("ffmpeg")
			.args(["-nostdin", "-loglevel", "error", "-y", "-i"])
			.arg(path)
			.arg(&wav)
			.status()
			.ok()?
			.success();
		return if ok { fpcalc_raw(&wav) } else { None };
	}
	fpcalc_raw(path)
}

fn fpcalc_raw(path: &std::path::Path) -> Option<Vec<u32>> {
	// fpcalc 1.5.1 exits non-zero ("Error decoding audio frame (End of
	// file)") after printing a complete fingerprint: read stdout regardless.
	let out =
		Command::new("fpcalc").arg("-raw").arg("-length").arg("120").arg(path).output().ok()?;
	let text = String::from_utf8_lossy(&out.stdout);
	let line = text.lines().find_map(|l| l.strip_prefix("FINGERPRINT="))?;
	line.split(',').map(|x| x.trim().parse::<i64>().ok().map(|v| v as u32)).collect()
}

#[test]
fn fingerprints_agree_with_fpcalc() {
	if Command::new("fpcalc").arg("-version").output().is_err() {
		println!("SKIPPED: fpcalc not found (apt-get install libchromaprint-tools)");
		return;
	}
	let mut files = common::files_in("good");
	files.extend(common::files_in("other"));
	files.extend(common::files_in("long"));
	let dir = tempfile::tempdir().expect("tempdir");
	let mut worst = PPM;
	let mut failures = Vec::new();
	for file in &files {
		let ours = audio::fingerprint_file(file)
			.unwrap_or_else(|e| panic!("{}: {e}", file.display()))
			.1
			.fingerprint
			.items;
		let theirs = fpcalc_of(file, dir.path())
			.unwrap_or_else(|| panic!("fpcalc gave no fingerprint for {}", file.display()));
		let al = compare(&ours, &theirs).expect("fingerprints long enough to compare");
		println!(
			"{:<22} similarity {:.4} offset {:>3} items ours {} fpcalc {}",
			common::name(file),
			f64::from(al.similarity_ppm) / f64::from(PPM),
			al.offset,
			ours.len(),
			theirs.len()
		);
		worst = worst.min(al.similarity_ppm);
		if al.similarity_ppm < MIN_AGREEMENT_PPM {
			failures.push(common::name(file));
		}
	}
	println!("worst agreement with fpcalc: {:.4}", f64::from(worst) / f64::from(PPM));
	assert!(failures.is_empty(), "below 0.98 agreement with fpcalc: {failures:?}");
}
