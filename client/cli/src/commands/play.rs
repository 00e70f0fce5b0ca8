//! `musicchain play`: a song streamed from an online peer, played in real
//! time, with the play session's heartbeats going to that peer; its signed
//! receipt is then submitted and the settlement shown.

use crate::{
	chain::{connect, unlock, ChainArgs},
	net::{start_host, NetArgs},
	songs::resolve,
	terminal::{self, clear_status, draw_status, Keys},
	Context,
};
use anyhow::Result;
use musicchain_app::play::{self, PlayEvent, PlayOptions, PlayOutcome};
use musicchain_chain::{catalog::Song, format_music, Chain};
use musicchain_player::Output;
use musicchain_primitives::{receipt::union_coverage_ms, PlayRules};
use musicchain_swarm::Host;
use musicchain_wallet::{Account, PasswordSource};
use std::{io::IsTerminal, path::Path, time::Instant};

/// Play a song (by id, or the best match of search words) from the
/// peers serving it, and settle the play on chain.
#[derive(clap::Args)]
#[command(after_help = "While it plays on a terminal (without --segments): space pauses, the \
                        arrows seek (left/right 5 s, up/down 1 min), 9/0 turn the volume \
                        down/up, q or Ctrl-C stops.\n\nExit codes: 0 the play settled, 1 \
                        failed (the message says why; nothing is streamed without the funds for \
                        the receipt), 2 the command line is wrong, 3 heard but earned nothing \
                        (a rule refused the receipt, or no serving peer opened a play \
                        session).\n\nExamples:\n  musicchain play \"blue monday\"\n  musicchain \
                        play 12 --segments 0-60,90-150 --output heard.wav")]
pub struct Args {
	/// The song: its id, or search words (the best match plays).
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
	// On a terminal, with no --segments, the listener's keys act while it
	// plays and one status line shows where it is.
	let interactive = args.segments.is_empty() && std::io::stdout().is_terminal();
	let keys = if interactive { Keys::start() } else { None };
	let (keys, control) = match keys {
		Some((keys, control)) => (Some(keys), Some(control)),
		None => (None, None),
	};
	let mut status = keys.as_ref().map(|_| Status::new(song.duration_ms));
	let options = PlayOptions {
		output: args.output.clone(),
		segments: args.segments.clone(),
		control,
		asked: clicked,
	};
	// A message takes the status line's place; the next position draws
	// it again below.
	let say = |text: String, stdout: bool| {
		clear_status();
		if stdout {
			println!("{text}");
		} else {
			eprintln!("{text}");
		}
	};
	let outcome = play::play(host, chain, listener, song, options, data_dir, |event| match event {
		PlayEvent::LookingForPeer => say("looking for a peer serving it...".into(), false),
		PlayEvent::Streaming { peer, server } => say(
			format!("streaming from {peer} (paid on {})", musicchain_wallet::address(&server)),
			false,
		),
		PlayEvent::NoSession { peer, reason } => {
			say(format!("peer {peer} opens no play session: {reason}"), false)
		},
		PlayEvent::Unpaid => say(
			"no peer serving it opens a play session: it plays, but this play cannot earn".into(),
			false,
		),
		PlayEvent::Output(name) => say(format!("playing to {name}"), true),
		PlayEvent::Started { after } => {
			say(format!("first audio {} ms after `play`", after.as_millis()), true);
			if status.is_some() {
				println!("keys: {}", terminal::KEYS);
			}
		},
		PlayEvent::Heard { from_ms, to_ms } => match &mut status {
			Some(status) => {
				status.heard.push((from_ms, to_ms));
				status.since_ms = to_ms;
				draw_status(&status.line());
			},
			None => eprintln!("  played {}-{}", clock(from_ms), clock(to_ms)),
		},
		PlayEvent::At { since_ms, at_ms } => {
			if let Some(status) = &mut status {
				(status.since_ms, status.at_ms) = (since_ms, at_ms);
				draw_status(&status.line());
			}
		},
		PlayEvent::Paused(paused) => {
			if let Some(status) = &mut status {
				status.paused = paused;
				draw_status(&status.line());
			}
		},
		PlayEvent::Volume(percent) => {
			if let Some(status) = &mut status {
				status.volume = percent;
				draw_status(&status.line());
			}
		},
		PlayEvent::HeartbeatRefused { reason } => {
			say(format!("  the server did not take a heartbeat: {reason}"), false)
		},
		PlayEvent::Kept { .. } => say("added to the library".into(), true),
		PlayEvent::NotKept { path, reason } => {
			say(format!("{}: not added to the library: {reason}", path.display()), false)
		},
		PlayEvent::Submitting { heard_ms, heartbeats } => say(
			format!(
				"heard {}.{} s of {} s; submitting the receipt ({heartbeats} heartbeats)",
				heard_ms / 1000,
				heard_ms % 1000 / 100,
				song.duration_ms / 1000,
			),
			true,
		),
	})
	.await;
	clear_status();
	// The terminal is given back before anything else is said.
	drop(keys);
	let outcome = outcome?;
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

/// `ms` as M:SS.
fn clock(ms: u32) -> String {
	format!("{}:{:02}", ms / 60_000, ms / 1000 % 60)
}

/// What the status line shows while a song plays.
struct Status {
	duration_ms: u32,
	/// The parts reported as heard (heartbeats sent).
	heard: Vec<(u32, u32)>,
	/// `[since_ms, at_ms)`: heard since the last report.
	since_ms: u32,
	at_ms: u32,
	paused: bool,
	volume: u8,
}

impl Status {
	fn new(duration_ms: u32) -> Status {
		Status { duration_ms, heard: Vec::new(), since_ms: 0, at_ms: 0, paused: false, volume: 100 }
	}

	/// `playing 1:23 / 4:05 | heard 0:48, counts in 1:15 | volume 100%`:
	/// the distinct parts heard count, as the chain counts them.
	fn line(&self) -> String {
		let parts = self.heard.iter().copied().chain([(self.since_ms, self.at_ms)]);
		let heard = union_coverage_ms(parts, self.duration_ms);
		let needed = PlayRules::default().min_coverage.mul_ceil(self.duration_ms);
		let counts = match needed.checked_sub(heard).filter(|left| *left > 0) {
			Some(left) => format!("counts in {}", clock(left)),
			None => "counts".to_owned(),
		};
		format!(
			"{} {} / {} | heard {}, {counts} | volume {}%",
			if self.paused { "paused " } else { "playing" },
			clock(self.at_ms),
			clock(self.duration_ms),
			clock(heard),
			self.volume
		)
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
