//! Songs named on the command line: by id or search words, or by a
//! filter on artist, genre and album.

use anyhow::{Context, Result};
use musicchain_chain::{catalog::Song, Chain};

/// The song a `play`/`download` argument names: its id, or the best
/// search match of the words.
pub async fn resolve(chain: &Chain, song: &str) -> Result<Song> {
	if let Ok(id) = song.trim().parse::<u32>() {
		return chain.song(id).await?.with_context(|| format!("there is no song {id} on chain"));
	}
	let songs = chain.songs().await?;
	let ranked = musicchain_app::search::rank(&songs, song);
	ranked.into_iter().next().map(|(s, _)| s.clone()).with_context(|| {
		format!("no song on chain matches `{song}` (`musicchain search` lists them)")
	})
}

/// Which songs `discover` shows.
#[derive(Default)]
pub struct Filter {
	pub artist: Option<String>,
	pub genre: Option<String>,
	pub album: Option<String>,
}

impl Filter {
	/// Every word of the filter is a word of the field (case and accents
	/// ignored), so `--artist "new order"` finds "New Order".
	pub fn keeps(&self, song: &Song) -> bool {
		use musicchain_app::search::words;
		let has = |want: &Option<String>, field: String| match want {
			None => true,
			Some(w) => {
				let field = words(&field);
				words(w).iter().all(|q| field.contains(q))
			},
		};
		has(&self.artist, song.artist())
			&& has(&self.genre, song.genre())
			&& has(&self.album, song.album())
	}
}

/// `song` as JSON, for `--json` output: its id, tags, length in
/// milliseconds, status, artist address and files.
pub fn json(song: &Song) -> serde_json::Value {
	serde_json::to_value(musicchain_app::view::SongView::from(song)).unwrap_or_default()
}

/// Prints `value` as pretty JSON on stdout.
pub fn print_json(value: &serde_json::Value) -> Result<()> {
	use std::io::Write as _;
	let mut out = std::io::stdout().lock();
	serde_json::to_writer_pretty(&mut out, value)?;
	writeln!(out)?;
	Ok(())
}
