//! `musicchain discover`: songs with a peer online now, by artist, album
//! and track.

use crate::{
	chain::{connect, ChainArgs},
	net::{catalog, NetArgs},
	songs::Filter,
	Context,
};
use anyhow::Result;
use musicchain_chain::catalog::Song;
use musicchain_swarm::{self as swarm, Role};
use std::{path::Path, time::Duration};

/// Songs with a peer online now, by artist, album and track.
#[derive(clap::Args)]
pub struct Args {
	#[arg(long)]
	artist: Option<String>,
	#[arg(long)]
	genre: Option<String>,
	#[arg(long)]
	album: Option<String>,
	/// Seconds to listen for peers first.
	#[arg(long, default_value_t = 3)]
	wait: u64,
	/// Print a JSON array of the songs online instead, in song id order.
	#[arg(long)]
	json: bool,
	#[command(flatten)]
	net: NetArgs,
}

/// Songs with an online provider now, grouped artist -> album -> tracks.
pub async fn discover(
	data_dir: &Path,
	net: NetArgs,
	chain_args: &ChainArgs,
	filter: Filter,
	wait: Duration,
	json: bool,
) -> Result<i32> {
	{
		let chain = connect(chain_args).await?;
		let host = swarm::start(net.config(Role::Client, data_dir)?, catalog(data_dir)?).await?;
		eprintln!("listening for peers for {} s...", wait.as_secs());
		tokio::time::sleep(wait).await;
		let online: std::collections::HashSet<_> =
			host.online_content().await?.into_iter().collect();
		let songs = chain.songs().await?;
		host.shutdown().await;
		let mut shown: std::collections::BTreeMap<
			String,
			std::collections::BTreeMap<String, Vec<&Song>>,
		> = Default::default();
		let live: Vec<&Song> = songs
			.iter()
			.filter(|song| {
				song.variants.iter().any(|v| online.contains(&v.content_hash))
					&& song.status != musicchain_chain::catalog::Status::Hidden
					&& filter.keeps(song)
			})
			.collect();
		if json {
			let songs = live.iter().map(|s| crate::songs::json(s)).collect();
			crate::songs::print_json(&serde_json::Value::Array(songs))?;
			return Ok(0);
		}
		let count = live.len();
		for song in live {
			let or_unknown = |s: String| if s.is_empty() { "(unknown)".to_string() } else { s };
			shown
				.entry(or_unknown(song.artist()))
				.or_default()
				.entry(or_unknown(song.album()))
				.or_default()
				.push(song);
		}
		for (artist, albums) in &mut shown {
			println!("{artist}");
			for (album, tracks) in albums {
				println!("  {album}");
				tracks.sort_by_key(|s| (s.metadata.track.unwrap_or(u16::MAX), s.title()));
				for s in tracks.iter() {
					let track = s.metadata.track.map(|t| format!("{t:>2}. ")).unwrap_or_default();
					println!(
						"    {track}{} ({}:{:02})  song {}",
						s.title(),
						s.duration_ms / 60_000,
						s.duration_ms / 1000 % 60,
						s.id
					);
				}
			}
		}
		println!(
			"{count} of {} songs on chain have an online peer now ({} files online)",
			songs.len(),
			online.len()
		);
		Ok(0)
	}
}

pub async fn exec(ctx: &Context, args: Args) -> Result<i32> {
	let filter = Filter { artist: args.artist, genre: args.genre, album: args.album };
	let wait = Duration::from_secs(args.wait);
	discover(&ctx.data_dir()?, args.net, &ctx.chain, filter, wait, args.json).await
}
