//! Byte-for-byte agreement of our compressed format with Chromaprint's own
//! encoder: `fpcalc -raw` and plain `fpcalc` on one file must relate exactly
//! through our codec. Skips (with a message) where sox or fpcalc is missing.

use musicchain_primitives::fingerprint::{codec, Fingerprint};
use std::process::Command;

fn tool(name: &str) -> bool {
	Command::new(name).arg("--version").output().is_ok()
}

fn fpcalc_value(args: &[&str], file: &std::path::Path) -> String {
	// fpcalc 1.5 exits non-zero after an "End of file" decoding message even
	// when it printed a complete fingerprint, so the output decides.
	let out = Command::new("fpcalc").args(args).arg(file).output().expect("fpcalc runs");
	let text = String::from_utf8(out.stdout).expect("utf8");
	text.lines()
		.find_map(|l| l.strip_prefix("FINGERPRINT="))
		.unwrap_or_else(|| panic!("no fingerprint: {}", String::from_utf8_lossy(&out.stderr)))
		.to_string()
}

#[test]
fn compressed_format_matches_fpcalc() {
	if !tool("sox") || !tool("fpcalc") {
		eprintln!("SKIPPED: sox and fpcalc (Debian: sox libchromaprint-tools) are needed");
		return;
	}
	let dir = std::env::temp_dir().join(format!("mc-fpcalc-{}", std::process::id()));
	std::fs::create_dir_all(&dir).expect("temp dir");
	let wav = dir.join("tones.wav");
	// 20 s of a chord sweep with a little noise: a rich fingerprint.
	let status = Command::new("sox")
		.args(["-n", "-r", "44100", "-c", "2"])
		.arg(&wav)
		.args(["synth", "20", "sine", "220-880", "sine", "330-990", "pinknoise", "vol", "0.5"])
		.status()
		.expect("sox runs");
	assert!(status.success());

	let raw: Vec<u32> = fpcalc_value(&["-raw"], &wav)
		.split(',')
		.map(|v| v.trim().parse::<i64>().expect("integer") as u32)
		.collect();
	let compressed = fpcalc_value(&[], &wav);
	let ours = Fingerprint { algorithm: 1, items: raw.clone() };
	assert_eq!(ours.to_base64(), compressed);
	assert_eq!(codec::decode_base64(&compressed).expect("decodes").items, raw);
	let _ = std::fs::remove_dir_all(&dir);
}
