//! The `musicchain-relay` binary as an operator runs it: two peers that
//! know only the mini-node find each other's files through it, and SIGTERM
//! stops it cleanly.

use musicchain_swarm::{self as swarm, Catalog, HostConfig, Role, Served};
use std::{
	io::{BufRead, BufReader},
	process::{Command, Stdio},
	time::{Duration, Instant},
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_meet_through_the_relay_binary_and_sigterm_stops_it() {
	let data = tempfile::tempdir().expect("tempdir");
	let mut relay = Command::new(env!("CARGO_BIN_EXE_musicchain-relay"))
		.args(["--listen", "/ip4/127.0.0.1/tcp/0", "--advertise-listen", "--data-dir"])
		.arg(data.path())
		.stdout(Stdio::piped())
		.spawn()
		.expect("start musicchain-relay");
	let mut lines = BufReader::new(relay.stdout.take().expect("stdout")).lines();
	let first = lines.next().expect("a first line").expect("utf-8");
	assert!(first.starts_with("mini-node as peer ") && first.ends_with("(0 files)"), "{first}");
	let addr: libp2p::Multiaddr = loop {
		let line = lines.next().expect("its address").expect("utf-8");
		if let Some(addr) = line.strip_prefix("listening on ") {
			break addr.parse().expect("a multiaddr");
		}
	};
	assert!(data.path().join("relay").is_dir(), "its key is kept under DATA_DIR/relay");

	let start = |files: Vec<(musicchain_primitives::ContentHash, Served)>| {
		let addr = addr.clone();
		async move {
			let dir = tempfile::tempdir().expect("tempdir");
			let mut config = HostConfig::client(dir.path());
			config.role = Role::Client;
			config.listen = vec!["/ip4/127.0.0.1/tcp/0".parse().expect("multiaddr")];
			config.advertise_listen = true;
			config.bootstrap = vec![addr];
			let host = swarm::start(config, Catalog::from_files(files)).await.expect("host");
			(host, dir)
		}
	};
	let song = Served::from_file(&musicchain_testkit::fixtures().join("good/a.flac"))
		.expect("hash the fixture");
	let (seeder, _seeder_dir) = start(vec![song.clone()]).await;
	let (observer, _observer_dir) = start(Vec::new()).await;
	let started = Instant::now();
	while !observer.online_content().await.expect("content").contains(&song.0) {
		assert!(started.elapsed() < Duration::from_secs(30), "the observer never saw the file");
		tokio::time::sleep(Duration::from_millis(200)).await;
	}
	let providers = observer.providers(song.0).await.expect("providers");
	assert_eq!(providers, vec![seeder.peer_id()]);
	seeder.shutdown().await;
	observer.shutdown().await;

	let stopped =
		Command::new("kill").args(["-TERM", &relay.id().to_string()]).status().expect("kill -TERM");
	assert!(stopped.success());
	let rest: Vec<String> = lines.map_while(Result::ok).collect();
	let status = relay.wait().expect("it exits");
	assert!(status.success(), "exit status {status}; said {rest:?}");
	assert!(rest.iter().any(|l| l == "stopping: closing connections"), "{rest:?}");
}
