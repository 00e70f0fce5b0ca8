//! What the app holds: the chain, the swarm host (restarted with a payout
//! when the wallet is unlocked), the unlocked account, the open library,
//! the plays in progress, and the live Discover loop.

use crate::{events::Event, play::PagePlay, StartError};
use musicchain_app::view::SongView;
use musicchain_chain::{
	catalog::{Song, Status},
	Chain,
};
use musicchain_library::Store;
use musicchain_primitives::ContentHash;
use musicchain_swarm::{self as swarm, Host, HostConfig, Payout};
use musicchain_wallet::Account;
use std::{
	collections::{HashMap, HashSet},
	path::PathBuf,
	sync::{Arc, Mutex},
	time::{Duration, Instant},
};
use tokio::sync::{broadcast, watch, RwLock};

/// How often Discover asks the host which content is online.
const ONLINE_EVERY: Duration = Duration::from_millis(500);
/// How often the song list is read from the chain (new blocks every 6 s).
const SONGS_EVERY: Duration = Duration::from_secs(6);

pub struct App {
	pub data_dir: PathBuf,
	pub chain: Chain,
	pub port: u16,
	pub secret: String,
	net: HostConfig,
	host: RwLock<Host>,
	pub account: RwLock<Option<Account>>,
	pub store: Arc<Store>,
	pub events: broadcast::Sender<Event>,
	/// The songs with a peer online now.
	pub online: watch::Sender<Vec<SongView>>,
	/// The chain's songs, as last read.
	songs: RwLock<Arc<Vec<Song>>>,
	pub plays: Mutex<HashMap<u64, Arc<PagePlay>>>,
	/// What each file became when it last met the chain.
	pub outcomes: Mutex<HashMap<PathBuf, String>>,
	/// Held while a scan, sync or download runs (one at a time).
	job: Arc<tokio::sync::Mutex<()>>,
	discover: Mutex<Option<tokio::task::AbortHandle>>,
}

impl App {
	/// Starts the host (paid on `account` when it is given) and the live
	/// Discover loop; the data directory is the host's.
	pub async fn start(
		chain: Chain,
		net: HostConfig,
		account: Option<Account>,
		port: u16,
		secret: String,
	) -> Result<Arc<App>, StartError> {
		let store = Arc::new(Store::open(&net.data_dir)?);
		let host = start_host(&net, &store, &chain, account.as_ref()).await?;
		let app = Arc::new(App {
			data_dir: net.data_dir.clone(),
			chain,
			port,
			secret,
			net,
			host: RwLock::new(host),
			account: RwLock::new(account),
			store,
			events: broadcast::channel(1024).0,
			online: watch::channel(Vec::new()).0,
			// Read by the Discover loop's first round.
			songs: RwLock::new(Arc::new(Vec::new())),
			plays: Mutex::new(HashMap::new()),
			outcomes: Mutex::new(HashMap::new()),
			job: Arc::new(tokio::sync::Mutex::new(())),
			discover: Mutex::new(None),
		});
		let handle = tokio::spawn(discover(Arc::downgrade(&app))).abort_handle();
		*app.discover.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle);
		Ok(app)
	}

	/// The right to run a job (scan, sync, download), or why not now.
	pub fn try_job(&self) -> Result<tokio::sync::OwnedMutexGuard<()>, &'static str> {
		self.job
			.clone()
			.try_lock_owned()
			.map_err(|_| "a scan, sync or download is running; try again when it is done")
	}

	/// The swarm host now (it is replaced when the wallet is unlocked).
	pub async fn host(&self) -> Host {
		self.host.read().await.clone()
	}

	/// Tells every open page.
	pub fn send(&self, event: Event) {
		let _ = self.events.send(event);
	}

	/// The chain's songs as last read.
	pub async fn songs(&self) -> Arc<Vec<Song>> {
		self.songs.read().await.clone()
	}

	/// Reads the chain's songs again.
	pub async fn refresh_songs(&self) -> Result<Arc<Vec<Song>>, musicchain_chain::ChainError> {
		let songs = Arc::new(self.chain.songs().await?);
		*self.songs.write().await = songs.clone();
		Ok(songs)
	}

	/// The account, unlocked: from now on the host is paid on it (the host
	/// starts again with it; the library stays served).
	pub async fn set_account(&self, account: Account) -> Result<(), StartError> {
		let mut host = self.host.write().await;
		host.shutdown().await;
		*host = start_host(&self.net, &self.store, &self.chain, Some(&account)).await?;
		drop(host);
		let address = account.address();
		*self.account.write().await = Some(account);
		self.send(Event::Wallet { address });
		Ok(())
	}

	/// Serves every file of the library (new files after a scan).
	pub async fn serve_library(&self) {
		let Ok(catalog) = musicchain_app::serve::catalog_of(&self.store) else { return };
		let host = self.host().await;
		for hash in catalog.hashes() {
			if let Some(served) = catalog.get(hash) {
				let _ = host.serve(*hash, served.clone());
			}
		}
	}

	pub async fn shutdown(&self) {
		if let Some(h) = self.discover.lock().unwrap_or_else(|p| p.into_inner()).take() {
			h.abort();
		}
		self.host().await.shutdown().await;
	}
}

/// The swarm host serving the library in `store`, paid on `account`.
async fn start_host(
	net: &HostConfig,
	store: &Store,
	chain: &Chain,
	account: Option<&Account>,
) -> Result<Host, StartError> {
	let mut config = net.clone();
	config.payout =
		account.map(|a| Payout { key: a.keypair(), genesis_hash: chain.genesis_hash() });
	Ok(swarm::start(config, musicchain_app::serve::catalog_of(store)?).await?)
}

/// The songs of `songs` with a file in `online`, not hidden, by artist,
/// album and track.
pub fn online_songs(songs: &[Song], online: &HashSet<ContentHash>) -> Vec<SongView> {
	let mut live: Vec<SongView> = songs
		.iter()
		.filter(|s| {
			s.status != Status::Hidden
				&& s.variants.iter().any(|v| online.contains(&v.content_hash))
		})
		.map(SongView::from)
		.collect();
	live.sort_by_cached_key(|s| {
		(
			s.artist.to_lowercase(),
			s.album.to_lowercase(),
			s.track.unwrap_or(u16::MAX),
			s.title.clone(),
		)
	});
	live
}

/// Live Discover: asks the host which content is online twice a second,
/// reads the chain's songs every block (or at once when unknown content
/// comes online), and tells the pages whenever the online songs change.
async fn discover(app: std::sync::Weak<App>) {
	let mut songs_read: Option<Instant> = None;
	loop {
		tokio::time::sleep(ONLINE_EVERY).await;
		let Some(app) = app.upgrade() else { return };
		let Ok(online) = app.host().await.online_content().await else { continue };
		let online: HashSet<ContentHash> = online.into_iter().collect();
		let mut songs = app.songs().await;
		let known: HashSet<&ContentHash> =
			songs.iter().flat_map(|s| s.variants.iter().map(|v| &v.content_hash)).collect();
		let unknown = online.iter().any(|h| !known.contains(h));
		let since = songs_read.map(|t| t.elapsed());
		if since.is_none_or(|t| t >= SONGS_EVERY || (unknown && t >= ONLINE_EVERY * 2)) {
			songs_read = Some(Instant::now());
			if let Ok(fresh) = app.refresh_songs().await {
				songs = fresh;
			}
		}
		let live = online_songs(&songs, &online);
		if *app.online.borrow() != live {
			app.online.send_replace(live.clone());
			app.send(Event::Online { songs: live });
		}
	}
}
