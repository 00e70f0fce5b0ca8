//! The swarm against plain TCP, over loopback, in one run: the same 50 MB
//! file copied with a bare TCP socket, then downloaded through our
//! protocol from 1 seeder and from 3 seeders (and from 1 seeder over
//! QUIC). Prints MB/s for each, the ratio to plain TCP, and the time from
//! request to the first verified piece.
//!
//! Run: `scripts/bench-swarm.sh` (or `cargo bench -p musicchain-swarm --bench swarm`).

use libp2p::PeerId;
use musicchain_primitives::{manifest_root, ContentHash, ManifestRoot};
use musicchain_swarm::{self as swarm, Catalog, DownloadRequest, Host, HostConfig, Role, Served};
use std::{
	io::Write,
	path::Path,
	time::{Duration, Instant},
};

const SIZE: usize = 50 * 1000 * 1000;

fn make_file(path: &Path) -> std::io::Result<()> {
	// xorshift: incompressible, reproducible.
	let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
	let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
	let mut buf = vec![0u8; 1 << 20];
	let mut left = SIZE;
	while left > 0 {
		for chunk in buf.chunks_mut(8) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
		}
		let n = left.min(buf.len());
		f.write_all(&buf[..n])?;
		left -= n;
	}
	f.flush()
}

/// Plain TCP the way an async program copies: tokio's `io::copy` (8 KiB
/// buffers) from the file to the socket and from the socket to a file.
async fn tokio_tcp(src: &Path, dst: &Path) -> std::io::Result<Duration> {
	use tokio::io::AsyncWriteExt;
	let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
	let addr = listener.local_addr()?;
	let src = src.to_path_buf();
	let sender = tokio::spawn(async move {
		let (mut sock, _) = listener.accept().await?;
		let mut file = tokio::fs::File::open(&src).await?;
		tokio::io::copy(&mut file, &mut sock).await?;
		sock.shutdown().await
	});
	let start = Instant::now();
	let mut sock = tokio::net::TcpStream::connect(addr).await?;
	let mut out = tokio::fs::File::create(dst).await?;
	tokio::io::copy(&mut sock, &mut out).await?;
	out.flush().await?;
	let took = start.elapsed();
	sender.await.map_err(std::io::Error::other)??;
	Ok(took)
}

/// Plain TCP: one socket, file to file, with blocking threads. With no
/// buffer size, `std::io::copy` (which lets the kernel move the bytes where
/// it can, sendfile on the sending side): the fastest a bare copy gets. With
/// one, both ends loop over `read` and `write` with a buffer of that size,
/// as a program does that handles its bytes. No encryption, no verification.
fn plain_tcp(src: &Path, dst: &Path, buffer: Option<usize>) -> std::io::Result<Duration> {
	use std::io::Read;
	fn copy(
		from: &mut impl Read,
		to: &mut impl Write,
		buffer: Option<usize>,
	) -> std::io::Result<()> {
		let Some(size) = buffer else { return std::io::copy(from, to).map(|_| ()) };
		let mut buf = vec![0u8; size];
		loop {
			match from.read(&mut buf)? {
				0 => return Ok(()),
				n => to.write_all(&buf[..n])?,
			}
		}
	}
	let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
	let addr = listener.local_addr()?;
	let src = src.to_path_buf();
	let sender = std::thread::spawn(move || -> std::io::Result<()> {
		let (mut sock, _) = listener.accept()?;
		let mut file = std::fs::File::open(&src)?;
		copy(&mut file, &mut sock, buffer)?;
		sock.shutdown(std::net::Shutdown::Write)
	});
	let start = Instant::now();
	let mut sock = std::net::TcpStream::connect(addr)?;
	let mut out = std::fs::File::create(dst)?;
	copy(&mut sock, &mut out, buffer)?;
	out.flush()?;
	let took = start.elapsed();
	sender.join().map_err(|_| std::io::Error::other("sender panicked"))??;
	Ok(took)
}

async fn host(
	role: Role,
	listen: &str,
	boot: Option<&libp2p::Multiaddr>,
	files: &[(ContentHash, Served)],
	dir: &Path,
) -> (Host, Vec<libp2p::Multiaddr>) {
	let mut c = HostConfig::client(dir);
	c.role = role;
	c.listen = vec![listen.parse().expect("multiaddr")];
	c.advertise_listen = true;
	if let Some(b) = boot {
		c.bootstrap = vec![b.clone()];
	}
	let mut catalog = Catalog::default();
	for (h, s) in files {
		catalog.insert(*h, s.clone());
	}
	let h = swarm::start(c, catalog).await.expect("host");
	let addrs = h.addrs().await.expect("addrs");
	(h, addrs)
}

