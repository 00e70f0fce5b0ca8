//! The player app: `musicchain app` runs the client (serving the library,
//! presence, the chain) and this web UI on 127.0.0.1, the way Syncthing or
//! Navidrome do. Everything a listener does is on the page: the wallet,
//! My Library, a live Discover, search, the player (an `<audio>` element
//! fed from the swarm's verified prefix, whose played ranges are the play's
//! heartbeats), album downloads and, for moderators, moderation.
//!
//! Security: the server listens on loopback only, refuses a request whose
//! `Host` is not this server (DNS rebinding), and every API call must carry
//! the per-start secret that is in the printed URL; without it the answer
//! is 403 and nothing changes. No CORS headers are sent.
//!
//! - [`guard`]: the Host and secret checks, and the headers of every answer.
//! - [`state`]: what the app holds (chain, host, wallet, library) and the
//!   live Discover loop.
//! - [`events`]: what the page hears over server-sent events.
//! - [`api`]: the JSON API.
//! - [`play`]: plays from the page: the stream with range requests, the
//!   heartbeats and the settlement.
//! - [`assets`]: the page, its script and style, embedded in the binary.

mod api;
mod assets;
mod events;
mod guard;
mod play;
mod state;

use musicchain_chain::Chain;
use musicchain_swarm::{HostConfig, HostError};
use std::{path::PathBuf, sync::Arc};

pub use assets::PAGE_WEIGHT;
pub use events::Event;

/// How to run the app.
pub struct Options {
	/// The client's data directory (wallet, library, downloads).
	pub data_dir: PathBuf,
	/// The connected chain.
	pub chain: Chain,
	/// The swarm host's configuration (its payout is set when the wallet
	/// is unlocked).
	pub net: HostConfig,
	/// The loopback port to listen on; 0 picks a free one.
	pub port: u16,
}

/// Why the app could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
	#[error("cannot listen on 127.0.0.1:{port}: {source} (choose another with --port)")]
	Bind { port: u16, source: std::io::Error },
	#[error("cannot open the library: {0}")]
	Store(#[from] musicchain_library::StoreError),
	#[error(transparent)]
	Host(#[from] HostError),
}

/// The running app.
pub struct Running {
	/// The page's address, with this run's secret: what the user opens.
	pub url: String,
	app: Arc<state::App>,
	server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
	/// Unlocks the wallet for this run (as the page's Unlock does), so that
	/// plays earn and the host is paid from the start.
	pub async fn unlock(&self, account: musicchain_wallet::Account) -> Result<(), HostError> {
		self.app.set_account(account).await
	}

	/// The swarm host now (it starts again when the wallet is unlocked).
	pub async fn host(&self) -> musicchain_swarm::Host {
		self.app.host().await
	}

	/// Stops the web server and the host.
	pub async fn stop(self) {
		self.server.abort();
		self.app.shutdown().await;
	}

	/// Waits until the web server ends (it runs until stopped).
	pub async fn wait(&mut self) -> std::io::Result<()> {
		match (&mut self.server).await {
			Ok(result) => result,
			Err(e) => Err(std::io::Error::other(e)),
		}
	}
}

/// Starts the host and the web server on 127.0.0.1.
pub async fn start(options: Options) -> Result<Running, StartError> {
	let Options { data_dir, chain, net, port } = options;
	let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
		.await
		.map_err(|source| StartError::Bind { port, source })?;
	let port = listener.local_addr().map_err(|source| StartError::Bind { port, source })?.port();
	let secret = guard::new_secret();
	let app = state::App::start(data_dir, chain, net, port, secret.clone()).await?;
	// A password remembered in the OS keyring unlocks the wallet now.
	if let (Ok(Some(stored)), Some(password)) = (
		musicchain_wallet::load(&app.data_dir),
		musicchain_wallet::remembered_password(&app.data_dir),
	) {
		match stored.unlock(&password) {
			Ok(account) => app.set_account(account).await?,
			Err(e) => tracing::warn!("the password remembered in the OS keyring did not open the wallet ({e}); the page asks for it"),
		}
	}
	let router = api::router(app.clone());
	let server = tokio::spawn(async move { axum::serve(listener, router).await });
	Ok(Running { url: format!("http://127.0.0.1:{port}/?t={secret}"), app, server })
}
