//! The terminal while a song plays: keys act at once, without Enter and
//! without echo, and one status line is drawn again in place.
//!
//! The keys are mpv's: space pauses, the arrows seek (left and right 5 s,
//! up and down a minute), 9 and 0 (or / and *) turn the volume down and
//! up, q (or Ctrl-C) stops.

use musicchain_player::Control;
use rustix::termios::{self, LocalModes, OptionalActions, SpecialCodeIndex, Termios};
use std::{
	io::{IsTerminal, Read, Write},
	sync::{
		atomic::{AtomicBool, Ordering},
		mpsc, Arc,
	},
	thread::JoinHandle,
};

/// What the keys do, for the line shown before the play.
pub const KEYS: &str =
	"space pause, arrows seek (left/right 5 s, up/down 1 min), 9/0 volume, q stop";

/// A seek by an arrow key, in ms.
const SEEK_SHORT: i64 = 5_000;
const SEEK_LONG: i64 = 60_000;
/// A volume step of 9 or 0, in percent.
const VOLUME_STEP: i8 = 5;

/// The listener's keys, read on their own thread while the terminal is in
/// raw mode; dropping it stops the reading and gives the terminal back as
/// it was (also when the play fails or panics).
pub struct Keys {
	saved: Termios,
	stop: Arc<AtomicBool>,
	reader: Option<JoinHandle<()>>,
}

impl Keys {
	/// Starts reading keys into controls, or `None` when standard input is
	/// not a terminal (or its mode cannot be set).
	pub fn start() -> Option<(Keys, mpsc::Receiver<Control>)> {
		let stdin = std::io::stdin();
		if !stdin.is_terminal() {
			return None;
		}
		let saved = termios::tcgetattr(&stdin).ok()?;
		let mut raw = saved.clone();
		// Bytes as they are typed, not echoed, Ctrl-C a key like any other
		// (so that the play stops cleanly and the terminal is restored);
		// output is left as it is, so that lines still end where they
		// should. A read returns after 100 ms without a key, so that the
		// reader sees when it is told to stop.
		raw.local_modes &=
			!(LocalModes::ICANON | LocalModes::ECHO | LocalModes::ISIG | LocalModes::IEXTEN);
		raw.special_codes[SpecialCodeIndex::VMIN] = 0;
		raw.special_codes[SpecialCodeIndex::VTIME] = 1;
		termios::tcsetattr(&stdin, OptionalActions::Now, &raw).ok()?;
		let stop = Arc::new(AtomicBool::new(false));
		let (tx, rx) = mpsc::channel();
		let stopping = stop.clone();
		let reader = std::thread::spawn(move || {
			let mut stdin = std::io::stdin().lock();
			let mut buf = [0u8; 64];
			while !stopping.load(Ordering::Relaxed) {
				let n = match stdin.read(&mut buf) {
					Ok(n) => n,
					Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
					Err(_) => break,
				};
				for control in controls(&buf[..n]) {
					if tx.send(control).is_err() {
						return;
					}
				}
			}
		});
		Some((Keys { saved, stop, reader: Some(reader) }, rx))
	}
}

impl Drop for Keys {
	fn drop(&mut self) {
		self.stop.store(true, Ordering::Relaxed);
		if let Some(reader) = self.reader.take() {
			let _ = reader.join();
		}
		let _ = termios::tcsetattr(std::io::stdin(), OptionalActions::Now, &self.saved);
	}
}

/// The controls in bytes read from a terminal in raw mode (an arrow key is
/// `ESC [ C` or, in application mode, `ESC O C`); other keys are ignored.
pub fn controls(bytes: &[u8]) -> Vec<Control> {
	let mut out = Vec::new();
	let mut i = 0;
	while i < bytes.len() {
		let control = match bytes[i] {
			0x1b if i + 2 < bytes.len() && matches!(bytes[i + 1], b'[' | b'O') => {
				let arrow = match bytes[i + 2] {
					b'C' => Some(Control::SeekBy(SEEK_SHORT)),
					b'D' => Some(Control::SeekBy(-SEEK_SHORT)),
					b'A' => Some(Control::SeekBy(SEEK_LONG)),
					b'B' => Some(Control::SeekBy(-SEEK_LONG)),
					_ => None,
				};
				i += 2;
				arrow
			},
			b' ' | b'p' => Some(Control::Pause),
			b'q' | b'Q' | 0x03 => Some(Control::Stop),
			b'9' | b'/' => Some(Control::Volume(-VOLUME_STEP)),
			b'0' | b'*' => Some(Control::Volume(VOLUME_STEP)),
			_ => None,
		};
		out.extend(control);
		i += 1;
	}
	out
}

/// Whether a status line is on the terminal now (one process, one line).
static SHOWN: AtomicBool = AtomicBool::new(false);

/// Draws `text` as the status line, over the one shown before.
pub fn draw_status(text: &str) {
	let mut out = std::io::stdout().lock();
	let _ = write!(out, "\r\x1b[K{text}");
	let _ = out.flush();
	SHOWN.store(true, Ordering::Relaxed);
}

/// Clears the status line if one is shown: anything else printed while a
/// song plays (the diagnostics too) takes its place, not its end.
pub fn clear_status() {
	if SHOWN.swap(false, Ordering::Relaxed) {
		let mut out = std::io::stdout().lock();
		let _ = write!(out, "\r\x1b[K");
		let _ = out.flush();
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn keys_are_controls() {
		assert_eq!(controls(b" "), [Control::Pause]);
		assert_eq!(controls(b"\x1b[C\x1b[D"), [Control::SeekBy(5_000), Control::SeekBy(-5_000)]);
		assert_eq!(controls(b"\x1bOA\x1b[B"), [Control::SeekBy(60_000), Control::SeekBy(-60_000)]);
		assert_eq!(controls(b"90"), [Control::Volume(-5), Control::Volume(5)]);
		assert_eq!(controls(b"q"), [Control::Stop]);
		assert_eq!(controls(b"\x03"), [Control::Stop]);
		// Other keys, a lone escape and an unknown sequence do nothing.
		assert_eq!(controls(b"x\x1b"), []);
		assert_eq!(controls(b"\x1b[5~ "), [Control::Pause]);
	}
}
