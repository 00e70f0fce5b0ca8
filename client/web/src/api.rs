//! The JSON API the page drives, under `/api/` (every call carries the
//! run's secret: see `guard`). Reads are `GET`, everything that changes
//! something is `POST` with a JSON body. A failure is an HTTP error status
//! with `{"error": "..."}` that says what happened and what to do.

use crate::{assets, events::Event, guard::guard, play::PagePlay, state::App};
use axum::{
	extract::{Path as UrlPath, Query, State},
	http::{HeaderMap, StatusCode},
	response::{
		sse::{self, KeepAlive, Sse},
		IntoResponse, Response,
	},
	routing::{get, post},
	Json, Router,
};
use musicchain_app::{
	play as app_play, search,
	sync::{sync_store, Stage, SyncEvent},
	view::{status_name, SongView},
};
use musicchain_chain::{council::Act, format_music, sync::Outcome};
use musicchain_library::{self as library, ScanEvent, ScanOptions};
use musicchain_swarm::DownloadRequest;
use musicchain_wallet::{self as wallet, Account};
use serde::Deserialize;
use serde_json::{json, Value};
use std::{
	collections::{HashMap, HashSet},
	convert::Infallible,
	path::{Path, PathBuf},
	sync::Arc,
	time::{Duration, Instant},
};

type Shared = State<Arc<App>>;

/// An API failure: a status and what to tell the person.
pub struct ApiError(StatusCode, String);

impl IntoResponse for ApiError {
	fn into_response(self) -> Response {
		(self.0, Json(json!({ "error": self.1 }))).into_response()
	}
}

fn bad(message: impl std::fmt::Display) -> ApiError {
	ApiError(StatusCode::BAD_REQUEST, message.to_string())
}

fn failed(message: impl std::fmt::Display) -> ApiError {
	ApiError(StatusCode::INTERNAL_SERVER_ERROR, message.to_string())
}

type ApiResult = Result<Json<Value>, ApiError>;

pub fn router(app: Arc<App>) -> Router {
	Router::new()
		.route("/", get(assets::index))
		.route("/app.js", get(assets::script))
		.route("/app.css", get(assets::style))
		.route("/favicon.svg", get(assets::icon))
		.route("/api/state", get(state))
		.route("/api/balance", get(balance))
		.route("/api/events", get(events))
		.route("/api/wallet/create", post(wallet_create))
		.route("/api/wallet/import", post(wallet_import))
		.route("/api/wallet/unlock", post(wallet_unlock))
		.route("/api/library", get(library_list))
		.route("/api/library/add", post(library_add))
		.route("/api/library/refresh", post(library_refresh))
		.route("/api/complete", get(complete))
		.route("/api/online", get(online))
		.route("/api/search", get(search_songs))
		.route("/api/play", post(play_start))
		.route("/api/play/:id/heard", post(play_heard))
		.route("/api/play/:id/stop", post(play_stop))
		.route("/api/stream/:id", get(stream))
		.route("/api/download", post(download))
		.route("/api/moderation", get(moderation))
		.route("/api/moderate", post(moderate))
		.layer(axum::middleware::from_fn_with_state(app.clone(), guard))
		.with_state(app)
}

/// The wallet, the node and the peer: what the page shows first.
async fn state(State(app): Shared) -> ApiResult {
	let stored = wallet::load(&app.data_dir).map_err(failed)?;
	let unlocked = app.account.read().await.as_ref().map(Account::public);
	let moderator = match unlocked {
		Some(me) => app.chain.moderators().await.map(|m| m.contains(&me)).unwrap_or(false),
		None => false,
	};
	Ok(Json(json!({
		"wallet": stored.as_ref().map(|s| json!({
			"address": s.address,
			"kept": s.location(),
			"unlocked": unlocked.is_some(),
		})),
		"moderator": moderator,
		"keyring": wallet::os_keyring::password_slot(&app.data_dir).err(),
		"node": app.chain.url(),
		"peer_id": app.host().await.peer_id().to_string(),
		"data_dir": app.data_dir.display().to_string(),
	})))
}

