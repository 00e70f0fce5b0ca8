//! `musicchain fingerprint`: Chromaprint fingerprints of files, printed as
//! `fpcalc` prints them.

use anyhow::Result;
use musicchain_audio as audio;
use std::{ffi::OsString, io::Write, path::PathBuf};

/// Print the Chromaprint fingerprint of files, the way `fpcalc` does.
/// fpcalc's own spellings (`-raw`, `-json`, `-plain`, `-length 30`) work too.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  musicchain fingerprint song.flac\n  musicchain fingerprint \
                        -json -length 30 *.mp3")]
pub struct Args {
	/// Print the raw sub-fingerprints as unsigned integers (like `fpcalc -raw`).
	#[arg(long)]
	raw: bool,
	/// Print one JSON object a file: {"duration": SECONDS, "fingerprint": ...}
	/// (and "file" when there are several).
	#[arg(long, conflicts_with = "plain")]
	json: bool,
	/// Print just the fingerprint, one line a file.
	#[arg(long)]
	plain: bool,
	/// Fingerprint the first SECS seconds of each file; 0 for all of it.
	/// The library and the chain use the first 120.
	#[arg(long, value_name = "SECS", default_value_t = audio::FINGERPRINT_SECONDS)]
	length: u64,
	/// Audio files.
	#[arg(required = true)]
	files: Vec<PathBuf>,
}

/// fpcalc's single-dash options as this command's double-dash ones:
/// `musicchain fingerprint -json FILE` is `... --json FILE`. Only the
/// arguments after `fingerprint` are touched (the others have no such
/// options), and only up to a `--`.
pub fn fpcalc_spellings(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
	let mut seen_command = false;
	let mut done = false;
	args.into_iter()
		.map(|arg| {
			let Some(text) = arg.to_str().filter(|_| !done) else { return arg };
			if !seen_command {
				seen_command = text == "fingerprint";
			} else if text == "--" {
				done = true;
			} else if ["-raw", "-json", "-plain", "-length"].contains(&text) {
				return format!("-{text}").into();
			}
			arg
		})
		.collect()
}

pub fn exec(args: Args) -> Result<i32> {
	let seconds = if args.length == 0 { u64::MAX } else { args.length };
	let how = if args.json {
		Output::Json
	} else if args.plain {
		Output::Plain
	} else {
		Output::Text
	};
	fingerprint(&args.files, args.raw, how, seconds)
}

/// How the fingerprints are printed.
#[derive(Clone, Copy, PartialEq)]
enum Output {
	/// `DURATION=` and `FINGERPRINT=` lines (`FILE=` first when several).
	Text,
	/// One JSON object a line.
	Json,
	/// The fingerprint alone, one a line.
	Plain,
}

fn fingerprint(files: &[PathBuf], raw: bool, how: Output, seconds: u64) -> Result<i32> {
	let mut out = std::io::stdout().lock();
	let mut failures = 0;
	let several = files.len() > 1;
	for (i, file) in files.iter().enumerate() {
		let decoded = match audio::fingerprint_file_for(file, seconds) {
			Ok((_, decoded)) => decoded,
			Err(e) => {
				failures += 1;
				eprintln!("{}: {e}", file.display());
				continue;
			},
		};
		let items = &decoded.fingerprint.items;
		let text = if raw {
			items.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(",")
		} else {
			decoded.fingerprint.to_base64()
		};
		match how {
			Output::Plain => writeln!(out, "{text}")?,
			Output::Json => {
				let fingerprint =
					if raw { serde_json::json!(items) } else { serde_json::json!(text) };
				let mut object = serde_json::json!({
					"duration": (decoded.duration_ms as f64 / 1000.0 * 100.0).round() / 100.0,
					"fingerprint": fingerprint,
				});
				if several {
					object["file"] = serde_json::json!(file.to_string_lossy());
				}
				writeln!(out, "{object}")?;
			},
			Output::Text => {
				if several {
					if i > 0 {
						writeln!(out)?;
					}
					writeln!(out, "FILE={}", file.display())?;
				}
				writeln!(out, "DURATION={}", decoded.duration_ms / 1000)?;
				writeln!(out, "FINGERPRINT={text}")?;
			},
		}
	}
	Ok(if failures > 0 { 1 } else { 0 })
}

#[cfg(test)]
mod tests {
	use super::fpcalc_spellings;

	#[test]
	fn fpcalc_spellings_are_read_after_the_command_only() {
		let args = |a: &[&str]| a.iter().map(Into::into).collect::<Vec<std::ffi::OsString>>();
		assert_eq!(
			fpcalc_spellings(args(&[
				"musicchain",
				"fingerprint",
				"-json",
				"-length",
				"30",
				"a.mp3"
			])),
			args(&["musicchain", "fingerprint", "--json", "--length", "30", "a.mp3"])
		);
		assert_eq!(
			fpcalc_spellings(args(&["musicchain", "-q", "fingerprint", "-raw", "--", "-plain"])),
			args(&["musicchain", "-q", "fingerprint", "--raw", "--", "-plain"]),
			"a file named -plain after --"
		);
		assert_eq!(
			fpcalc_spellings(args(&["musicchain", "search", "-json"])),
			args(&["musicchain", "search", "-json"]),
			"other commands are left alone"
		);
	}
}
