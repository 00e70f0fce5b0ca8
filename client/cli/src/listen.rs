//! `musicchain play`: a song streamed from an online peer, played in real
//! time, with the play session's heartbeats going to that peer; its signed
//! receipt is then submitted and the settlement shown.

use crate::{
	net::{self, NetArgs},
	onchain::{self, ChainArgs},
};
use anyhow::{bail, Context, Result};
use musicchain_app::play::{self, PlayEvent, PlayOptions, PlayOutcome};
use musicchain_chain::{catalog::Song, format_music, Chain};
use musicchain_player::{self as player, Output};
use musicchain_swarm::{self as swarm, DownloadRequest, Host, Payout, Role};
use musicchain_wallet::{Account, PasswordSource};
use std::{
	path::Path,
	time::{Duration, Instant},
};

pub struct PlayArgs {
	pub song: String,
	pub output: Output,
	/// `[from_ms, to_ms)` to play, in order; empty: the whole song.
	pub segments: Vec<(u32, u32)>,
}

/// `[from_ms, to_ms)` parts of a song, in the order they are played.
#[derive(Clone, Debug)]
pub struct Segments(pub Vec<(u32, u32)>);

/// Parses `--segments 0-60,90-150` (seconds) into milliseconds.
pub fn parse_segments(text: &str) -> Result<Segments, String> {
	text.split(',')
		.map(|part| {
			let (a, b) = part.split_once('-').ok_or_else(|| format!("`{part}` is not FROM-TO"))?;
			let secs = |s: &str| {
				s.trim().parse::<f64>().map_err(|_| format!("`{s}` is not a number of seconds"))
			};
			let (a, b) = (secs(a)?, secs(b)?);
			if !(0.0 <= a && a < b) {
				return Err(format!("`{part}`: FROM must be below TO"));
			}
			Ok(((a * 1000.0) as u32, (b * 1000.0) as u32))
		})
		.collect::<Result<_, _>>()
		.map(Segments)
}

/// Parses `--output`: `auto`, `device`, `device:ID` (a cpal device id such
/// as `alsa:default`), `null`, or a path ending in `.wav`.
pub fn parse_output(text: &str) -> Result<Output, String> {
	match text {
		"auto" => return Ok(Output::Auto),
		"device" => return Ok(Output::Device(None)),
		"null" => return Ok(Output::Null),
		_ => {},
	}
	if let Some(id) = text.strip_prefix("device:") {
		return Ok(Output::Device(Some(id.to_owned())));
	}
	if text.to_ascii_lowercase().ends_with(".wav") {
		return Ok(Output::Wav(text.into()));
	}
	Err(format!(
		"`{text}`: --output takes `auto`, `device`, `device:ID` (e.g. device:alsa:default), `null` or a FILE.wav"
	))
}

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

/// The host of a client that serves its library, paid on `account` (plays
/// are refused without one) with receipts bound to `genesis_hash`.
pub async fn start_host(
	data_dir: &Path,
	net: &NetArgs,
	account: Option<&Account>,
	genesis_hash: [u8; 32],
) -> Result<Host> {
	let mut config = net.config(Role::Client, data_dir)?;
	config.payout = account.map(|a| Payout { key: a.keypair(), genesis_hash });
	Ok(swarm::start(config, net::catalog(data_dir)?).await?)
}

pub fn play(
	data_dir: &Path,
	net: NetArgs,
	chain_args: &ChainArgs,
	password: &PasswordSource,
	args: PlayArgs,
) -> Result<i32> {
	let listener = onchain::unlock(data_dir, password)?;
	net::runtime()?.block_on(async {
		let clicked = Instant::now();
		let chain = onchain::connect(chain_args).await?;
		let song = resolve(&chain, &args.song).await?;
		println!(
			"song {}: {} - {} ({}:{:02})",
			song.id,
			song.artist(),
			song.title(),
			song.duration_ms / 60_000,
			song.duration_ms / 1000 % 60
		);
		let host = start_host(data_dir, &net, Some(&listener), chain.genesis_hash()).await?;
		let result = play_on(&host, &chain, &listener, &song, &args, data_dir, clicked).await;
		host.shutdown().await;
		result
	})
}

