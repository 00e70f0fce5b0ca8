//! Headless Chromium driven over WebDriver (Debian's `chromium` and
//! `chromium-driver`, which `scripts/setup.sh` installs): a real browser
//! for the player app's tests, with real clicks and typing.

use super::node::{free_port, Proc};
use serde_json::{json, Value};
use std::{
	path::{Path, PathBuf},
	process::{Command, Stdio},
	time::{Duration, Instant},
};

/// A running chromedriver and one browser session.
pub struct Browser {
	base: String,
	_driver: Proc,
	_profile: tempfile::TempDir,
}

fn check(what: &str, res: attohttpc::Result<attohttpc::Response>) -> Value {
	let res = res.unwrap_or_else(|e| panic!("webdriver {what}: {e}"));
	let status = res.status();
	let body: Value = res.json().unwrap_or_else(|e| panic!("webdriver {what}: not JSON: {e}"));
	assert!(status.is_success(), "webdriver {what}: {status}: {body}");
	body["value"].clone()
}

impl Browser {
	/// Starts chromedriver and a headless Chromium of `width` x `height`
	/// that may play audio without a gesture, muted.
	pub fn start(width: u32, height: u32) -> Browser {
		let driver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
			.into_iter()
			.find(|p| Path::new(p).exists())
			.expect("chromedriver is missing: install chromium-driver (scripts/setup.sh does)");
		let port = free_port();
		let child = Command::new(driver)
			.arg(format!("--port={port}"))
			.stdout(Stdio::null())
			.stderr(Stdio::null())
			.spawn()
			.expect("start chromedriver");
		let driver = Proc(child);
		let base = format!("http://127.0.0.1:{port}");
		let started = Instant::now();
		while attohttpc::get(format!("{base}/status")).send().is_err() {
			assert!(started.elapsed() < Duration::from_secs(30), "chromedriver never answered");
			std::thread::sleep(Duration::from_millis(100));
		}
		let profile = tempfile::tempdir().expect("tmp");
		let args = [
			"--headless=new".to_string(),
			"--no-sandbox".into(),
			"--disable-gpu".into(),
			"--disable-dev-shm-usage".into(),
			"--no-first-run".into(),
			"--disable-background-networking".into(),
			"--disable-component-update".into(),
			"--disable-sync".into(),
			"--disable-quic".into(),
			"--autoplay-policy=no-user-gesture-required".into(),
			"--mute-audio".into(),
			format!("--window-size={width},{height}"),
			format!("--user-data-dir={}", profile.path().display()),
		];
		let caps = json!({ "capabilities": { "alwaysMatch": {
			"browserName": "chrome",
			"goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args },
		}}});
		let session = check(
			"new session",
			attohttpc::post(format!("{base}/session")).json(&caps).and_then(|r| r.send()),
		);
		let id = session["sessionId"].as_str().expect("session id").to_string();
		Browser { base: format!("{base}/session/{id}"), _driver: driver, _profile: profile }
	}

	fn post(&self, path: &str, body: Value) -> Value {
		check(
			path,
			attohttpc::post(format!("{}{path}", self.base)).json(&body).and_then(|r| r.send()),
		)
	}

	fn get(&self, path: &str) -> Value {
		check(path, attohttpc::get(format!("{}{path}", self.base)).send())
	}

	pub fn open(&self, url: &str) {
		self.post("/url", json!({ "url": url }));
	}

	/// Runs `script` (a function body; `arguments` are `args`) in the page.
	pub fn eval(&self, script: &str, args: Value) -> Value {
		self.post("/execute/sync", json!({ "script": script, "args": args }))
	}

	fn element(&self, css: &str) -> String {
		let v = self.post("/element", json!({ "using": "css selector", "value": css }));
		v.as_object()
			.and_then(|o| o.values().next())
			.and_then(Value::as_str)
			.unwrap_or_else(|| panic!("no element {css}"))
			.to_string()
	}

	/// Clicks the element that `css` selects, as a person would.
	pub fn click(&self, css: &str) {
		let id = self.element(css);
		self.post(&format!("/element/{id}/click"), json!({}));
	}

