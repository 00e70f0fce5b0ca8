//! `cargo run --release -p musicchain-audio --example fingerprint FILE...`:
//! the fingerprint of each file (as `musicchain fingerprint -raw`), from
//! the audio crate alone: for profiling the decoders and the analysis
//! without building the whole client.

fn main() {
	let mut failed = false;
	for path in std::env::args_os().skip(1) {
		let path = std::path::PathBuf::from(path);
		match musicchain_audio::fingerprint_file(&path) {
			Ok((_, decoded)) => {
				let items = decoded.fingerprint.items;
				let text: Vec<String> = items.iter().map(u32::to_string).collect();
				println!("{}\t{}\t{}", path.display(), decoded.duration_ms, text.join(","));
			},
			Err(e) => {
				eprintln!("{}: {e}", path.display());
				failed = true;
			},
		}
	}
	std::process::exit(i32::from(failed));
}