/// A song played by `musicchain_app::play`, told as it goes. Exit codes:
/// 0 settled, 3 heard but earned nothing (a rule refused it, or no serving
/// peer opened a play session).
async fn play_on(
	host: &Host,
	chain: &Chain,
	listener: &Account,
	song: &Song,
	args: &PlayArgs,
	data_dir: &Path,
	clicked: Instant,
) -> Result<i32> {
	// On a terminal, with no --segments, the listener seeks while it plays.
	let interactive =
		args.segments.is_empty() && std::io::IsTerminal::is_terminal(&std::io::stdin());
	let control = interactive.then(|| {
		println!("while it plays: +S / -S seeks S seconds, M:SS goes there, q stops (then Enter)");
		let (tx, rx) = std::sync::mpsc::channel();
		std::thread::spawn(move || {
			for line in std::io::stdin().lines().map_while(Result::ok) {
				match player::Control::parse(&line) {
					Ok(c) => {
						if tx.send(c).is_err() {
							break;
						}
					},
					Err(e) => eprintln!("{e}"),
				}
			}
		});
		rx
	});
	let options = PlayOptions {
		output: args.output.clone(),
		segments: args.segments.clone(),
		control,
		asked: clicked,
	};
	let outcome = play::play(host, chain, listener, song, options, data_dir, |event| match event {
		PlayEvent::LookingForPeer => eprintln!("looking for a peer serving it..."),
		PlayEvent::Streaming { peer, server } => {
			eprintln!("streaming from {peer} (paid on {})", musicchain_wallet::address(&server))
		},
		PlayEvent::NoSession { peer, reason } => {
			eprintln!("peer {peer} opens no play session: {reason}")
		},
		PlayEvent::Unpaid => {
			eprintln!(
				"no peer serving it opens a play session: it plays, but this play cannot earn"
			)
		},
		PlayEvent::Output(name) => println!("playing to {name}"),
		PlayEvent::Started { after } => {
			println!("first audio {} ms after `play`", after.as_millis())
		},
		PlayEvent::Heard { from_ms, to_ms } => eprintln!(
			"  played {}:{:02}-{}:{:02}",
			from_ms / 60_000,
			from_ms / 1000 % 60,
			to_ms / 60_000,
			to_ms / 1000 % 60
		),
		PlayEvent::HeartbeatRefused { reason } => {
			eprintln!("  the server did not take a heartbeat: {reason}")
		},
		PlayEvent::Kept { .. } => println!("added to the library"),
		PlayEvent::NotKept { path, reason } => {
			eprintln!("{}: not added to the library: {reason}", path.display())
		},
		PlayEvent::Submitting { heard_ms, heartbeats } => println!(
			"heard {}.{} s of {} s; submitting the receipt ({heartbeats} heartbeats)",
			heard_ms / 1000,
			heard_ms % 1000 / 100,
			song.duration_ms / 1000,
		),
	})
	.await?;
	match outcome {
		PlayOutcome::Unpaid { .. } => {
			println!(
				"this play earned nothing: no serving peer opened a play session (none has an \
				 account)"
			);
			Ok(3)
		},
		PlayOutcome::Settled(s) if s.credited => {
			println!(
				"settled in {:.1} s (finalized) as pending credits: you +{}, the server +{}, the \
				 artist +{}, paid out when the moderators approve this song{}",
				s.took.as_secs_f64(),
				format_music(s.listener),
				format_music(s.server),
				format_music(s.artist),
				burned(&s),
			);
			println!("play {} of this song", s.prior_plays + 1);
			Ok(0)
		},
		PlayOutcome::Settled(s) => {
			println!(
				"settled in {:.1} s (finalized): you +{}, the server +{}, the artist +{}{}{}",
				s.took.as_secs_f64(),
				format_music(s.listener),
				format_music(s.server),
				format_music(s.artist),
				if s.escrowed {
					" (part of it escrowed for a beneficiary without an account)"
				} else {
					""
				},
				burned(&s),
			);
			println!("play {} of this song", s.prior_plays + 1);
			Ok(0)
		},
		PlayOutcome::Refused { name, meaning } => {
			println!("this play earned nothing: {meaning} ({name})");
			Ok(3)
		},
	}
}