	/// Clicks the first element of `css` whose text contains `text`.
	pub fn click_text(&self, css: &str, text: &str) {
		let found = self.eval(
			"const [css, text] = arguments; const e = [...document.querySelectorAll(css)].find(e => e.textContent.includes(text)); if (!e) return false; e.setAttribute('data-test-click', '1'); return true;",
			json!([css, text]),
		);
		assert_eq!(found, json!(true), "no {css} with text {text:?}");
		self.click("[data-test-click]");
		// (The click may have drawn the list anew, without the mark.)
		self.eval(
			"for (const e of document.querySelectorAll('[data-test-click]')) e.removeAttribute('data-test-click')",
			json!([]),
		);
	}

	/// Right-clicks the first element of `css` whose text contains `text`
	/// (a context click, as a person opening a menu).
	pub fn right_click_text(&self, css: &str, text: &str) {
		let found = self.eval(
			"const [css, text] = arguments; const e = [...document.querySelectorAll(css)].find(e => e.textContent.includes(text)); if (!e) return false; e.setAttribute('data-test-click', '1'); return true;",
			json!([css, text]),
		);
		assert_eq!(found, json!(true), "no {css} with text {text:?}");
		let id = self.element("[data-test-click]");
		let element = json!({ "element-6066-11e4-a52e-4f735466cecf": id });
		self.post(
			"/actions",
			json!({ "actions": [{ "type": "pointer", "id": "mouse", "parameters": { "pointerType": "mouse" }, "actions": [
				{ "type": "pointerMove", "origin": element, "x": 0, "y": 0 },
				{ "type": "pointerDown", "button": 2 },
				{ "type": "pointerUp", "button": 2 },
			]}]}),
		);
		self.eval(
			"for (const e of document.querySelectorAll('[data-test-click]')) e.removeAttribute('data-test-click')",
			json!([]),
		);
	}

	/// Presses and releases a key: a character, or a WebDriver key code
	/// such as `"\u{E00D}"` (space) or `"\u{E014}"` (arrow right).
	pub fn press(&self, key: &str) {
		self.post(
			"/actions",
			json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": [
				{ "type": "keyDown", "value": key },
				{ "type": "keyUp", "value": key },
			]}]}),
		);
	}

	/// Types `text` into the element that `css` selects.
	pub fn type_into(&self, css: &str, text: &str) {
		let id = self.element(css);
		self.post(&format!("/element/{id}/value"), json!({ "text": text }));
	}

	/// The text of the element that `css` selects.
	pub fn text(&self, css: &str) -> String {
		let id = self.element(css);
		self.get(&format!("/element/{id}/text")).as_str().unwrap_or_default().to_string()
	}

	/// Waits up to `limit` until `script` returns something other than
	/// null or false; returns it.
	pub fn wait_for(&self, what: &str, limit: Duration, script: &str) -> Value {
		let started = Instant::now();
		loop {
			let v = self.eval(script, json!([]));
			if !v.is_null() && v != json!(false) {
				return v;
			}
			assert!(started.elapsed() < limit, "{what}: not after {limit:?}");
			std::thread::sleep(Duration::from_millis(50));
		}
	}

	pub fn resize(&self, width: u32, height: u32) {
		self.post("/window/rect", json!({ "width": width, "height": height }));
	}

	/// Saves a PNG of what the page shows to `path`.
	pub fn screenshot(&self, path: &Path) {
		use base64::Engine as _;
		let png = self.get("/screenshot");
		let bytes = base64::engine::general_purpose::STANDARD
			.decode(png.as_str().expect("base64"))
			.expect("a PNG");
		std::fs::write(path, bytes).expect("write the screenshot");
		println!("screenshot: {}", path.display());
	}
}

impl Drop for Browser {
	fn drop(&mut self) {
		let _ = attohttpc::delete(&self.base).send();
	}
}

/// Where a test's screenshots go: `tmp/NAME` in the target directory.
pub fn screenshot_dir(name: &str) -> PathBuf {
	let exe = std::env::current_exe().expect("the test's own path");
	let target = exe.ancestors().nth(3).expect("TARGET/PROFILE/deps").to_path_buf();
	let dir = target.join("tmp").join(name);
	std::fs::create_dir_all(&dir).expect("screenshot dir");
	dir
}