/// The unlocked account's money: free, reserved, pending credits, escrow,
/// royalties owed and the serving bond.
async fn balance(State(app): Shared) -> ApiResult {
	let me = app.account.read().await.as_ref().map(Account::public).ok_or_else(locked)?;
	let c = &app.chain;
	let b = c.balance(me).await.map_err(failed)?;
	let (credits, escrow, owed, bond) = (
		c.credits(me).await.map_err(failed)?,
		c.escrow(me).await.map_err(failed)?,
		c.royalties_owed(me).await.map_err(failed)?,
		c.bond_of(me).await.map_err(failed)?,
	);
	Ok(Json(json!({
		"free": format_music(b.free),
		"reserved": format_music(b.reserved),
		"credits": format_music(credits),
		"escrow": format_music(escrow),
		"royalties_owed": format_music(owed),
		"bond": bond.map(|b| format_music(b.amount)),
		"free_raw": b.free.to_string(),
		"credits_raw": credits.to_string(),
	})))
}

fn locked() -> ApiError {
	ApiError(StatusCode::CONFLICT, "unlock the wallet first (Wallet tab)".into())
}

/// Server-sent events: the online songs at once, then every event.
async fn events(
	State(app): Shared,
) -> Sse<impl futures::Stream<Item = Result<sse::Event, Infallible>>> {
	let first = Event::Online { songs: app.online.borrow().clone() };
	let rx = app.events.subscribe();
	let stream = futures::stream::unfold((Some(first), rx), |(first, mut rx)| async move {
		let event = match first {
			Some(e) => e,
			None => loop {
				match rx.recv().await {
					Ok(e) => break e,
					Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
					Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
				}
			},
		};
		let data = serde_json::to_string(&event).unwrap_or_default();
		Some((Ok(sse::Event::default().data(data)), (None, rx)))
	});
	Sse::new(stream).keep_alive(KeepAlive::default())
}

#[derive(Deserialize)]
struct NewWallet {
	password: String,
	/// Keep the password in the OS keyring, so the next start needs nothing.
	#[serde(default)]
	remember: bool,
}

/// Remembers the password in the OS keyring, or forgets it; what became of
/// it, for the page.
fn remember(app: &App, password: &str, wanted: bool) -> String {
	if !wanted {
		return match wallet::forget_password(&app.data_dir) {
			Ok(()) => "not remembered: the next start asks for the password".into(),
			Err(e) => format!("a remembered password could not be forgotten: {e}"),
		};
	}
	match wallet::remember_password(&app.data_dir, password) {
		Ok(()) => "remembered in the OS keyring: the next start unlocks by itself".into(),
		Err(why) => format!("not remembered ({why}): the next start asks for the password"),
	}
}

/// Creates an account, keeps it sealed with the password (in the OS
/// keyring when there is one) and unlocks it; answers its mnemonic once.
async fn wallet_create(State(app): Shared, Json(body): Json<NewWallet>) -> ApiResult {
	if body.password.is_empty() {
		return Err(bad("choose a password: the wallet's key is kept encrypted with it"));
	}
	wallet::ensure_replaceable(&app.data_dir, false).map_err(conflict)?;
	let (account, phrase) = Account::generate();
	let stored = seal(&app, &account, None, &body.password)?;
	let address = account.address();
	app.set_account(account).await.map_err(failed)?;
	let remembered = remember(&app, &body.password, body.remember);
	Ok(Json(
		json!({ "address": address, "phrase": phrase, "kept": stored, "remembered": remembered }),
	))
}

fn conflict(e: impl std::fmt::Display) -> ApiError {
	ApiError(StatusCode::CONFLICT, e.to_string())
}

fn seal(
	app: &App,
	account: &Account,
	name: Option<&str>,
	password: &str,
) -> Result<String, ApiError> {
	let json = account.to_json(name, password);
	let stored = wallet::store(&app.data_dir, &json, false, wallet::Keep::Auto).map_err(failed)?;
	Ok(stored.location())
}

#[derive(Deserialize)]
struct Import {
	/// A polkadot.js JSON account, with its own password.
	json: Option<String>,
	json_password: Option<String>,
	/// Or a mnemonic or secret URI.
	phrase: Option<String>,
	/// The wallet's password from now on.
	password: String,
	#[serde(default)]
	remember: bool,
}