/// What a settled play burned, as the end of its line.
fn burned(s: &musicchain_chain::plays::Settled) -> String {
	if s.burned > 0 {
		format!("; you burned {}", format_music(s.burned))
	} else {
		String::new()
	}
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
	fn keeps(&self, song: &Song) -> bool {
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

/// Songs with an online provider now, grouped artist -> album -> tracks.
pub fn discover(
	data_dir: &Path,
	net: NetArgs,
	chain_args: &ChainArgs,
	filter: Filter,
	wait: Duration,
) -> Result<i32> {
	net::runtime()?.block_on(async {
		let chain = onchain::connect(chain_args).await?;
		let host =
			swarm::start(net.config(Role::Client, data_dir)?, net::catalog(data_dir)?).await?;
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
		let mut count = 0;
		for song in &songs {
			let live = song.variants.iter().any(|v| online.contains(&v.content_hash));
			if !live
				|| song.status == musicchain_chain::catalog::Status::Hidden
				|| !filter.keeps(song)
			{
				continue;
			}
			count += 1;
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
	})
}

/// Songs of the catalog matching `query`, best first.
pub fn search(chain_args: &ChainArgs, query: &str, limit: usize) -> Result<i32> {
	net::runtime()?.block_on(async {
		let chain = onchain::connect(chain_args).await?;
		let songs = chain.songs().await?;
		let ranked = musicchain_app::search::rank(&songs, query);
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
		Ok(if ranked.is_empty() { 1 } else { 0 })
	})
}

/// What `download` fetches when given songs rather than a content hash.
pub enum Wanted {
	/// A song id or search words.
	Song(String),
	/// Every song of the album (its words, as `discover --album`).
	Album(String),
}

/// Downloads songs named on chain into the library (each from the peers
/// serving one of its files, checked against the chain's manifest root).
pub fn download(
	data_dir: &Path,
	net: NetArgs,
	chain_args: &ChainArgs,
	wanted: Wanted,
	then_serve: bool,
	account: Option<Account>,
	progress: bool,
) -> Result<i32> {
	net::runtime()?.block_on(async {
		let chain = onchain::connect(chain_args).await?;
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
		let host = start_host(data_dir, &net, account.as_ref(), chain.genesis_hash()).await?;
		let mut failed = 0;
		for song in &songs {
			println!("song {}: {} - {}", song.id, song.artist(), song.title());
			eprintln!("looking for a peer serving it...");
			let fetched = match play::find_server(&host, song).await {
				Ok(i) => {
					let v = &song.variants[i];
					let request = DownloadRequest {
						content_hash: v.content_hash,
						root: Some(v.manifest_root),
						stream_from: None,
					};
					net::fetch(&host, data_dir, request, progress).await.map(|_| ())
				},
				Err(e) => Err(e.into()),
			};
			if let Err(e) = fetched {
				failed += 1;
				eprintln!("song {}: {e:#}", song.id);
			}
		}
		println!("{} of {} songs downloaded", songs.len() - failed, songs.len());
		if then_serve && failed < songs.len() {
			net::run_until_stopped(&host).await?;
		} else {
			host.shutdown().await;
		}
		Ok(if failed > 0 { 1 } else { 0 })
	})
}
