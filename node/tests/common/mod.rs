//! Test harness: real `musicchain-node` processes on loopback, spoken to
//! over JSON-RPC (HTTP, std only), and extrinsics signed with the dev keys.
#![allow(dead_code)]

use codec::{Decode, Encode};
use musicchain_runtime::{RuntimeCall, SignedPayload, UncheckedExtrinsic, VERSION};
use polkadot_sdk::{
	sp_core::H256,
	sp_keyring::Sr25519Keyring,
	sp_runtime::{generic::Era, MultiAddress, MultiSignature},
};
use serde_json::{json, Value};
use std::{
	fs::File,
	io::{Read, Write},
	net::{TcpListener, TcpStream},
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	sync::{Mutex, OnceLock},
	time::{Duration, Instant},
};

pub const NODE: &str = env!("CARGO_BIN_EXE_musicchain-node");

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
	TcpListener::bind("127.0.0.1:0")
		.and_then(|l| l.local_addr())
		.map(|a| a.port())
		.expect("a free port")
}

/// A JSON-RPC error response.
#[derive(Debug)]
pub struct RpcError {
	pub code: i64,
	pub message: String,
}

/// One JSON-RPC call over HTTP to 127.0.0.1:`port`.
pub fn rpc_call(port: u16, method: &str, params: Value) -> Result<Value, RpcError> {
	let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string();
	let response = post(port, &body)
		.map_err(|e| RpcError { code: -1, message: format!("no answer from :{port}: {e}") })?;
	let reply: Value = serde_json::from_str(&response)
		.map_err(|e| RpcError { code: -2, message: format!("not JSON ({e}): {response}") })?;
	if let Some(err) = reply.get("error") {
		return Err(RpcError {
			code: err["code"].as_i64().unwrap_or_default(),
			message: err["message"].as_str().unwrap_or_default().to_string(),
		});
	}
	Ok(reply["result"].clone())
}

/// A raw HTTP POST of `body`; returns the response body.
pub fn post(port: u16, body: &str) -> std::io::Result<String> {
	let mut stream = TcpStream::connect(("127.0.0.1", port))?;
	stream.set_read_timeout(Some(Duration::from_secs(60)))?;
	write!(
		stream,
		"POST / HTTP/1.1\r\nHost: localhost:{port}\r\nContent-Type: application/json\r\n\
		 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
		body.len()
	)?;
	let mut raw = Vec::new();
	stream.read_to_end(&mut raw)?;
	let text = String::from_utf8_lossy(&raw).into_owned();
	let (head, rest) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
	if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
		return Ok(dechunk(rest));
	}
	Ok(rest.to_string())
}

fn dechunk(mut rest: &str) -> String {
	let mut out = String::new();
	while let Some((size, tail)) = rest.split_once("\r\n") {
		let Ok(n) = usize::from_str_radix(size.trim(), 16) else { break };
		if n == 0 || tail.len() < n {
			break;
		}
		out.push_str(&tail[..n]);
		rest = tail[n..].trim_start_matches("\r\n");
	}
	out
}

/// A running node. Dropping it kills the process.
pub struct Node {
	pub name: String,
	child: Mutex<Option<Child>>,
	pub rpc_port: u16,
	pub log: PathBuf,
}

impl Node {
	/// Starts the node binary with `args` plus an RPC port; output goes to `log`.
	pub fn start(name: &str, args: &[String], log: PathBuf) -> Node {
		let rpc_port = free_port();
		Self::start_on(name, args, rpc_port, log)
	}

	pub fn start_on(name: &str, args: &[String], rpc_port: u16, log: PathBuf) -> Node {
		let out = File::options().create(true).append(true).open(&log).expect("log file");
		let child = Command::new(NODE)
			.args(args)
			.args(["--rpc-port", &rpc_port.to_string(), "--no-prometheus"])
			.stdout(Stdio::null())
			.stderr(out)
			.spawn()
			.expect("start musicchain-node");
		let node = Node { name: name.into(), child: Mutex::new(Some(child)), rpc_port, log };
		node.wait("its RPC server to answer", Duration::from_secs(300), || {
			node.rpc("system_health", json!([])).is_ok()
		});
		node
	}