async fn wallet_import(State(app): Shared, Json(body): Json<Import>) -> ApiResult {
	if body.password.is_empty() {
		return Err(bad("choose a password: the wallet's key is kept encrypted with it"));
	}
	wallet::ensure_replaceable(&app.data_dir, false).map_err(conflict)?;
	let (account, name) = match (&body.json, &body.phrase) {
		(Some(json), _) if !json.trim().is_empty() => {
			Account::from_json(json, body.json_password.as_deref().unwrap_or(""))
				.map_err(|e| bad(format!("cannot open the JSON account: {e}")))?
		},
		(_, Some(phrase)) if !phrase.trim().is_empty() => {
			(Account::from_uri(phrase).map_err(bad)?, None)
		},
		_ => return Err(bad("give a polkadot.js JSON account or a mnemonic")),
	};
	let kept = seal(&app, &account, name.as_deref(), &body.password)?;
	let address = account.address();
	app.set_account(account).await.map_err(failed)?;
	let remembered = remember(&app, &body.password, body.remember);
	Ok(Json(json!({ "address": address, "kept": kept, "remembered": remembered })))
}

async fn wallet_unlock(State(app): Shared, Json(body): Json<NewWallet>) -> ApiResult {
	let stored = wallet::require(&app.data_dir).map_err(conflict)?;
	let account = stored
		.unlock(&body.password)
		.map_err(|e| ApiError(StatusCode::UNAUTHORIZED, format!("the wallet did not open: {e}")))?;
	let address = account.address();
	app.set_account(account).await.map_err(failed)?;
	let remembered = remember(&app, &body.password, body.remember);
	Ok(Json(json!({ "address": address, "remembered": remembered })))
}

/// The library: its folders, its files (with the song each is on chain,
/// or what became of it), and the files that could not be analysed.
async fn library_list(State(app): Shared) -> ApiResult {
	let store = app.store.clone();
	let (roots, files, failures) = tokio::task::spawn_blocking(move || {
		Ok::<_, library::StoreError>((store.roots()?, store.files()?, store.failures()?))
	})
	.await
	.map_err(failed)?
	.map_err(failed)?;
	let songs = app.songs().await;
	// Each file's song, by the content hashes of the songs' files.
	let song_of: HashMap<_, _> =
		songs.iter().flat_map(|s| s.variants.iter().map(move |v| (v.content_hash, s))).collect();
	let outcomes = app.outcomes.lock().unwrap_or_else(|p| p.into_inner()).clone();
	let folders: Vec<Value> = roots
		.iter()
		.map(|r| {
			let n = files.iter().filter(|(path, _)| path.starts_with(r)).count();
			json!({ "path": r.display().to_string(), "files": n })
		})
		.collect();
	let files: Vec<Value> = files
		.iter()
		.map(|(path, rec)| {
			let a = &rec.analysis;
			let song = song_of.get(&a.content_hash);
			let became = match (song, outcomes.get(path)) {
				(_, Some(what)) => what.clone(),
				(Some(s), None) => format!("song {} ({})", s.id, status_name(s.status)),
				(None, None) => "not on chain yet".into(),
			};
			json!({
				"path": path.display().to_string(),
				"format": a.format().map(musicchain_audio::format_name),
				"duration_ms": a.duration_ms,
				"artist": a.tags.artist,
				"title": a.tags.title,
				"album": a.tags.album,
				"song": song.map(|s| s.id),
				"became": became,
			})
		})
		.collect();
	let failures: Vec<Value> = failures
		.iter()
		.map(|(p, f)| json!({ "path": p.display().to_string(), "reason": f.reason }))
		.collect();
	Ok(Json(json!({ "folders": folders, "files": files, "failures": failures })))
}

#[derive(Deserialize)]
struct Folder {
	path: String,
}

/// Adds a folder, then scans and syncs in the background (the page hears
/// the progress).
async fn library_add(State(app): Shared, Json(body): Json<Folder>) -> ApiResult {
	let root = library::root_folder(&expand(&body.path)).map_err(bad)?;
	let guard = app.try_job().map_err(conflict)?;
	app.store.add_root(&root).map_err(failed)?;
	tokio::spawn(scan_and_sync(app.clone(), guard));
	Ok(Json(json!({ "added": root.display().to_string() })))
}

