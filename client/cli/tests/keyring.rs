//! The wallet in a real OS keyring: GNOME Keyring's Secret Service on a
//! private D-Bus session bus (its keyring files under a temporary home),
//! driven through the `musicchain` binary, and checked from outside with
//! `secret-tool`. Without a bus the same commands keep the encrypted file
//! and say why.

use musicchain_wallet::Account;
use std::{
	io::{BufRead, BufReader, Write},
	path::Path,
	process::{Child, Command, Output, Stdio},
	time::{Duration, Instant},
};

const PASSWORD: &str = "correct horse";
const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

/// A D-Bus session bus with GNOME Keyring on it; both die with it.
struct SecretService {
	bus: Child,
	keyring: Child,
	address: String,
	home: tempfile::TempDir,
}

impl SecretService {
	fn start() -> SecretService {
		let home = tempfile::tempdir().expect("tmp home");
		let mut bus = Command::new("dbus-daemon")
			.args(["--session", "--nofork", "--print-address=1"])
			.env("HOME", home.path())
			.stdout(Stdio::piped())
			.stderr(Stdio::null())
			.spawn()
			.expect("dbus-daemon (scripts/setup.sh installs dbus-daemon)");
		let mut line = String::new();
		BufReader::new(bus.stdout.take().expect("stdout"))
			.read_line(&mut line)
			.expect("the bus address");
		let address = line.trim().to_owned();
		assert!(!address.is_empty(), "dbus-daemon printed no address");
		// --unlock creates the login keyring with the password on stdin,
		// so nothing asks through a GUI prompt.
		let mut keyring = Command::new("gnome-keyring-daemon")
			.args(["--foreground", "--unlock", "--components=secrets"])
			.env("HOME", home.path())
			.env("XDG_DATA_HOME", home.path().join("data"))
			.env("XDG_RUNTIME_DIR", home.path())
			.env("DBUS_SESSION_BUS_ADDRESS", &address)
			.stdin(Stdio::piped())
			.stdout(Stdio::null())
			.stderr(Stdio::null())
			.spawn()
			.expect("gnome-keyring-daemon (scripts/setup.sh installs gnome-keyring)");
		let mut stdin = keyring.stdin.take().expect("stdin");
		stdin.write_all(b"keyring password").expect("unlock password");
		drop(stdin);
		let service = SecretService { bus, keyring, address, home };
		service.wait_for_name("org.freedesktop.secrets");
		service
	}

	fn wait_for_name(&self, name: &str) {
		let deadline = Instant::now() + Duration::from_secs(20);
		loop {
			let out = Command::new("dbus-send")
				.args([
					"--session",
					"--print-reply",
					"--dest=org.freedesktop.DBus",
					"/org/freedesktop/DBus",
					"org.freedesktop.DBus.NameHasOwner",
					&format!("string:{name}"),
				])
				.env("DBUS_SESSION_BUS_ADDRESS", &self.address)
				.output()
				.expect("dbus-send");
			if String::from_utf8_lossy(&out.stdout).contains("boolean true") {
				return;
			}
			assert!(Instant::now() < deadline, "{name} never appeared on the bus");
			std::thread::sleep(Duration::from_millis(100));
		}
	}

	/// What `secret-tool` finds for the wallet of `data_dir`.
	fn lookup(&self, data_dir: &Path) -> Option<String> {
		use musicchain_wallet::os_keyring::{user_of, SERVICE};
		let out = Command::new("secret-tool")
			.args(["lookup", "service", SERVICE, "username", &user_of(data_dir)])
			.env("DBUS_SESSION_BUS_ADDRESS", &self.address)
			.env("HOME", self.home.path())
			.output()
			.expect("secret-tool (scripts/setup.sh installs libsecret-tools)");
		out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
	}
}

impl Drop for SecretService {
	fn drop(&mut self) {
		let _ = self.keyring.kill();
		let _ = self.bus.kill();
		let _ = self.keyring.wait();
		let _ = self.bus.wait();
	}
}

/// Runs the client on `data_dir` with `stdin`; `bus` is the session bus
/// address, or none (no keyring).
fn musicchain(data_dir: &Path, bus: Option<&str>, args: &[&str], stdin: &str) -> Output {
	let mut cmd = Command::new(env!("CARGO_BIN_EXE_musicchain"));
	cmd.arg("--data-dir")
		.arg(data_dir)
		.args(args)
		.env("MUSICCHAIN_PASSWORD", PASSWORD)
		.env_remove("MUSICCHAIN_KEYRING")
		.stdin(Stdio::piped())
		.stdout(Stdio::piped())
		.stderr(Stdio::piped());
	match bus {
		Some(address) => cmd.env("DBUS_SESSION_BUS_ADDRESS", address),
		None => cmd.env_remove("DBUS_SESSION_BUS_ADDRESS"),
	};
	let mut child = cmd.spawn().expect("musicchain");
	child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("stdin");
	child.wait_with_output().expect("musicchain ran")
}

