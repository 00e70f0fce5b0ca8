//! `musicchain download`: a file by its content hash, or songs named on
//! chain (a song, an album), into the library.

use crate::{
	chain::{connect, payout, serving_account, ChainArgs},
	net::{catalog, fetch, run_until_stopped, start_host, NetArgs},
	songs::{resolve, Filter},
	Context,
};
use anyhow::{bail, Context as _, Result};
use musicchain_app::play;
use musicchain_chain::catalog::Song;
use musicchain_primitives::{ContentHash, ManifestRoot};
use musicchain_swarm::{self as swarm, protocol::parse_hash, DownloadRequest, Role};
use musicchain_wallet::Account;
use std::path::Path;

/// Download a file from the swarm by its content hash (hex), verify it
/// and add it to the library.
#[derive(clap::Args)]
pub struct Args {
	/// A file's SHA-256 content hash (64 hex digits), or a song: its id
	/// or search words.
	#[arg(required_unless_present = "album")]
	what: Option<String>,
	/// Every song of this album instead.
	#[arg(long, conflicts_with = "what")]
	album: Option<String>,
	/// The manifest root to check providers' manifests against (64 hex
	/// digits); songs use the chain's. Without it only the whole file is
	/// checked.
	#[arg(long)]
	root: Option<String>,
	/// Stream: fetch from this piece on first, in order.
	#[arg(long)]
	stream_from: Option<u32>,
	/// Keep serving after the download until stopped (Ctrl-C), paid on
	/// the wallet's account like `serve`.
	#[arg(long)]
	then_serve: bool,
	#[arg(long)]
	no_progress: bool,
	#[command(flatten)]
	net: NetArgs,
}

/// What `download` fetches when given songs rather than a content hash.
pub enum Wanted {
	/// A song id or search words.
	Song(String),
	/// Every song of the album (its words, as `discover --album`).
	Album(String),
}

/// Parses the download arguments.
pub fn download_request(
	hash: &str,
	root: Option<&str>,
	stream_from: Option<u32>,
) -> Result<DownloadRequest> {
	let Some(content_hash) = parse_hash(hash) else {
		bail!("{hash:?} is not a content hash: expected 64 hex digits (`musicchain library list` shows them)");
	};
	let root = match root {
		Some(r) => {
			Some(parse_hash(r).with_context(|| format!("--root {r:?}: expected 64 hex digits"))?)
		},
		None => None,
	};
	Ok(DownloadRequest {
		content_hash: ContentHash(content_hash),
		root: root.map(ManifestRoot),
		stream_from,
		name: None,
	})
}

pub async fn download_hash(
	data_dir: &Path,
	net: NetArgs,
	request: DownloadRequest,
	then_serve: bool,
	payout: Option<swarm::Payout>,
	progress: bool,
) -> Result<i32> {
	let catalog = catalog(data_dir)?;
	if let Some(s) = catalog.get(&request.content_hash) {
		say!("already in the library: {}", s.path.display());
		return Ok(0);
	}
	{
		let mut config = net.config(Role::Client, data_dir)?;
		config.payout = payout;
		let host = swarm::start(config, catalog).await?;
		let fetched = fetch(&host, data_dir, request, progress).await;
		if fetched.is_ok() && then_serve {
			run_until_stopped(&host).await?;
		} else {
			host.shutdown().await;
		}
		fetched.map(|_| 0)
	}
}

/// Downloads songs named on chain into the library (each from the peers
/// serving one of its files, checked against the chain's manifest root).
pub async fn download_songs(
	data_dir: &Path,
	net: NetArgs,
	chain_args: &ChainArgs,
	wanted: Wanted,
	then_serve: bool,
	account: Option<Account>,
	progress: bool,
) -> Result<i32> {
	{
		let chain = connect(chain_args).await?;
		let songs =
			match &wanted {
				Wanted::Song(s) => vec![resolve(&chain, s).await?],
				Wanted::Album(album) => {
					let filter = Filter { album: Some(album.clone()), ..Filter::default() };
					let songs: Vec<Song> =
						chain.songs().await?.into_iter().filter(|s| filter.keeps(s)).collect();
					if songs.is_empty() {
						bail!("no album on chain matches `{album}` (`musicchain discover` lists albums)");
					}
					songs
				},
			};
		let have = catalog(data_dir)?;
		let host = start_host(data_dir, &net, account.as_ref(), chain.genesis_hash()).await?;
		let mut failed = 0;
		let mut had = 0;
		for song in &songs {
			println!("song {}: {} - {}", song.id, song.artist(), song.title());
			if let Some(s) = song.variants.iter().find_map(|v| have.get(&v.content_hash)) {
				println!("already in the library: {}", s.path.display());
				had += 1;
				continue;
			}
			eprintln!("looking for a peer serving it...");
			let fetched = match play::find_server(&host, song).await {
				Ok(i) => {
					let v = &song.variants[i];
					let request = DownloadRequest {
						content_hash: v.content_hash,
						root: Some(v.manifest_root),
						stream_from: None,
						name: Some(play::file_name(song)),
					};
					fetch(&host, data_dir, request, progress).await.map(|_| ())
				},
				Err(e) => Err(e.into()),
			};
			if let Err(e) = fetched {
				failed += 1;
				eprintln!("song {}: {e:#}", song.id);
			}
		}
		let kept = songs.len() - failed;
		match had {
			0 => println!("{kept} of {} songs downloaded", songs.len()),
			_ => println!(
				"{kept} of {} songs in the library ({had} already were, {} downloaded)",
				songs.len(),
				kept - had
			),
		}
		if then_serve && failed < songs.len() {
			run_until_stopped(&host).await?;
		} else {
			host.shutdown().await;
		}
		Ok(if failed > 0 { 1 } else { 0 })
	}
}

pub async fn exec(ctx: &Context, args: Args) -> Result<i32> {
	let data_dir = ctx.data_dir()?;
	let Args { what, album, root, stream_from, then_serve, no_progress, net } = args;
	match (what, album) {
		(Some(hash), None) if parse_hash(&hash).is_some() => {
			let request = download_request(&hash, root.as_deref(), stream_from)?;
			let payout =
				if then_serve { payout(&data_dir, &ctx.chain, &ctx.password).await? } else { None };
			download_hash(&data_dir, net, request, then_serve, payout, !no_progress).await
		},
		(what, album) => {
			let wanted = match (what, album) {
				(_, Some(album)) => Wanted::Album(album),
				(Some(song), None) => Wanted::Song(song),
				(None, None) => bail!("download what? a content hash, a song or --album"),
			};
			// Unlocked before the download, so that a wrong password is
			// said at once, not after the last song.
			let account =
				if then_serve { serving_account(&data_dir, &ctx.password)? } else { None };
			download_songs(&data_dir, net, &ctx.chain, wanted, then_serve, account, !no_progress)
				.await
		},
	}
}
