//! Four validators on loopback, started and stopped by
//! `scripts/local-network.sh`: finality advances, still advances with one
//! validator stopped (3 of 4 vote), and the stopped one catches up after a
//! restart.

mod common;

use common::*;
use std::{
	net::TcpListener,
	path::PathBuf,
	process::Command,
	time::{Duration, Instant},
};

const NAMES: [&str; 4] = ["alice", "bob", "charlie", "dave"];

/// A base port with `base..base + 4` all free, searched from `from`.
fn free_range(from: u16) -> u16 {
	(from..from + 2000)
		.step_by(10)
		.find(|&base| (base..base + 4).all(|p| TcpListener::bind(("127.0.0.1", p)).is_ok()))
		.expect("four free ports")
}

struct Network {
	dir: tempfile::TempDir,
	rpc_base: u16,
	p2p_base: u16,
	prometheus_base: u16,
}

impl Network {
	fn script(&self, args: &[&str]) {
		let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/local-network.sh");
		let out = Command::new("bash")
			.arg(&script)
			.args(args)
			.env("MUSICCHAIN_NODE", NODE)
			.env("MUSICCHAIN_NET_DIR", self.dir.path())
			.env("MUSICCHAIN_NET_P2P_PORT", self.p2p_base.to_string())
			.env("MUSICCHAIN_NET_RPC_PORT", self.rpc_base.to_string())
			.env("MUSICCHAIN_NET_PROMETHEUS_PORT", self.prometheus_base.to_string())
			.output()
			.expect("run local-network.sh");
		eprintln!("local-network.sh {args:?}:\n{}", String::from_utf8_lossy(&out.stdout));
		assert!(
			out.status.success(),
			"local-network.sh {args:?}: {}",
			String::from_utf8_lossy(&out.stderr)
		);
	}

	fn port(&self, name: &str) -> u16 {
		self.rpc_base + NAMES.iter().position(|n| *n == name).expect("a validator") as u16
	}

	fn log(&self, name: &str) -> String {
		let text =
			std::fs::read_to_string(self.dir.path().join("logs").join(format!("{name}.log")))
				.unwrap_or_default();
		let lines: Vec<&str> = text.lines().collect();
		lines[lines.len().saturating_sub(25)..].join("\n")
	}

	fn number(&self, name: &str, finalized: bool) -> Option<u32> {
		let port = self.port(name);
		let params = if finalized {
			serde_json::json!([
				rpc_call(port, "chain_getFinalizedHead", serde_json::json!([])).ok()?
			])
		} else {
			serde_json::json!([])
		};
		let header = rpc_call(port, "chain_getHeader", params).ok()?;
		u32::from_str_radix(header["number"].as_str()?.trim_start_matches("0x"), 16).ok()
	}

	fn finalized(&self, name: &str) -> Option<u32> {
		self.number(name, true)
	}

	fn wait(&self, what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
		let start = Instant::now();
		while !done() {
			if start.elapsed() > timeout {
				let logs: Vec<String> =
					NAMES.iter().map(|n| format!("--- {n}:\n{}", self.log(n))).collect();
				panic!("no {what} after {timeout:?}\n{}", logs.join("\n"));
			}
			std::thread::sleep(Duration::from_secs(1));
		}
		eprintln!("{what} after {:.0?}", start.elapsed());
	}
}

impl Drop for Network {
	fn drop(&mut self) {
		self.script(&["stop"]);
	}
}

#[test]
fn four_validators_finalize_lose_one_and_catch_up() {
	let net = Network {
		dir: tempfile::tempdir().expect("temp dir"),
		p2p_base: free_range(31000),
		rpc_base: free_range(19944),
		prometheus_base: free_range(19615),
	};
	net.script(&["start"]);
	net.wait("finalized block #3 on all four", Duration::from_secs(300), || {
		NAMES.iter().all(|n| net.finalized(n).is_some_and(|f| f >= 3))
	});

	// Dave stops: 3 of 4 validators still finalize (more than 2/3).
	net.script(&["stop", "dave"]);
	let at_stop = net.finalized("alice").expect("alice answers");
	net.wait("finality advancing without dave", Duration::from_secs(180), || {
		net.finalized("alice").is_some_and(|f| f >= at_stop + 3)
	});

	// Dave restarts from its database and catches up with the others.
	net.script(&["start", "dave"]);
	let target = net.finalized("alice").expect("alice answers");
	net.wait("dave catching up", Duration::from_secs(300), || {
		net.finalized("dave").is_some_and(|f| f >= target)
	});
	net.script(&["status"]);
}