fn text(out: &Output) -> String {
	format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn the_wallet_lives_in_the_os_keyring_when_there_is_one() {
	let service = SecretService::start();
	let bus = Some(service.address.as_str());
	let dir = tempfile::tempdir().expect("tmp");
	let data = dir.path().join("data");

	let out = musicchain(&data, bus, &["wallet", "import", "--uri"], "//Alice\n");
	assert!(out.status.success(), "{}", text(&out));
	assert!(text(&out).contains("kept in the OS keyring"), "{}", text(&out));
	assert!(!data.join("wallet.json").exists(), "a keyring wallet leaves no file");

	// It is really in the Secret Service: a polkadot.js JSON account that
	// opens with the wallet's password.
	let json = service.lookup(&data).expect("the keyring holds the wallet");
	let (account, _) = Account::from_json(&json, PASSWORD).expect("opens");
	assert_eq!(account.address(), ALICE);

	let out = musicchain(&data, bus, &["wallet", "show"], "");
	assert!(text(&out).contains(ALICE) && text(&out).contains("OS keyring"), "{}", text(&out));
	let out = musicchain(&data, bus, &["wallet", "export"], "");
	assert!(out.status.success(), "{}", text(&out));
	let exported = String::from_utf8_lossy(&out.stdout).into_owned();
	assert_eq!(Account::from_json(&exported, PASSWORD).expect("opens").0.address(), ALICE);

	// Another account does not silently replace it.
	let out = musicchain(&data, bus, &["wallet", "import", "--uri"], "//Bob\n");
	assert!(!out.status.success(), "{}", text(&out));
	assert!(text(&out).contains("already exists") && text(&out).contains(ALICE), "{}", text(&out));

	// Moved to the file on request: no second copy stays in the keyring.
	let out =
		musicchain(&data, bus, &["wallet", "import", "--uri", "--replace", "--file"], "//Bob\n");
	assert!(out.status.success(), "{}", text(&out));
	assert!(text(&out).contains("kept in the file as asked"), "{}", text(&out));
	assert!(data.join("wallet.json").exists());
	assert_eq!(service.lookup(&data), None, "the replaced keyring entry is gone");

	// And back into the keyring: the file goes.
	let out = musicchain(&data, bus, &["wallet", "import", "--uri", "--replace"], "//Alice\n");
	assert!(text(&out).contains("kept in the OS keyring"), "{}", text(&out));
	assert!(!data.join("wallet.json").exists());

	// Each data directory has its own entry.
	let other = dir.path().join("other");
	let out = musicchain(&other, bus, &["wallet", "show"], "");
	assert!(!out.status.success() && text(&out).contains("no wallet"), "{}", text(&out));
}

#[test]
fn without_a_keyring_the_wallet_is_the_encrypted_file_and_says_why() {
	let dir = tempfile::tempdir().expect("tmp");
	let out = musicchain(dir.path(), None, &["wallet", "import", "--uri"], "//Alice\n");
	assert!(out.status.success(), "{}", text(&out));
	let said = text(&out);
	assert!(said.contains("an encrypted file") && said.contains("not in the OS keyring"), "{said}");
	assert!(dir.path().join("wallet.json").exists());
}

/// The player app's "remember on this computer": the wallet's password in
/// its own keyring entry (apart from the sealed account), found again by the
/// next start, and gone once forgotten.
#[test]
fn a_remembered_password_stays_in_the_keyring_until_forgotten() {
	use musicchain_wallet::{forget_password, remember_password, remembered_password};
	let service = SecretService::start();
	// The keyring calls below are this process's own: point them at the
	// private bus (the other tests set the bus of each child they start).
	std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &service.address);
	std::env::remove_var("MUSICCHAIN_KEYRING");
	let data = tempfile::tempdir().expect("tmp");
	assert_eq!(remembered_password(data.path()), None);
	remember_password(data.path(), PASSWORD).expect("remembered");
	assert_eq!(remembered_password(data.path()).as_deref(), Some(PASSWORD));
	// Not in the wallet's entry: that one holds the sealed account only.
	assert_eq!(service.lookup(data.path()), None);
	forget_password(data.path()).expect("forgotten");
	assert_eq!(remembered_password(data.path()), None);
	// Forgetting again is no error.
	forget_password(data.path()).expect("nothing to forget");
}
