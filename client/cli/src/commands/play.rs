//! `musicchain play`: a song streamed from an online peer, played in real
//! time, with the play session's heartbeats going to that peer; its signed
//! receipt is then submitted and the settlement shown.

use crate::{
	chain::{connect, unlock, ChainArgs},
	net::{start_host, NetArgs},
	songs::resolve,
	Context,
};
use anyhow::Result;
use musicchain_app::play::{self, PlayEvent, PlayOptions, PlayOutcome};
use musicchain_chain::{catalog::Song, format_music, Chain};
use musicchain_player::{self as player, Output};
use musicchain_swarm::Host;
use musicchain_wallet::{Account, PasswordSource};
use std::{path::Path, time::Instant};

/// Play a song (by id, or the best match of search words) from the
/// peers serving it, and settle the play on chain.
#[derive(clap::Args)]
pub struct Args {
	song: String,
	/// Where the sound goes: `auto` (the audio device when there is
	/// one, else nowhere), `device` or `device:ID` (a cpal id such as
	/// `alsa:default`; fails without it), FILE.wav, or `null`.
	#[arg(long, env = "MUSICCHAIN_OUTPUT", default_value = "auto", value_parser = parse_output)]
	output: musicchain_player::Output,
	/// Play only these parts, in this order, as FROM-TO seconds
	/// (`0-60,90-150`): seeking, credited as unique seconds.
	#[arg(long, value_parser = parse_segments)]
	segments: Option<Segments>,
	#[command(flatten)]
	net: NetArgs,
}

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

pub async fn play(
	data_dir: &Path,
	net: NetArgs,
	chain_args: &ChainArgs,
	password: &PasswordSource,
	args: PlayArgs,
) -> Result<i32> {
	let listener = unlock(data_dir, password)?;
	{
		let clicked = Instant::now();
		let chain = connect(chain_args).await?;
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
	}
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
				"settled in {:.1} s (finalized): you +{}, the server +{}, the artist +{} (owed by \
				 the song, paid out with its next batch){}",
				s.took.as_secs_f64(),
				format_music(s.listener),
				format_music(s.server),
				format_music(s.artist),
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

pub async fn exec(ctx: &Context, args: Args) -> Result<i32> {
	let play_args = PlayArgs {
		song: args.song,
		output: args.output,
		segments: args.segments.map(|s| s.0).unwrap_or_default(),
	};
	play(&ctx.data_dir()?, args.net, &ctx.chain, &ctx.password, play_args).await
}