	pub fn rpc(&self, method: &str, params: Value) -> Result<Value, RpcError> {
		rpc_call(self.rpc_port, method, params)
	}

	/// The last lines of the node's log, for failure messages.
	pub fn log_tail(&self) -> String {
		let text = std::fs::read_to_string(&self.log).unwrap_or_default();
		let lines: Vec<&str> = text.lines().collect();
		lines[lines.len().saturating_sub(30)..].join("\n")
	}

	/// Waits until `done` holds, polling twice a second; panics with the
	/// log's tail after `timeout`, or if the process has exited.
	pub fn wait(&self, what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
		let start = Instant::now();
		loop {
			if done() {
				return;
			}
			if !self.is_running() {
				panic!("{} exited while waiting for {what}:\n{}", self.name, self.log_tail());
			}
			if start.elapsed() > timeout {
				panic!("{}: no {what} after {timeout:?}:\n{}", self.name, self.log_tail());
			}
			std::thread::sleep(Duration::from_millis(500));
		}
	}

	fn header_number(&self, hash: Option<Value>) -> u32 {
		let params = hash.map(|h| json!([h])).unwrap_or(json!([]));
		let header = self.rpc("chain_getHeader", params).expect("chain_getHeader");
		let hex = header["number"].as_str().expect("a block number");
		u32::from_str_radix(hex.trim_start_matches("0x"), 16).expect("hex number")
	}

	pub fn best(&self) -> u32 {
		self.header_number(None)
	}

	pub fn finalized(&self) -> u32 {
		let head = self.rpc("chain_getFinalizedHead", json!([])).expect("finalized head");
		self.header_number(Some(head))
	}

	pub fn genesis(&self) -> H256 {
		let hash = self.rpc("chain_getBlockHash", json!([0])).expect("genesis hash");
		decode_hex(hash.as_str().expect("a hash"))
			.and_then(|b| H256::decode(&mut &b[..]).ok())
			.expect("32 bytes")
	}

	pub fn nonce(&self, who: Sr25519Keyring) -> u32 {
		let nonce = self
			.rpc("system_accountNextIndex", json!([who.to_account_id().to_string()]))
			.expect("system_accountNextIndex");
		nonce.as_u64().expect("a number") as u32
	}

	/// Signs `call` as `who` (next nonce) and submits it; returns its hash.
	pub fn submit(&self, who: Sr25519Keyring, call: RuntimeCall) -> Result<Value, RpcError> {
		let xt = signed(who, call, self.nonce(who), self.genesis());
		self.rpc("author_submitExtrinsic", json!([hex(&xt.encode())]))
	}

	/// Calls runtime API `method` with SCALE-encoded `args` at the best block.
	pub fn state_call<R: Decode>(&self, method: &str, args: impl Encode) -> R {
		let result = self
			.rpc("state_call", json!([method, hex(&args.encode())]))
			.unwrap_or_else(|e| panic!("state_call {method}: {e:?}"));
		let bytes = decode_hex(result.as_str().expect("hex")).expect("hex bytes");
		R::decode(&mut &bytes[..]).unwrap_or_else(|e| panic!("{method} returned {e}"))
	}

	/// Stops the node as an operator would (SIGTERM), waiting for it to exit.
	pub fn stop(&mut self) {
		let Some(mut child) = self.child.lock().expect("lock").take() else { return };
		let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
		let start = Instant::now();
		while start.elapsed() < Duration::from_secs(30) {
			if let Ok(Some(_)) = child.try_wait() {
				return;
			}
			std::thread::sleep(Duration::from_millis(200));
		}
		let _ = child.kill();
		let _ = child.wait();
	}

