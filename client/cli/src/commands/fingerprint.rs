//! `musicchain fingerprint`: Chromaprint fingerprints of files, printed as
//! `fpcalc` prints them.

use anyhow::Result;
use musicchain_audio as audio;
use std::{io::Write, path::PathBuf};

/// Print the Chromaprint fingerprint of files, the way `fpcalc` does.
#[derive(clap::Args)]
pub struct Args {
	/// Print the raw sub-fingerprints as unsigned integers (like `fpcalc -raw`).
	#[arg(long)]
	raw: bool,
	/// Audio files.
	#[arg(required = true)]
	files: Vec<PathBuf>,
}

pub fn exec(args: Args) -> Result<i32> {
	fingerprint(&args.files, args.raw)
}

fn fingerprint(files: &[PathBuf], raw: bool) -> Result<i32> {
	let mut out = std::io::stdout().lock();
	let mut failures = 0;
	for (i, file) in files.iter().enumerate() {
		match audio::fingerprint_file(file) {
			Ok((_, decoded)) => {
				if files.len() > 1 {
					if i > 0 {
						writeln!(out)?;
					}
					writeln!(out, "FILE={}", file.display())?;
				}
				writeln!(out, "DURATION={}", decoded.duration_ms / 1000)?;
				if raw {
					let items: Vec<String> =
						decoded.fingerprint.items.iter().map(|x| x.to_string()).collect();
					writeln!(out, "FINGERPRINT={}", items.join(","))?;
				} else {
					writeln!(out, "FINGERPRINT={}", decoded.fingerprint.to_base64())?;
				}
			},
			Err(e) => {
				failures += 1;
				eprintln!("{}: {e}", file.display());
			},
		}
	}
	Ok(if failures > 0 { 1 } else { 0 })
}
