//! The real `musicchain-node` binary as a dev chain on loopback.

use std::{
	net::TcpListener,
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};

pub fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("port")
}

/// `musicchain-node`, from the same target directory as this test.
pub fn node_binary() -> PathBuf {
	let exe = std::env::current_exe().expect("test path");
	let bin = exe.parent().and_then(Path::parent).expect("target/debug").join("musicchain-node");
	assert!(
		bin.exists(),
		"{} is missing: build it first (`cargo build -p musicchain-node`; scripts/test.sh does)",
		bin.display()
	);
	bin
}

/// A child process killed on drop.
pub struct Proc(pub Child);

impl Drop for Proc {
	fn drop(&mut self) {
		let _ = self.0.kill();
		let _ = self.0.wait();
	}
}

/// A `--dev` node with its chain in a temporary directory, so that it can
/// be stopped and started again on the same chain and ports.
pub struct DevNode {
	proc: Option<Proc>,
	pub url: String,
	rpc: u16,
	p2p: u16,
	pub dir: tempfile::TempDir,
}

impl DevNode {
	pub fn start() -> DevNode {
		let mut node = DevNode {
			proc: None,
			url: String::new(),
			rpc: free_port(),
			p2p: free_port(),
			dir: tempfile::tempdir().expect("tmp"),
		};
		node.url = format!("ws://127.0.0.1:{}", node.rpc);
		node.run();
		node
	}

	fn run(&mut self) {
		let log = std::fs::OpenOptions::new()
			.create(true)
			.append(true)
			.open(self.dir.path().join("node.log"))
			.expect("log");
		let child = Command::new(node_binary())
			.args(["--dev", "--base-path"])
			.arg(self.dir.path())
			.args(["--rpc-port", &self.rpc.to_string(), "--port", &self.p2p.to_string()])
			.args(["--no-prometheus", "--no-mdns"])
			.stdout(Stdio::null())
			.stderr(log)
			.spawn()
			.expect("start the node");
		self.proc = Some(Proc(child));
		let started = Instant::now();
		while std::net::TcpStream::connect(("127.0.0.1", self.rpc)).is_err() {
			// A node that cannot start (built without its runtime, a port
			// taken) exits at once: say why, not after the whole wait.
			if let Some(Ok(Some(status))) = self.proc.as_mut().map(|p| p.0.try_wait()) {
				let log =
					std::fs::read_to_string(self.dir.path().join("node.log")).unwrap_or_default();
				let lines: Vec<&str> = log.lines().collect();
				let tail = lines[lines.len().saturating_sub(10)..].join("\n");
				panic!("the node exited ({status}) before its RPC opened; its log ends:\n{tail}");
			}
			assert!(started.elapsed() < Duration::from_secs(300), "the node's RPC never opened");
			std::thread::sleep(Duration::from_millis(200));
		}
	}

	/// Kills the node (as a crash or a power cut would).
	pub fn kill(&mut self) {
		self.proc = None;
	}

	/// Starts it again on the same chain, database and ports.
	pub fn restart(&mut self) {
		self.kill();
		self.run();
	}
}
