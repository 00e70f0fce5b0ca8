//! `musicchain app`: the player app, a web page on 127.0.0.1 that does
//! everything the commands do (wallet, library, Discover, search, play and
//! earn, downloads, moderation), while the client serves the library.

use crate::{
	chain::{connect, unlock},
	net::{announce, NetArgs},
	Context,
};
use anyhow::Result;
use musicchain_swarm::Role;

/// Run the player app: serve the library and open its page in the browser.
#[derive(clap::Args)]
#[command(after_help = "The page is at the printed address on 127.0.0.1; it carries this run's \
                        secret, so open that address, not another. With --password-file or \
                        MUSICCHAIN_PASSWORD the wallet is unlocked at start; otherwise the page \
                        unlocks it.\n\nExamples:\n  musicchain app\n  musicchain app --port 8384 \
                        --no-browser")]
pub struct Args {
	/// The loopback port of the page (0: a free one).
	#[arg(long, default_value_t = 0)]
	port: u16,
	/// Do not open the page in a browser; only print its address.
	#[arg(long)]
	no_browser: bool,
	#[command(flatten)]
	net: NetArgs,
}

pub async fn exec(ctx: &Context, args: Args) -> Result<i32> {
	let data_dir = ctx.data_dir()?;
	// A password given ahead (a file or the environment) unlocks at start;
	// a prompt never blocks the app: the page asks instead.
	let given = ctx.password.file.is_some() || std::env::var_os("MUSICCHAIN_PASSWORD").is_some();
	let account = match musicchain_wallet::load(&data_dir)? {
		Some(_) if given => Some(unlock(&data_dir, &ctx.password)?),
		_ => None,
	};
	let chain = connect(&ctx.chain).await?;
	let net = args.net.config(Role::Client, &data_dir)?;
	let running =
		musicchain_web::start(musicchain_web::Options { chain, net, account, port: args.port })
			.await?;
	announce(&running.host().await, "serving", musicchain_app::serve::catalog(&data_dir)?.len())
		.await?;
	say!("the app is at {}", running.url);
	if !args.no_browser {
		open_browser(&running.url);
	}
	musicchain_relay::stopped().await;
	say!("stopping: closing connections");
	running.stop().await;
	Ok(0)
}

/// Opens `url` in the desktop's browser, when there is a desktop.
fn open_browser(url: &str) {
	let desktop = ["DISPLAY", "WAYLAND_DISPLAY"].iter().any(|v| std::env::var_os(v).is_some());
	if !desktop {
		return;
	}
	let opened = std::process::Command::new("xdg-open")
		.arg(url)
		.stdin(std::process::Stdio::null())
		.stdout(std::process::Stdio::null())
		.stderr(std::process::Stdio::null())
		.spawn();
	if let Err(e) = opened {
		eprintln!("cannot open a browser ({e}); open the address above");
	}
}