/// User and system CPU seconds this process has used.
fn cpu_seconds() -> f64 {
	cpu_seconds_of("self")
}

/// User and system CPU seconds process `pid` ("self" for this one) has used.
fn cpu_seconds_of(pid: &str) -> f64 {
	let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
	let after = stat.rsplit(')').next().unwrap_or("");
	let f: Vec<&str> = after.split_whitespace().collect();
	let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
	(ticks(11) + ticks(12)) / 100.0
}

struct Row {
	what: &'static str,
	took: Duration,
	first: Option<Duration>,
	/// CPU seconds of the whole process (both ends) during the copies,
	/// summed over `runs`.
	cpu: f64,
	/// With the seeder in a process of its own: its CPU seconds over `runs`
	/// (and `cpu` is the downloader's alone).
	seeder_cpu: Option<f64>,
	/// Copies the CPU seconds are summed over.
	runs: usize,
	/// Seeders that delivered pieces.
	used: usize,
}

impl Row {
	/// CPU milliseconds per MB copied: of the process, and of the seeder
	/// process when there is one.
	fn cpu_per_mb(&self) -> (f64, Option<f64>) {
		let mb = self.runs.max(1) as f64 * SIZE as f64 / 1e6;
		(self.cpu * 1e3 / mb, self.seeder_cpu.map(|s| s * 1e3 / mb))
	}
}

async fn download(
	d: &Host,
	hash: ContentHash,
	root: Option<ManifestRoot>,
	seeders: &[PeerId],
	what: &'static str,
) -> Row {
	let start = Instant::now();
	let all_seen = |p: Vec<PeerId>| seeders.iter().all(|s| p.contains(s));
	while !all_seen(d.providers(hash).await.unwrap_or_default()) {
		assert!(start.elapsed() < Duration::from_secs(30), "the seeders are not seen online");
		tokio::time::sleep(Duration::from_millis(20)).await;
	}
	let cpu = cpu_seconds();
	let start = Instant::now();
	let handle = d
		.download(DownloadRequest { content_hash: hash, root, stream_from: None, name: None })
		.expect("start");
	let mut progress = handle.progress.clone();
	let verified = tokio::spawn(async move {
		let mut all = None;
		while progress.changed().await.is_ok() {
			let p = progress.borrow().clone();
			if p.pieces > 0 && p.verified == p.pieces && all.is_none() {
				all = Some(start.elapsed());
			}
		}
		all
	});
	let done = handle.finish().await.expect("download");
	let took = start.elapsed();
	if let Ok(Some(all)) = verified.await {
		println!("{what}: every piece verified after {all:?}, the whole file after {took:?}");
	}
	Row {
		what,
		took,
		first: done.first_piece,
		cpu: cpu_seconds() - cpu,
		seeder_cpu: None,
		runs: 1,
		used: done.delivered.iter().filter(|(_, n)| *n > 0).count(),
	}
}

/// Downloads from `seeders` with a new downloader each time (one that has
/// nothing yet, and is shut after so it never seeds the next run); the
/// best of [`runs`], as for plain TCP. Every run's time is printed. With
/// `seeder_process` (a pid), that process's CPU is counted on its own.
async fn best_of(
	boot: &libp2p::Multiaddr,
	listen: &str,
	(hash, root): (ContentHash, Option<ManifestRoot>),
	seeders: &[PeerId],
	what: &'static str,
	seeder_process: Option<&str>,
) -> Row {
	let mut best: Option<Row> = None;
	let mut times = Vec::new();
	let (mut cpu, mut seeder_cpu) = (0.0, None);
	for _ in 0..runs() {
		let dir = tempfile::tempdir().expect("tempdir");
		let (d, _) = host(Role::Client, listen, Some(boot), &[], dir.path()).await;
		let before = seeder_process.map(cpu_seconds_of);
		let row = download(&d, hash, root, seeders, what).await;
		if let Some((pid, b)) = seeder_process.zip(before) {
			*seeder_cpu.get_or_insert(0.0) += cpu_seconds_of(pid) - b;
		}
		cpu += row.cpu;
		d.shutdown().await;
		times.push(format!("{:.1} ms", row.took.as_secs_f64() * 1e3));
		if best.as_ref().is_none_or(|b| row.took < b.took) {
			best = Some(row);
		}
	}
	println!("{what}: {}", times.join(", "));
	// The best time; the CPU of every run.
	let best = best.expect("at least one run");
	Row { cpu, seeder_cpu, runs: times.len(), ..best }
}

