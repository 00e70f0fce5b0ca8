//! `musicchain song`: one song of the catalog, and its artist's corrections
//! to it.

use crate::{
	chain::{connect, unlock},
	Context,
};
use anyhow::{bail, Result};
use musicchain_app::view::status_name;
use musicchain_chain::catalog::Song;
use musicchain_primitives::{Metadata, SongId};

/// One song of the catalog.
#[derive(clap::Args)]
pub struct Args {
	#[command(subcommand)]
	command: SongCommand,
}

#[derive(clap::Subcommand)]
enum SongCommand {
	/// Print a song: its tags, status, artist account and files.
	Show { song: SongId },
	/// Correct a song's tags on chain (only its artist may): the fields
	/// given replace the song's, the others stay. An empty value clears a
	/// field.
	#[command(
		after_help = "Example:\n  musicchain song edit 12 --title \"Hyperballad\" --artist \
	                        Björk --album Post"
	)]
	Edit {
		song: SongId,
		#[arg(long)]
		title: Option<String>,
		#[arg(long)]
		artist: Option<String>,
		#[arg(long)]
		album: Option<String>,
		#[arg(long)]
		genre: Option<String>,
		/// The year (0 clears it).
		#[arg(long)]
		year: Option<u16>,
		/// The track number (0 clears it).
		#[arg(long)]
		track: Option<u16>,
	},
}

fn print(song: &Song) {
	let or_none = |s: String| if s.is_empty() { "(none)".to_owned() } else { s };
	println!("song {} ({})", song.id, status_name(song.status));
	println!("  title:   {}", or_none(song.title()));
	println!("  artist:  {}", or_none(song.artist()));
	println!("  album:   {}", or_none(song.album()));
	println!("  genre:   {}", or_none(song.genre()));
	let number = |n: Option<u16>| n.map_or("(none)".to_owned(), |n| n.to_string());
	println!("  year:    {}", number(song.metadata.year));
	println!("  track:   {}", number(song.metadata.track));
	println!("  account: {}", musicchain_wallet::address(&song.artist_account));
	println!(
		"  length:  {:.1} s, {} files",
		f64::from(song.duration_ms) / 1000.0,
		song.variants.len()
	);
}

pub async fn exec(ctx: &Context, args: Args) -> Result<i32> {
	let chain = connect(&ctx.chain).await?;
	match args.command {
		SongCommand::Show { song } => {
			let Some(found) = chain.song(song).await? else {
				bail!("there is no song {song} on chain (it may have been folded into another)");
			};
			print(&found);
		},
		SongCommand::Edit { song, title, artist, album, genre, year, track } => {
			let Some(found) = chain.song(song).await? else {
				bail!("there is no song {song} on chain (it may have been folded into another)");
			};
			let owner = unlock(&ctx.data_dir()?, &ctx.password)?;
			if found.artist_account != owner.public() {
				bail!(
					"song {song} is registered by {}, not by this wallet ({}): only a song's \
					 artist may correct it",
					musicchain_wallet::address(&found.artist_account),
					owner.address()
				);
			}
			if [&title, &artist, &album, &genre].iter().all(|f| f.is_none())
				&& year.is_none()
				&& track.is_none()
			{
				bail!("nothing to change: give --title, --artist, --album, --genre, --year or --track");
			}
			let keep = |new: Option<String>, old: String| new.unwrap_or(old);
			let number = |new: Option<u16>, old: Option<u16>| match new {
				Some(0) => None,
				Some(n) => Some(n),
				None => old,
			};
			let metadata = Metadata::from_strs(
				&keep(title, found.title()),
				&keep(artist, found.artist()),
				&keep(album, found.album()),
				&keep(genre, found.genre()),
				number(year, found.metadata.year),
				number(track, found.metadata.track),
			);
			chain.update_metadata(&owner, song, &metadata).await?;
			let Some(now) = chain.song(song).await? else {
				bail!("song {song} left the catalog just after the change");
			};
			print(&now);
		},
	}
	Ok(0)
}
