//! What the page hears as it happens, over server-sent events
//! (`GET /api/events`): each event is one JSON object with a `type`.

use musicchain_app::view::SongView;
use serde::Serialize;

/// An event for the page.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
	/// The songs with a peer online now (the whole set, each time it
	/// changes).
	Online { songs: Vec<SongView> },
	/// The wallet of this account was unlocked (created, imported, or
	/// opened).
	Wallet { address: String },
	/// A library scan: `done` of `files` new or changed files analysed.
	Scan { done: usize, files: usize, bytes_done: u64, bytes: u64, eta_s: Option<u64> },
	/// A file or folder the scan could not take, and why.
	Problem { path: String, reason: String },
	/// The scan ended.
	ScanDone {
		files: usize,
		added: usize,
		updated: usize,
		unchanged: usize,
		removed: usize,
		failed: usize,
		/// Audio files in formats not taken (each named by a `Problem`).
		unsupported: usize,
		took_ms: u64,
	},
	/// One file met the chain: what it became.
	Synced { path: String, song: Option<u32>, what: String, done: usize, files: usize },
	/// The library met the chain.
	SyncDone { known: usize, joined: usize, registered: usize, failed: usize },
	/// A job (scan, sync, download) could not go on.
	Failed { job: String, message: String },
	/// The library changed (files added, a download kept).
	Library,
	/// A play: what has been heard, and what it needs to count.
	Play { id: u64, heard_ms: u32, needed_ms: u32 },
	/// A play's receipt is going to the chain.
	Settling { id: u64, heard_ms: u32, heartbeats: usize },
	/// A play settled on chain: what it paid each (formatted, "1 MUSIC").
	Settled {
		id: u64,
		song: u32,
		listener: String,
		server: String,
		artist: String,
		credited: bool,
		took_ms: u64,
	},
	/// A play earned nothing: the rule, and what it means.
	Refused { id: u64, name: String, meaning: String },
	/// A play's settlement failed.
	PlayFailed { id: u64, message: String },
	/// A played song's file is now in the library.
	Kept { id: u64, path: String },
	/// A download's progress.
	Download { song: u32, title: String, bytes_done: u64, bytes: u64, providers: usize },
	/// A downloaded song is in the library (or already was).
	Downloaded { song: u32, title: String, path: String, already: bool },
	/// A song could not be downloaded.
	DownloadFailed { song: u32, title: String, message: String },
}