fn ids(hosts: &[Host]) -> Vec<PeerId> {
	hosts.iter().map(Host::peer_id).collect()
}

/// Runs of each swarm row; the best is reported. `MUSICCHAIN_BENCH_RUNS`
/// sets another number (more runs make a profile of the swarm's work).
fn runs() -> usize {
	std::env::var("MUSICCHAIN_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(3).max(1)
}

/// Set (to the file to serve) in a seeder process the bench starts.
const SEEDER_FILE: &str = "MUSICCHAIN_BENCH_SEED_FILE";
/// The mini-node a seeder process bootstraps from.
const SEEDER_BOOT: &str = "MUSICCHAIN_BENCH_SEED_BOOT";

/// A seeder in a process of its own (this program again): serves the file,
/// says its peer id on stdout, and stops when its stdin closes.
async fn seeder_process(file: &str, boot: &str) {
	let dir = tempfile::tempdir().expect("tempdir");
	let (hash, served) = Served::from_file(Path::new(file)).expect("hash");
	let boot: libp2p::Multiaddr = boot.parse().expect("multiaddr");
	let (h, _) =
		host(Role::Client, "/ip4/127.0.0.1/tcp/0", Some(&boot), &[(hash, served)], dir.path())
			.await;
	println!("{}", h.peer_id());
	let _ =
		tokio::task::spawn_blocking(|| std::io::copy(&mut std::io::stdin(), &mut std::io::sink()))
			.await;
	h.shutdown().await;
}

/// [`best_of`] from a seeder in another process, so that each end's CPU
/// is measured on its own (as on two machines, but sharing these cores).
async fn from_another_process(
	boot: &libp2p::Multiaddr,
	src: &Path,
	hash: ContentHash,
	roots: [(Option<ManifestRoot>, &'static str); 2],
) -> Vec<Row> {
	use std::io::BufRead;
	let mut child = std::process::Command::new(std::env::current_exe().expect("this program"))
		.env(SEEDER_FILE, src)
		.env(SEEDER_BOOT, boot.to_string())
		.stdin(std::process::Stdio::piped())
		.stdout(std::process::Stdio::piped())
		.spawn()
		.expect("start the seeder process");
	let mut line = String::new();
	let stdout = child.stdout.take().expect("stdout");
	std::io::BufReader::new(stdout).read_line(&mut line).expect("the seeder's peer id");
	let seeder: PeerId = line.trim().parse().expect("a peer id");
	let pid = child.id().to_string();
	let tcp = "/ip4/127.0.0.1/tcp/0";
	let mut rows = Vec::new();
	for (root, what) in roots {
		rows.push(best_of(boot, tcp, (hash, root), &[seeder], what, Some(&pid)).await);
	}
	drop(child.stdin.take());
	let _ = child.wait();
	rows
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
	if let (Ok(file), Ok(boot)) = (std::env::var(SEEDER_FILE), std::env::var(SEEDER_BOOT)) {
		return seeder_process(&file, &boot).await;
	}
	let work = tempfile::tempdir().expect("tempdir");
	let src = work.path().join("fifty.bin");
	make_file(&src).expect("make the 50 MB file");
	let (hash, served) = Served::from_file(&src).expect("hash");
	// The root a download gets from the chain's record of the file.
	let root = Some(manifest_root(&served.pieces));
	let files = [(hash, served)];
	let mut rows = Vec::new();
	{
		let bytes = std::fs::read(&src).expect("read");
		let t = Instant::now();
		let h = musicchain_primitives::sha2_256(&bytes);
		let took = t.elapsed();
		assert_eq!(ContentHash(h), hash);
		println!(
			"SHA-256 of the 50 MB in memory: {:.0} MB/s",
			SIZE as f64 / 1e6 / took.as_secs_f64()
		);
	}

	// `MUSICCHAIN_BENCH_ONLY=process`: only the row with the seeder in a
	// process of its own (to profile the downloader: `perf record -p`).
	let all = std::env::var("MUSICCHAIN_BENCH_ONLY").map_or(true, |v| v != "process");
	// The best of three, so a cold page cache does not flatter the swarm.
	for (what, buffer) in
		[("plain TCP (file to file)", None), ("plain TCP, 256 KiB read/write", Some(256 << 10))]
			.into_iter()
			.filter(|_| all)
	{
		let mut best: Option<Duration> = None;
		let cpu = cpu_seconds();
		for _ in 0..3 {
			let took = plain_tcp(&src, &work.path().join("tcp.out"), buffer).expect("plain tcp");
			best = Some(best.map_or(took, |b| b.min(took)));
		}
		let cpu = cpu_seconds() - cpu;
		let took = best.expect("three runs");
		rows.push(Row { what, took, first: None, cpu, seeder_cpu: None, runs: 3, used: 0 });
	}
	let cpu = cpu_seconds();
	let took = tokio_tcp(&src, &work.path().join("tokio.out")).await.expect("tokio tcp");
	rows.extend(all.then(|| Row {
		what: "plain TCP, tokio io::copy",
		took,
		first: None,
		cpu: cpu_seconds() - cpu,
		seeder_cpu: None,
		runs: 1,
		used: 0,
	}));

	let tcp = "/ip4/127.0.0.1/tcp/0";
	let quic = "/ip4/127.0.0.1/udp/0/quic-v1";
	let mdir = tempfile::tempdir().expect("tempdir");
	let (m, maddr) = host(Role::MiniNode, tcp, None, &[], mdir.path()).await;
	let boot = &maddr[0];
	let seeder_dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().expect("tempdir")).collect();
	let mut seeders = Vec::new();
	// The second and third seeders start after the 1-seeder row: a
	// downloader takes every online provider it finds.
	for (i, dir) in seeder_dirs[..3].iter().enumerate().filter(|_| all) {
		let (s, _) = host(Role::Client, tcp, Some(boot), &files, dir.path()).await;
		seeders.push(s);
		if i == 0 {
			rows.push(
				best_of(boot, tcp, (hash, root), &ids(&seeders), "swarm, 1 seeder (TCP)", None)
					.await,
			);
		}
	}
	if all {
		rows.push(
			best_of(boot, tcp, (hash, root), &ids(&seeders), "swarm, 3 seeders (TCP)", None).await,
		);
	}
	for h in &seeders {
		h.shutdown().await;
	}
	let roots = [(root, "swarm, seeder in a process"), (None, "  the same, no root (CLI)")];
	rows.extend(from_another_process(boot, &src, hash, roots).await);
	if all {
		let (sq, _) = host(Role::Client, quic, Some(boot), &files, seeder_dirs[3].path()).await;
		rows.push(
			best_of(boot, quic, (hash, root), &[sq.peer_id()], "swarm, 1 seeder (QUIC)", None)
				.await,
		);
		sq.shutdown().await;
	}
	m.shutdown().await;

	let mb = SIZE as f64 / 1e6;
	let base = mb / rows[0].took.as_secs_f64();
	println!();
	println!(
		"{:<30} {:>8} {:>9} {:>8} {:>12} {:>16} {:>8}",
		"50 MB over loopback",
		"seconds",
		"MB/s",
		"x plain",
		"first piece",
		"CPU ms per MB",
		"seeders"
	);
	for r in &rows {
		let rate = mb / r.took.as_secs_f64();
		let cpu = match r.cpu_per_mb() {
			(down, Some(seeder)) => format!("{down:.2} + {seeder:.2}"),
			(both, None) => format!("{both:.2}"),
		};
		println!(
			"{:<30} {:>8.3} {:>9.1} {:>8.2} {:>12} {:>16} {:>8}",
			r.what,
			r.took.as_secs_f64(),
			rate,
			rate / base,
			r.first
				.map(|f| format!("{:.1} ms", f.as_secs_f64() * 1e3))
				.unwrap_or_else(|| "-".into()),
			cpu,
			if r.used > 0 { r.used.to_string() } else { "-".into() },
		);
	}
	println!(
		"CPU ms per MB: of this process (both ends) over every run; for the seeder in a process of its own, the downloader's + the seeder's"
	);
	println!(
		"downloads check each piece against the manifest root the chain registered (as plays and album downloads do); \"no root\" is `musicchain download HASH`, which also hashes the whole file"
	);
	println!("\ntargets: the downloader's CPU <= 2.5 ms per MB (the seeder in a process of its own); first piece < 100 ms");
	println!(
		"all hosts run in this one process on this machine's {} cores; a swarm copy verifies every piece (SHA-256), hashes the whole file and encrypts (Noise), plain TCP does none of it",
		std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
	);
}
