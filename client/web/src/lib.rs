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
use musicchain_wallet::Account;
use std::sync::Arc;

pub use assets::PAGE_WEIGHT;
pub use events::Event;

/// How to run the app.
pub struct Options {
	/// The connected chain.
	pub chain: Chain,
	/// The swarm host's configuration; its data directory is the
	/// client's (wallet, library, downloads). Its payout is the unlocked
	/// account's.
	pub net: HostConfig,
	/// The wallet's account, unlocked already (a password given on the
	/// command line); without it, a password remembered in the OS keyring
	/// unlocks it, or the page does.
	pub account: Option<Account>,
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
	/// The swarm host now (it starts again when the wallet is unlocked).
	pub async fn host(&self) -> musicchain_swarm::Host {
		self.app.host().await
	}

	/// Stops the web server and the host.
	pub async fn stop(self) {
		self.server.abort();
		self.app.shutdown().await;
	}
}

/// Starts the host and the web server on 127.0.0.1.
pub async fn start(options: Options) -> Result<Running, StartError> {
	let Options { chain, net, account, port } = options;
	let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
		.await
		.map_err(|source| StartError::Bind { port, source })?;
	let port = listener.local_addr().map_err(|source| StartError::Bind { port, source })?.port();
	let account = account.or_else(|| remembered_account(&net.data_dir));
	let secret = guard::new_secret();
	let app = state::App::start(chain, net, account, port, secret.clone()).await?;
	let router = api::router(app.clone());
	let server = tokio::spawn(async move { axum::serve(listener, router).await });
	Ok(Running { url: format!("http://127.0.0.1:{port}/?t={secret}"), app, server })
}

/// The wallet's account, opened with the password remembered in the OS
/// keyring, if there is one that opens it.
fn remembered_account(data_dir: &std::path::Path) -> Option<Account> {
	let stored = musicchain_wallet::load(data_dir).ok()??;
	let password = musicchain_wallet::remembered_password(data_dir)?;
	match stored.unlock(&password) {
		Ok(account) => Some(account),
		Err(e) => {
			tracing::warn!(
				"the password remembered in the OS keyring did not open the wallet ({e}); the \
				 page asks for it"
			);
			None
		},
	}
}
