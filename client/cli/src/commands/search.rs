//! `musicchain search`: ranked search over the catalog.

use crate::{
	chain::{connect, ChainArgs},
	Context,
};
use anyhow::Result;

/// Search the catalog: every word must match a title, artist, album or
/// genre word (prefixes and small typos count), best first.
#[derive(clap::Args)]
pub struct Args {
	#[arg(required = true)]
	query: Vec<String>,
	/// Most results shown.
	#[arg(long, default_value_t = 20)]
	limit: usize,
	/// Print a JSON array of the songs, best first, each with its score.
	#[arg(long)]
	json: bool,
}

/// Songs of the catalog matching `query`, best first.
pub async fn search(chain_args: &ChainArgs, query: &str, limit: usize, json: bool) -> Result<i32> {
	{
		let chain = connect(chain_args).await?;
		let songs = chain.songs().await?;
		let ranked = musicchain_app::search::rank(&songs, query);
		let found = if ranked.is_empty() { 1 } else { 0 };
		if json {
			let hits: Vec<_> = ranked
				.iter()
				.take(limit)
				.map(|(song, score)| {
					let mut hit = crate::songs::json(song);
					hit["score"] = serde_json::json!(score);
					hit
				})
				.collect();
			crate::songs::print_json(&serde_json::Value::Array(hits))?;
			return Ok(found);
		}
		use musicchain_chain::catalog::Status;
		for (song, score) in ranked.iter().take(limit) {
			let status = match song.status {
				Status::Active => "",
				Status::Pending => " (pending its dedupe verdict)",
				Status::Hidden => " (hidden by the moderators)",
			};
			println!(
				"song {:>5}  {} - {} [{}] ({:.1}){status}",
				song.id,
				song.artist(),
				song.title(),
				song.album(),
				score
			);
		}
		println!("{} of {} songs match `{query}`", ranked.len(), songs.len());
		Ok(found)
	}
}

pub async fn exec(ctx: &Context, args: Args) -> Result<i32> {
	search(&ctx.chain, &args.query.join(" "), args.limit, args.json).await
}