async fn library_refresh(State(app): Shared) -> ApiResult {
	let guard = app.try_job().map_err(conflict)?;
	tokio::spawn(scan_and_sync(app.clone(), guard));
	Ok(Json(json!({ "started": true })))
}

/// `~` and `~/...` as the home folder.
fn expand(path: &str) -> PathBuf {
	let path = path.trim();
	match (path.strip_prefix('~'), std::env::var_os("HOME")) {
		(Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
			PathBuf::from(home).join(rest.trim_start_matches('/'))
		},
		_ => PathBuf::from(path),
	}
}

/// Scans the library, serves what is new, and matches it on chain when
/// the wallet is unlocked.
async fn scan_and_sync(app: Arc<App>, _job: tokio::sync::OwnedMutexGuard<()>) {
	let store = app.store.clone();
	let events = app.events.clone();
	let started = Instant::now();
	let scanned = tokio::task::spawn_blocking(move || {
		let (mut done, mut files, mut bytes_done, mut bytes) = (0, 0, 0u64, 0u64);
		let mut last = Instant::now() - Duration::from_secs(1);
		let began = Instant::now();
		library::scan(&store, &ScanOptions::default(), &mut |event| {
			match event {
				ScanEvent::Analysing { files: n, bytes: b } => (files, bytes) = (n, b),
				ScanEvent::Analysed { bytes: b, .. } => {
					done += 1;
					bytes_done += b;
				},
				ScanEvent::Problem { path, reason } => {
					let _ = events.send(Event::Problem {
						path: path.display().to_string(),
						reason: reason.to_owned(),
					});
				},
			}
			if last.elapsed() >= Duration::from_millis(200) || done == files {
				last = Instant::now();
				let eta_s = (bytes_done > 0).then(|| {
					let rate = bytes_done as f64 / began.elapsed().as_secs_f64().max(0.001);
					(bytes.saturating_sub(bytes_done) as f64 / rate) as u64
				});
				let _ = events.send(Event::Scan { done, files, bytes_done, bytes, eta_s });
			}
		})
	})
	.await;
	let summary = match scanned {
		Ok(Ok(s)) => s,
		Ok(Err(e)) => {
			return app.send(Event::Failed { job: "scan".into(), message: e.to_string() })
		},
		Err(e) => return app.send(Event::Failed { job: "scan".into(), message: e.to_string() }),
	};
	app.send(Event::ScanDone {
		files: summary.files,
		added: summary.added,
		updated: summary.updated,
		unchanged: summary.unchanged,
		removed: summary.removed,
		failed: summary.failed.len(),
		unsupported: summary.skipped.len(),
		took_ms: started.elapsed().as_millis() as u64,
	});
	app.serve_library().await;
	app.send(Event::Library);
	let Some(owner) = app.account.read().await.clone() else {
		return app.send(Event::Failed {
			job: "sync".into(),
			message: "not matched on chain: unlock or create the wallet, then refresh".into(),
		});
	};
	// Only the files no sync placed before are checked.
	let mut total = 0;
	let mut done = 0;
	let result = sync_store(&app.chain, &owner, &app.store, &Vec::new(), false, |event| {
		let file = match event {
			SyncEvent::Stage(Stage::Checking { total: checking, .. }) => return total = checking,
			SyncEvent::Stage(_) => return,
			SyncEvent::File(file) => file,
		};
		done += 1;
		let (song, what) = match &file.result {
			Ok(Outcome::Known { song }) => (Some(*song), format!("song {song}: on chain")),
			Ok(Outcome::Joined { song, .. }) => {
				(Some(*song), format!("song {song}: joined as another file of it"))
			},
			Ok(Outcome::Claimed { of, .. }) => (
				Some(*of),
				format!("song {of}: another artist's song; waiting for the validators' verdict"),
			),
			Ok(Outcome::Registered { song, .. }) => {
				(Some(*song), format!("song {song}: registered; waiting for the dedupe verdict"))
			},
			Err(e) => (None, format!("not synced: {e}")),
		};
		app.outcomes
			.lock()
			.unwrap_or_else(|p| p.into_inner())
			.insert(file.path.to_path_buf(), what.clone());
		app.send(Event::Synced {
			path: file.path.display().to_string(),
			song,
			what,
			done,
			files: total,
		});
	})
	.await;
	match result {
		Ok(s) => app.send(Event::SyncDone {
			known: s.known,
			joined: s.joined,
			registered: s.registered,
			failed: s.failed.len(),
		}),
		Err(e) => app.send(Event::Failed { job: "sync".into(), message: e.to_string() }),
	}
	let _ = app.refresh_songs().await;
	app.send(Event::Library);
}

