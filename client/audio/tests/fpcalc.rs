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

/// Each file's agreement with fpcalc, in ppm, printed as it goes; the files
/// below 0.98.
fn agreement(files: &[std::path::PathBuf]) -> (Vec<(std::path::PathBuf, u32)>, Vec<String>) {
	let dir = tempfile::tempdir().expect("tempdir");
	let mut all = Vec::new();
	let mut failures = Vec::new();
	for file in files {
		let ours = audio::fingerprint_file(file)
			.unwrap_or_else(|e| panic!("{}: {e}", file.display()))
			.1
			.fingerprint
			.items;
		let theirs = fpcalc_of(file, dir.path())
			.unwrap_or_else(|| panic!("fpcalc gave no fingerprint for {}", file.display()));
		let al = compare(&ours, &theirs).expect("fingerprints long enough to compare");
		println!(
			"{:<32} similarity {:.4} offset {:>3} items ours {} fpcalc {}",
			common::name(file),
			f64::from(al.similarity_ppm) / f64::from(PPM),
			al.offset,
			ours.len(),
			theirs.len()
		);
		all.push((file.clone(), al.similarity_ppm));
		if al.similarity_ppm < MIN_AGREEMENT_PPM {
			failures.push(common::name(file));
		}
	}
	(all, failures)
}

fn have_fpcalc() -> bool {
	let found = Command::new("fpcalc").arg("-version").output().is_ok();
	if !found {
		println!("SKIPPED: fpcalc not found (apt-get install libchromaprint-tools)");
	}
	found
}

#[test]
fn fingerprints_agree_with_fpcalc() {
	if !have_fpcalc() {
		return;
	}
	let mut files = common::files_in("good");
	files.extend(common::files_in("other"));
	files.extend(common::files_in("long"));
	let (all, failures) = agreement(&files);
	let worst = all.iter().map(|(_, ppm)| *ppm).min().unwrap_or(PPM);
	println!("worst agreement with fpcalc: {:.4}", f64::from(worst) / f64::from(PPM));
	assert!(failures.is_empty(), "below 0.98 agreement with fpcalc: {failures:?}");
	// Downmixed and resampled as fpcalc's FFmpeg does, the same decoded audio
	// gives the same fingerprint to within a few bits. Opus is decoded by
	// libopus here and by FFmpeg's own decoder there (0.99).
	let opus = |p: &std::path::Path| {
		let n = common::name(p);
		n.ends_with(".opus") || n.ends_with("-opus.mka") || n == "long.mka"
	};
	for (file, ppm) in all.iter().filter(|(f, _)| !opus(f)) {
		assert!(*ppm >= 999_000, "{}: {ppm} ppm", common::name(file));
	}
}

/// The same on real music of real length (`scripts/make-real-music.sh`,
/// which `scripts/bench-fingerprint.sh` runs this on): the agreement per
/// container, worst and mean.
///
/// `MUSICCHAIN_REAL_MUSIC=DIR cargo test -p musicchain-audio --test fpcalc -- --ignored`
#[test]
#[ignore = "needs real music: MUSICCHAIN_REAL_MUSIC=DIR (scripts/make-real-music.sh)"]
fn real_music_agrees_with_fpcalc_in_every_container() {
	// CI runs every ignored test (the end-to-end ones); this one only where
	// the benchmark points it at real music.
	let Some(dir) = std::env::var_os("MUSICCHAIN_REAL_MUSIC") else {
		println!("SKIPPED: no real music (MUSICCHAIN_REAL_MUSIC=DIR; scripts/bench-fingerprint.sh sets it)");
		return;
	};
	if !have_fpcalc() {
		return;
	}
	let mut files: Vec<_> = std::fs::read_dir(&dir)
		.expect("the real music folder")
		.filter_map(|e| e.ok().map(|e| e.path()))
		.filter(|p| audio::has_audio_extension(p))
		.collect();
	files.sort();
	let (all, failures) = agreement(&files);
	let container = |p: &std::path::Path| {
		let n = common::name(p);
		if n.ends_with(".alac.m4a") {
			"alac".to_string()
		} else {
			p.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default()
		}
	};
	let mut by: std::collections::BTreeMap<String, Vec<u32>> = Default::default();
	for (file, ppm) in &all {
		by.entry(container(file)).or_default().push(*ppm);
	}
	println!("container  files  worst   mean");
	for (c, v) in &by {
		let mean = v.iter().map(|x| f64::from(*x)).sum::<f64>() / v.len() as f64;
		let worst = v.iter().copied().min().unwrap_or(0);
		println!(
			"{c:<9} {:>6}  {:.4}  {:.4}",
			v.len(),
			f64::from(worst) / f64::from(PPM),
			mean / f64::from(PPM)
		);
	}
	assert!(failures.is_empty(), "below 0.98 agreement with fpcalc: {failures:?}");
}
