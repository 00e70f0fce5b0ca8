//! A user of the client in the end-to-end tests: a data directory, a dev
//! account, the `musicchain` binary run with them; and a reader of the
//! chain's state, as a wallet or explorer would read it.

use super::{
	fixtures,
	node::{free_port, DevNode, Proc},
};
use musicchain_chain::Chain;
use std::{
	io::{BufRead, BufReader, Write},
	process::{Command, Output, Stdio},
};

pub const CLIENT: &str = env!("CARGO_BIN_EXE_musicchain");

/// One user of the client: a data directory, a dev account.
pub struct User {
	pub name: &'static str,
	pub dir: tempfile::TempDir,
	pub node: String,
}

impl User {
	pub fn new(name: &'static str, uri: &str, node: &DevNode) -> User {
		let user = User { name, dir: tempfile::tempdir().expect("tmp"), node: node.url.clone() };
		let mut child = user
			.command(&["wallet", "import", "--uri"])
			.stdin(Stdio::piped())
			.stdout(Stdio::piped())
			.stderr(Stdio::piped())
			.spawn()
			.expect("wallet import");
		child.stdin.take().expect("stdin").write_all(format!("{uri}\n").as_bytes()).expect("uri");
		let out = child.wait_with_output().expect("import");
		assert!(
			out.status.success(),
			"{name}: import failed: {}",
			String::from_utf8_lossy(&out.stderr)
		);
		user
	}

	pub fn command(&self, args: &[&str]) -> Command {
		let mut c = Command::new(CLIENT);
		c.args(args)
			.env("MUSICCHAIN_DATA_DIR", self.dir.path())
			.env("MUSICCHAIN_PASSWORD", format!("{} password", self.name))
			.env("MUSICCHAIN_NODE", &self.node)
			// Test accounts stay out of a developer's own keyring.
			.env("MUSICCHAIN_KEYRING", "off")
			// Silent on a developer's machine too.
			.env("MUSICCHAIN_OUTPUT", "null")
			.env_remove("MUSICCHAIN_BOOTSTRAP");
		c
	}

	/// Runs the client to its end; whether it succeeded, and what it
	/// printed (standard output, then standard error).
	pub fn run(&self, args: &[&str]) -> (bool, String) {
		let Output { status, stdout, stderr } =
			self.command(args).stdin(Stdio::null()).output().expect("run the client");
		let out =
			format!("{}{}", String::from_utf8_lossy(&stdout), String::from_utf8_lossy(&stderr));
		println!("--- {} $ musicchain {}\n{out}", self.name, args.join(" "));
		(status.success(), out)
	}

	/// Runs the client with `--json` output; what it printed on standard
	/// output, parsed.
	pub fn json(&self, args: &[&str]) -> serde_json::Value {
		let Output { status, stdout, stderr } =
			self.command(args).stdin(Stdio::null()).output().expect("run the client");
		let err = String::from_utf8_lossy(&stderr);
		assert!(status.success(), "musicchain {}: {err}", args.join(" "));
		serde_json::from_slice(&stdout).unwrap_or_else(|e| {
			panic!(
				"musicchain {}: not JSON ({e}): {}",
				args.join(" "),
				String::from_utf8_lossy(&stdout)
			)
		})
	}

	/// Starts `serve` on a loopback port; returns it and its address.
	pub fn serve(&self) -> (Proc, String) {
		let listen = format!("/ip4/127.0.0.1/tcp/{}", free_port());
		self.spawn_listening(&["serve", "--listen", &listen, "--advertise-listen"])
	}

	/// Starts the client with `args`, a command that prints "listening on
	/// ADDRESS"; returns it and the first such address.
	pub fn spawn_listening(&self, args: &[&str]) -> (Proc, String) {
		let (proc, lines) = self.spawn_until(self.command(args), "listening on ");
		let addr = lines.last().and_then(|l| l.strip_prefix("listening on ")).expect("an address");
		(proc, addr.to_string())
	}

	/// Starts `command` and reads what it prints up to the first line that
	/// starts with `last`; returns it and the lines read (the rest of its
	/// output is drained, so that it never blocks on a full pipe).
	pub fn spawn_until(&self, mut command: Command, last: &str) -> (Proc, Vec<String>) {
		let mut child = command
			.stdin(Stdio::null())
			.stdout(Stdio::piped())
			.stderr(Stdio::inherit())
			.spawn()
			.expect("start the client");
		let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
		let mut read = Vec::new();
		loop {
			let line = lines.next().unwrap_or_else(|| panic!("it never printed {last:?}"));
			let line = line.expect("utf-8");
			println!("{}: {line}", self.name);
			let done = line.starts_with(last);
			read.push(line);
			if done {
				break;
			}
		}
		std::thread::spawn(move || for _ in lines {});
		(Proc(child), read)
	}

	/// The file names in the downloads folder, sorted.
	pub fn downloads(&self) -> Vec<String> {
		let mut saved: Vec<String> = std::fs::read_dir(self.dir.path().join("downloads"))
			.expect("the downloads folder")
			.map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
			.collect();
		saved.sort();
		saved
	}

	pub fn account(&self) -> [u8; 32] {
		let (_, out) = self.run(&["wallet", "show"]);
		let address = out.lines().next().and_then(|l| l.strip_prefix("account ")).expect("address");
		musicchain_wallet::public_of_address(address).expect("ss58")
	}
}

pub fn library(files: &[&str]) -> tempfile::TempDir {
	let dir = tempfile::tempdir().expect("tmp");
	for f in files {
		let from = fixtures().join(f);
		std::fs::copy(&from, dir.path().join(from.file_name().expect("name"))).expect("copy");
	}
	dir
}

/// Reads the chain's state (the best block) for the test's checks, the
/// way a wallet or explorer would, over its own connection (on a runtime of
/// its own, which keeps the connection's tasks alive between looks).
pub struct Reader {
	pub rt: tokio::runtime::Runtime,
	pub chain: Chain,
}

impl Reader {
	pub fn new(url: &str) -> Reader {
		let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("rt");
		let chain = rt.block_on(Chain::connect(url, 60, |_, _| {})).expect("connect");
		Reader { rt, chain }
	}

	pub fn songs(&self) -> Vec<musicchain_chain::catalog::Song> {
		self.rt.block_on(self.chain.songs()).expect("songs")
	}
}

#[derive(Debug, PartialEq)]
pub struct State {
	pub free: u128,
	pub credits: u128,
}

pub fn state(reader: &Reader, who: [u8; 32]) -> State {
	reader.rt.block_on(async {
		State {
			free: reader.chain.balance(who).await.expect("balance").free,
			credits: reader.chain.credits(who).await.expect("credits"),
		}
	})
}