#[derive(Deserialize)]
struct Partial {
	path: String,
}

/// Folder completion for the path field: the folders whose path starts
/// with what was typed.
async fn complete(Query(q): Query<Partial>) -> ApiResult {
	let typed = expand(&q.path);
	let text = q.path.trim();
	let (dir, prefix) = if text.ends_with('/') || text.is_empty() {
		(if text.is_empty() { expand("~") } else { typed.clone() }, String::new())
	} else {
		let prefix =
			typed.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
		(typed.parent().map(Path::to_path_buf).unwrap_or_default(), prefix)
	};
	let mut found: Vec<String> = std::fs::read_dir(&dir)
		.map(|entries| {
			entries
				.filter_map(Result::ok)
				.filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
				.map(|e| e.file_name().to_string_lossy().into_owned())
				// Hidden folders only when a dot is typed, as shells do.
				.filter(|n| {
					n.starts_with(&prefix) && (!n.starts_with('.') || prefix.starts_with('.'))
				})
				.map(|n| format!("{}/", dir.join(n).display()))
				.collect()
		})
		.unwrap_or_default();
	found.sort();
	found.truncate(50);
	Ok(Json(json!({ "folders": found })))
}

/// The songs online now (Discover's list, as the events give it).
async fn online(State(app): Shared) -> ApiResult {
	Ok(Json(json!({ "songs": *app.online.borrow() })))
}

#[derive(Deserialize)]
struct SearchQuery {
	q: String,
}

/// The ranked search over the whole catalog, each song marked online or not.
async fn search_songs(State(app): Shared, Query(q): Query<SearchQuery>) -> ApiResult {
	let songs = app.songs().await;
	let online: HashSet<u32> = app.online.borrow().iter().map(|s| s.id).collect();
	let found: Vec<Value> = search::rank(&songs, &q.q)
		.into_iter()
		.take(50)
		.map(|(s, score)| {
			let mut v = serde_json::to_value(SongView::from(s)).unwrap_or_default();
			v["online"] = json!(online.contains(&s.id));
			v["score"] = json!(score);
			v
		})
		.collect();
	Ok(Json(json!({ "songs": found })))
}

#[derive(Deserialize)]
struct PlayBody {
	song: u32,
}

/// Starts a play: a serving peer, a play session, the stream.
async fn play_start(State(app): Shared, Json(body): Json<PlayBody>) -> ApiResult {
	let listener = app.account.read().await.clone().ok_or_else(locked)?;
	let song = match app.songs().await.iter().find(|s| s.id == body.song) {
		Some(s) => s.clone(),
		None => app.chain.song(body.song).await.map_err(failed)?.ok_or_else(|| {
			ApiError(StatusCode::NOT_FOUND, format!("there is no song {} on chain", body.song))
		})?,
	};
	let asked = Instant::now();
	let host = app.host().await;
	let (stream, finished) = app_play::start(&host, &app.chain, &listener, &song, |_| {})
		.await
		.map_err(|e| ApiError(StatusCode::SERVICE_UNAVAILABLE, e.to_string()))?;
	let min_coverage = app.chain.min_coverage().await.map_err(failed)?;
	let id: u64 = rand::random::<u32>().into();
	let play = Arc::new(PagePlay::new(id, stream, min_coverage));
	let paid = play.stream.session.is_some();
	let mime = play.mime();
	// The file joins the library when the download is done.
	let keeper = {
		let app = app.clone();
		async move {
			if let Ok(Ok(done)) = finished.await {
				let path = done.path;
				let store = app.store.clone();
				let p = path.clone();
				let kept = tokio::task::spawn_blocking(move || {
					musicchain_app::download::add_to_store(&store, &p)
				})
				.await;
				if matches!(kept, Ok(Ok(()))) {
					app.send(Event::Kept { id, path: path.display().to_string() });
					app.send(Event::Library);
				}
			}
		}
	};
	tokio::spawn(keeper);
	{
		let mut plays = app.plays.lock().unwrap_or_else(|p| p.into_inner());
		// A page plays one song at a time: older plays end.
		plays.retain(|_, p| p.age() < Duration::from_secs(3 * 3600));
		plays.insert(id, play.clone());
	}
	Ok(Json(json!({
		"id": id,
		"src": format!("/api/stream/{id}?t={}", app.secret),
		"mime": mime,
		"song": SongView::from(&song),
		"needed_ms": play.needed_ms,
		"paid": paid,
		"ready_ms": asked.elapsed().as_millis() as u64,
	})))
}