	/// Whether the process is still running.
	pub fn is_running(&self) -> bool {
		self.child.lock().expect("lock").as_mut().is_some_and(|c| matches!(c.try_wait(), Ok(None)))
	}
}

impl Drop for Node {
	fn drop(&mut self) {
		if let Some(mut child) = self.child.lock().ok().and_then(|mut c| c.take()) {
			let _ = child.kill();
			let _ = child.wait();
		}
	}
}

/// `call` signed by `who` with `nonce`, immortal, no tip, for the chain
/// with `genesis`: what a wallet sends.
pub fn signed(
	who: Sr25519Keyring,
	call: RuntimeCall,
	nonce: u32,
	genesis: H256,
) -> UncheckedExtrinsic {
	let ext = musicchain_runtime::tx_extension(nonce, Era::Immortal, 0);
	// What the extensions add to the signed payload without sending it:
	// spec and transaction versions, genesis hash (twice: CheckGenesis and
	// the immortal era's checkpoint), no metadata hash; the other
	// extensions add nothing.
	let implicit = (
		(),
		(),
		VERSION.spec_version,
		VERSION.transaction_version,
		genesis,
		genesis,
		(),
		(),
		(),
		(),
		None,
		(),
	);
	let payload = SignedPayload::from_raw(call.clone(), ext.clone(), implicit);
	let signature = payload.using_encoded(|p| who.sign(p));
	UncheckedExtrinsic::new_signed(
		call,
		MultiAddress::Id(who.to_account_id()),
		MultiSignature::Sr25519(signature),
		ext,
	)
}

pub fn hex(bytes: &[u8]) -> String {
	let mut s = String::with_capacity(2 + bytes.len() * 2);
	s.push_str("0x");
	for b in bytes {
		s.push_str(&format!("{b:02x}"));
	}
	s
}

pub fn decode_hex(s: &str) -> Option<Vec<u8>> {
	let s = s.strip_prefix("0x").unwrap_or(s);
	(0..s.len())
		.step_by(2)
		.map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
		.collect()
}

/// The fixtures made by `scripts/make-fixtures.sh` (shared with the
/// client's tests through the target directory).
pub fn fixtures() -> &'static Path {
	static DIR: OnceLock<PathBuf> = OnceLock::new();
	DIR.get_or_init(|| {
		let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("musicchain-fixtures");
		let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/make-fixtures.sh");
		let status =
			Command::new("bash").arg(&script).arg(&dir).status().expect("run make-fixtures.sh");
		assert!(status.success(), "{} failed (is ffmpeg installed?)", script.display());
		dir
	})
}

/// A file's Chromaprint fingerprint by `fpcalc -raw` (the reference
/// implementation the client agrees with) and its length in ms.
pub fn fpcalc(path: &Path) -> (Vec<u32>, u32) {
	let out = Command::new("fpcalc")
		.arg("-raw")
		.arg(path)
		.output()
		.expect("run fpcalc (apt-get install libchromaprint-tools)");
	// fpcalc exits non-zero on some files' final "End of file" while still
	// printing the whole fingerprint: the output decides.
	let text = String::from_utf8_lossy(&out.stdout);
	let mut items = Vec::new();
	let mut duration_ms = 0;
	for line in text.lines() {
		if let Some(d) = line.strip_prefix("DURATION=") {
			duration_ms = (d.trim().parse::<f64>().expect("a duration") * 1000.0) as u32;
		}
		if let Some(fp) = line.strip_prefix("FINGERPRINT=") {
			items =
				fp.split(',').map(|x| x.trim().parse::<i64>().expect("an item") as u32).collect();
		}
	}
	assert!(
		!items.is_empty(),
		"fpcalc printed no fingerprint for {}: {}",
		path.display(),
		String::from_utf8_lossy(&out.stderr)
	);
	(items, duration_ms)
}