fn find_play(app: &App, id: u64) -> Result<Arc<PagePlay>, ApiError> {
	app.plays
		.lock()
		.unwrap_or_else(|p| p.into_inner())
		.get(&id)
		.cloned()
		.ok_or_else(|| ApiError(StatusCode::NOT_FOUND, format!("no play {id} (start it again)")))
}

#[derive(Deserialize)]
struct HeardBody {
	from_ms: u32,
	to_ms: u32,
}

async fn play_heard(
	State(app): Shared,
	UrlPath(id): UrlPath<u64>,
	Json(body): Json<HeardBody>,
) -> ApiResult {
	let play = find_play(&app, id)?;
	let heard = play.heard(&app, body.from_ms, body.to_ms).await.map_err(bad)?;
	Ok(Json(json!({ "heard_ms": heard, "needed_ms": play.needed_ms })))
}

async fn play_stop(State(app): Shared, UrlPath(id): UrlPath<u64>) -> ApiResult {
	app.plays.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
	Ok(Json(json!({ "stopped": id })))
}

async fn stream(State(app): Shared, UrlPath(id): UrlPath<u64>, headers: HeaderMap) -> Response {
	match find_play(&app, id) {
		Ok(play) => play.stream(&headers),
		Err(e) => e.into_response(),
	}
}

#[derive(Deserialize)]
struct DownloadBody {
	songs: Vec<u32>,
}

/// Downloads songs (an album) into the library, in the background.
async fn download(State(app): Shared, Json(body): Json<DownloadBody>) -> ApiResult {
	let songs = app.songs().await;
	let wanted: Vec<_> = body
		.songs
		.iter()
		.map(|id| {
			songs.iter().find(|s| s.id == *id).cloned().ok_or_else(|| bad(format!("no song {id}")))
		})
		.collect::<Result<_, _>>()?;
	let job = app.try_job().map_err(conflict)?;
	let n = wanted.len();
	tokio::spawn(download_songs(app.clone(), wanted, job));
	Ok(Json(json!({ "downloading": n })))
}

async fn download_songs(
	app: Arc<App>,
	songs: Vec<musicchain_chain::catalog::Song>,
	_job: tokio::sync::OwnedMutexGuard<()>,
) {
	let host = app.host().await;
	// What the library holds already (read once: the downloads below are
	// of other songs).
	let have = musicchain_app::serve::catalog_of(&app.store).ok();
	for song in songs {
		let title = format!("{} - {}", song.artist(), song.title());
		if let Some(s) =
			have.as_ref().and_then(|c| song.variants.iter().find_map(|v| c.get(&v.content_hash)))
		{
			app.send(Event::Downloaded {
				song: song.id,
				title,
				path: s.path.display().to_string(),
				already: true,
			});
			continue;
		}
		let result = async {
			let i = app_play::find_server(&host, &song).await.map_err(|e| e.to_string())?;
			let v = &song.variants[i];
			let handle = host
				.download(DownloadRequest {
					content_hash: v.content_hash,
					root: Some(v.manifest_root),
					stream_from: None,
					name: Some(app_play::file_name(&song)),
				})
				.map_err(|e| e.to_string())?;
			let mut watch = handle.progress.clone();
			let (app2, id, t) = (app.clone(), song.id, title.clone());
			let ticker = tokio::spawn(async move {
				while watch.changed().await.is_ok() {
					let p = watch.borrow().clone();
					let done = (u64::from(p.verified)
						* u64::from(musicchain_primitives::PIECE_SIZE))
					.min(p.size);
					app2.send(Event::Download {
						song: id,
						title: t.clone(),
						bytes_done: done,
						bytes: p.size,
						providers: p.providers,
					});
					tokio::time::sleep(Duration::from_millis(100)).await;
				}
			});
			let done = handle.finish().await;
			ticker.abort();
			let done = done.map_err(|e| e.to_string())?;
			let store = app.store.clone();
			let path = done.path.clone();
			tokio::task::spawn_blocking(move || {
				musicchain_app::download::add_to_store(&store, &path)
			})
			.await
			.map_err(|e| e.to_string())?
			.map_err(|e| format!("downloaded, but not added to the library: {e}"))?;
			Ok::<_, String>(done.path)
		}
		.await;
		match result {
			Ok(path) => app.send(Event::Downloaded {
				song: song.id,
				title,
				path: path.display().to_string(),
				already: false,
			}),
			Err(message) => app.send(Event::DownloadFailed { song: song.id, title, message }),
		}
		app.send(Event::Library);
	}
}

/// For moderators: the songs awaiting a decision, and the artists with
/// escrowed royalties.
async fn moderation(State(app): Shared) -> ApiResult {
	let me = app.account.read().await.as_ref().map(Account::public).ok_or_else(locked)?;
	let moderators = app.chain.moderators().await.map_err(failed)?;
	if !moderators.contains(&me) {
		return Err(ApiError(StatusCode::FORBIDDEN, "this account is not a moderator".into()));
	}
	let songs = app.refresh_songs().await.map_err(failed)?;
	let mut awaiting = Vec::new();
	let mut artists: Vec<[u8; 32]> = Vec::new();
	for s in songs.iter() {
		if app.chain.approved(s.id).await.map_err(failed)?.is_none() {
			awaiting.push(SongView::from(s));
		}
		if !artists.contains(&s.artist_account) {
			artists.push(s.artist_account);
		}
	}
	let mut escrow = Vec::new();
	for who in artists {
		let amount = app.chain.escrow(who).await.map_err(failed)?;
		if amount > 0 {
			escrow
				.push(json!({ "account": wallet::address(&who), "amount": format_music(amount) }));
		}
	}
	Ok(Json(json!({ "awaiting": awaiting, "escrow": escrow, "moderators": moderators.len() })))
}

#[derive(Deserialize)]
struct ModerateBody {
	/// "approve", "reject" or "release_escrow".
	act: String,
	song: Option<u32>,
	account: Option<String>,
}

async fn moderate(State(app): Shared, Json(body): Json<ModerateBody>) -> ApiResult {
	use musicchain_chain::council::Motion;
	let me = app.account.read().await.clone().ok_or_else(locked)?;
	let song = || body.song.ok_or_else(|| bad("which song?"));
	let account = || {
		body.account
			.as_deref()
			.and_then(wallet::public_of_address)
			.ok_or_else(|| bad("which account? (an SS58 address)"))
	};
	let act = match body.act.as_str() {
		"approve" => Act::ApproveSong(song()?),
		"reject" => Act::RejectSong(song()?),
		"release_escrow" => Act::ReleaseEscrow(account()?),
		other => return Err(bad(format!("unknown act {other:?}"))),
	};
	let said = match app.chain.moderate(&me, act).await.map_err(failed)? {
		Motion::Open { index, ayes, threshold } => format!(
			"motion #{index}: {ayes} of the {threshold} ayes it needs; it passes when more moderators agree"
		),
		Motion::Executed { index, result: Ok(()) } => format!("motion #{index} passed: done"),
		Motion::Executed { index, result: Err(e) } => {
			format!("motion #{index} passed, but the chain refused it: {e}")
		},
	};
	Ok(Json(json!({ "result": said })))
}
