// The musicchain player app. Every API call carries this run's secret
// (from the page's own address); song text from the chain is only ever
// set as text, never as HTML.
"use strict";

const SECRET = new URLSearchParams(location.search).get("t") || "";
const $ = (id) => document.getElementById(id);
const stats = (window.mcStats = { events: 0, online: [], firstAudioMs: null, settledAfterHalfMs: null });

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  Object.assign(e, props || {});
  for (const c of children) if (c != null) e.append(c);
  return e;
}

async function api(path, body) {
  const init = { headers: { "x-musicchain-secret": SECRET } };
  if (body !== undefined) {
    init.method = "POST";
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const data = await res.json().catch(() => ({ error: res.statusText }));
  if (!res.ok) throw new Error(data.error || res.statusText);
  return data;
}

let toastTimer;
function toast(text, bad) {
  const t = $("toast");
  t.textContent = text;
  t.className = bad ? "bad" : "";
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.hidden = true), bad ? 8000 : 4000);
}

const mmss = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
const or = (s, d) => (s && s.length ? s : d);

// ---- tabs ----
function showTab(name) {
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("on", b.dataset.tab === name);
  for (const s of document.querySelectorAll(".tab")) s.classList.toggle("on", s.id === name);
  if (name === "discover") renderDiscover();
  else $("pane").hidden = true;
  if (name === "library") loadLibrary();
  if (name === "wallet") loadWallet();
  if (name === "moderation") loadModeration();
  if (name === "search") $("q").focus();
}
for (const b of document.querySelectorAll("#tabs button")) b.onclick = () => showTab(b.dataset.tab);

// ---- state: wallet, moderator ----
let me = { wallet: null, moderator: false };
async function loadState() {
  me = await api("/api/state");
  const w = me.wallet;
  $("who").textContent = !w ? "no wallet" : `${w.address.slice(0, 6)}…${w.address.slice(-4)}${w.unlocked ? "" : " (locked)"}`;
  document.querySelector('[data-tab="moderation"]').hidden = !me.moderator;
  $("w-none").hidden = !!w;
  $("w-locked").hidden = !w || w.unlocked;
  $("w-open").hidden = !w || !w.unlocked;
  $("kept").textContent = w ? `Kept in ${w.kept}.` : "";
  // Without an OS keyring nothing can be remembered: say so instead.
  for (const box of document.querySelectorAll(".remember")) box.hidden = !!me.keyring;
  if (me.keyring) $("remembered").textContent = `The password cannot be remembered here (${me.keyring}): each start asks for it.`;
  if (w) $("address").textContent = w.address;
}

async function loadWallet() {
  await loadState();
  if (!me.wallet || !me.wallet.unlocked) return;
  try {
    const b = await api("/api/balance");
    const rows = [
      ["Free", b.free], ["Reserved", b.reserved], ["Pending credits", b.credits],
      ["Escrowed royalties", b.escrow], ["Royalties owed", b.royalties_owed], ["Serving bond", b.bond || "none"],
    ];
    $("money").replaceChildren(...rows.map(([k, v]) => el("tr", {}, el("td", { textContent: k }), el("td", { textContent: v }))));
  } catch (e) { toast(e.message, true); }
}

$("create-form").onsubmit = async (ev) => {
  ev.preventDefault();
  if ($("create-pw").value !== $("create-pw2").value) return toast("the two passwords differ", true);
  try {
    const r = await api("/api/wallet/create", { password: $("create-pw").value, remember: $("create-remember").checked });
    $("phrase").textContent = r.phrase;
    $("phrase-box").hidden = false;
    toast(`created ${r.address}`);
    $("remembered").textContent = `Password ${r.remembered}.`;
    await loadWallet();
  } catch (e) { toast(e.message, true); }
};

$("phrase-done").onclick = () => {
  $("phrase-box").hidden = true;
  $("phrase").textContent = "";
};

$("import-form").onsubmit = async (ev) => {
  ev.preventDefault();
  const file = $("import-file").files[0];
  const body = { password: $("import-pw").value, json_password: $("import-json-pw").value, phrase: $("import-phrase").value, remember: $("import-remember").checked };
  if (file) body.json = await file.text();
  try {
    const r = await api("/api/wallet/import", body);
    toast(`imported ${r.address}`);
    $("remembered").textContent = `Password ${r.remembered}.`;
    await loadWallet();
  } catch (e) { toast(e.message, true); }
};

$("unlock-form").onsubmit = async (ev) => {
  ev.preventDefault();
  try {
    const r = await api("/api/wallet/unlock", { password: $("unlock-pw").value, remember: $("unlock-remember").checked });
    $("unlock-pw").value = "";
    $("remembered").textContent = `Password ${r.remembered}.`;
    await loadWallet();
  } catch (e) { toast(e.message, true); }
};

// ---- Discover: artist -> album -> tracks, live ----
const view = { artist: null, album: null, genre: "" };
let online = [];
const keyOf = (s) => or(s.artist, "(unknown artist)");
const albumOf = (s) => or(s.album, "(no album)");

function renderDiscover() {
  const songs = online.filter((s) => !view.genre || s.genre === view.genre);
  $("online-count").textContent = `${online.length} song${online.length === 1 ? "" : "s"} online now`;
  const genres = [...new Set(online.map((s) => s.genre).filter(Boolean))].sort();
  const sel = $("genre");
  const keep = sel.value;
  sel.replaceChildren(el("option", { value: "", textContent: "all" }), ...genres.map((g) => el("option", { value: g, textContent: g })));
  sel.value = genres.includes(keep) ? keep : "";
  const artists = [...new Set(songs.map(keyOf))].sort((a, b) => a.localeCompare(b));
  // A chosen artist or album whose peers went away stays chosen, and
  // shows again when they come back.
  const artist = artists.includes(view.artist) ? view.artist : artists[0];
  $("artists").replaceChildren(...artists.map((a) => {
    const n = songs.filter((s) => keyOf(s) === a).length;
    const li = el("li", { className: a === artist ? "on" : "" }, a, el("span", { className: "muted", textContent: `${n}` }));
    li.onclick = () => { view.artist = a; view.album = null; renderDiscover(); };
    return li;
  }));
  const mine = songs.filter((s) => keyOf(s) === artist);
  const albums = [...new Set(mine.map(albumOf))].sort((a, b) => a.localeCompare(b));
  $("albums").replaceChildren(...albums.map((al) => {
    const li = el("li", { className: artist === view.artist && al === view.album ? "on" : "" }, al,
      el("span", { className: "muted", textContent: `${mine.filter((s) => albumOf(s) === al).length} tracks` }));
    li.onclick = () => { view.artist = artist; view.album = al; renderDiscover(); };
    li.oncontextmenu = (e) => { e.preventDefault(); downloadAlbum(artist, al); };
    longPress(li, () => downloadAlbum(artist, al));
    return li;
  }));
  const tracks = artist === view.artist ? mine.filter((s) => albumOf(s) === view.album) : [];
  $("pane").hidden = !tracks.length || !$("discover").classList.contains("on");
  $("pane-title").textContent = view.album ? `${view.artist} — ${view.album}` : "";
  $("tracks").replaceChildren(...tracks.map((s) => trackItem(s, tracks)));
}

function trackItem(s, list) {
  const li = el("li", { className: player.song && player.song.id === s.id ? "playing" : "" },
    el("span", { textContent: s.title || "(untitled)" }),
    el("span", { className: "muted", textContent: `${s.artist ? s.artist + " · " : ""}${mmss(s.duration_ms / 1000)}` }));
  if (s.online === false) li.append(el("span", { className: "muted", textContent: "offline" }));
  li.dataset.song = s.id;
  li.onclick = () => play(s, list);
  return li;
}

function longPress(node, fn) {
  let timer;
  node.addEventListener("touchstart", () => (timer = setTimeout(fn, 600)), { passive: true });
  for (const e of ["touchend", "touchmove", "touchcancel"]) node.addEventListener(e, () => clearTimeout(timer));
}

$("genre").onchange = () => { view.genre = $("genre").value; view.artist = null; view.album = null; renderDiscover(); };
$("pane-close").onclick = () => { view.album = null; renderDiscover(); };
$("pane-download").onclick = () => view.album && downloadAlbum(view.artist, view.album);

// The track pane's drag handle.
(() => {
  let startY, startH;
  const h = $("handle");
  h.addEventListener("pointerdown", (e) => {
    startY = e.clientY;
    startH = $("pane").getBoundingClientRect().height;
    h.setPointerCapture(e.pointerId);
  });
  h.addEventListener("pointermove", (e) => {
    if (startY === undefined) return;
    const height = Math.max(80, Math.min(window.innerHeight - 180, startH + (startY - e.clientY)));
    document.documentElement.style.setProperty("--pane", `${height}px`);
  });
  h.addEventListener("pointerup", () => (startY = undefined));
})();

async function downloadAlbum(artist, album) {
  const songs = online.filter((s) => keyOf(s) === artist && albumOf(s) === album);
  const ids = songs.map((s) => s.id);
  try {
    await api("/api/download", { songs: ids });
    for (const s of songs) showDownload(s.id, `${s.artist} - ${s.title}`, 0, 1, "looking for a peer");
    toast(`downloading ${album} (${ids.length} songs)`);
  } catch (e) { toast(e.message, true); }
}

// ---- Search, as you type ----
let searchTimer, searchSeq = 0;
$("q").oninput = () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(async () => {
    const seq = ++searchSeq;
    const q = $("q").value.trim();
    if (!q) return $("results").replaceChildren();
    try {
      const r = await api(`/api/search?q=${encodeURIComponent(q)}`);
      if (seq !== searchSeq) return;
      $("results").replaceChildren(...(r.songs.length ? r.songs.map((s) => trackItem(s, r.songs))
        : [el("li", { className: "muted", textContent: `nothing on chain matches “${q}”` })]));
    } catch (e) { toast(e.message, true); }
  }, 120);
};

// ---- My Library ----
async function loadLibrary() {
  try {
    const lib = await api("/api/library");
    $("lib-summary").textContent = `${lib.files.length} files in ${lib.folders.length} folders` +
      (lib.failures.length ? `, ${lib.failures.length} could not be read` : "");
    $("lib-folders").replaceChildren(...lib.folders.map((f) => el("li", {}, f.path, el("span", { className: "muted", textContent: `${f.files} files` }))));
    $("lib-files").tBodies[0].replaceChildren(...lib.files.map((f) => el("tr", {},
      el("td", { textContent: f.path.split("/").pop(), title: f.path }),
      el("td", { textContent: `${or(f.artist, "?")} – ${or(f.title, "?")}` }),
      el("td", { textContent: f.became }))));
    if (lib.failures.length) $("problems").replaceChildren(...lib.failures.map((f) => el("li", { textContent: `${f.path}: ${f.reason}` })));
  } catch (e) { toast(e.message, true); }
}

let completeTimer;
$("folder").oninput = () => {
  clearTimeout(completeTimer);
  completeTimer = setTimeout(async () => {
    try {
      const r = await api(`/api/complete?path=${encodeURIComponent($("folder").value)}`);
      $("folders").replaceChildren(...r.folders.map((f) => el("option", { value: f })));
    } catch (_) { /* completion is a help only */ }
  }, 100);
};

$("add-form").onsubmit = async (ev) => {
  ev.preventDefault();
  try {
    const r = await api("/api/library/add", { path: $("folder").value });
    $("problems").replaceChildren();
    toast(`added ${r.added}; scanning`);
  } catch (e) { toast(e.message, true); }
};
$("refresh").onclick = async () => {
  try { await api("/api/library/refresh", {}); $("problems").replaceChildren(); } catch (e) { toast(e.message, true); }
};

// ---- Moderation ----
async function loadModeration() {
  try {
    const m = await api("/api/moderation");
    $("awaiting").replaceChildren(...(m.awaiting.length ? m.awaiting.map((s) => {
      const approve = el("button", { textContent: "Approve" });
      const reject = el("button", { textContent: "Reject" });
      approve.onclick = () => moderate({ act: "approve", song: s.id });
      reject.onclick = () => moderate({ act: "reject", song: s.id });
      return el("li", {}, el("span", { textContent: `song ${s.id}: ${s.artist} – ${s.title} ` }), approve, " ", reject);
    }) : [el("li", { className: "muted", textContent: "none" })]));
    $("escrow").replaceChildren(...(m.escrow.length ? m.escrow.map((e) => {
      const b = el("button", { textContent: "Release" });
      b.onclick = () => moderate({ act: "release_escrow", account: e.account });
      return el("li", {}, el("span", { textContent: `${e.account}: ${e.amount} ` }), b);
    }) : [el("li", { className: "muted", textContent: "none" })]));
  } catch (e) { toast(e.message, true); }
}
async function moderate(body) {
  try {
    const r = await api("/api/moderate", body);
    $("mod-result").textContent = r.result;
    loadModeration();
  } catch (e) { toast(e.message, true); }
}

// ---- the player: <audio> fed by the client; played ranges are heartbeats ----
const audio = $("audio");
const player = { song: null, id: null, queue: [], seg: null, asked: 0, halfAt: null };

async function play(song, list) {
  if (!me.wallet || !me.wallet.unlocked) { showTab("wallet"); return toast("create or unlock a wallet to play and earn", true); }
  stopPlay();
  player.queue = list || [song];
  player.song = song;
  player.asked = performance.now();
  player.halfAt = null;
  $("now-title").textContent = song.title || "(untitled)";
  $("now-artist").textContent = song.artist;
  setEarn("looking for a peer serving it…");
  markPlaying();
  try {
    const r = await api("/api/play", { song: song.id });
    if (player.song !== song) return;
    player.id = r.id;
    audio.src = r.src;
    $("play").disabled = false;
    $("next").disabled = player.queue.findIndex((s) => s.id === song.id) + 1 >= player.queue.length;
    setEarn(r.paid ? `streaming; counts after ${mmss(r.needed_ms / 1000)} heard` : "streaming; no serving peer opened a play session, so this play cannot earn");
    await audio.play();
  } catch (e) {
    setEarn(e.message, "bad");
    toast(e.message, true);
  }
}

function stopPlay() {
  flush();
  player.seg = null;
  if (player.id != null) api(`/api/play/${player.id}/stop`, {}).catch(() => {});
  player.id = null;
  audio.pause();
  audio.removeAttribute("src");
}

function markPlaying() {
  for (const li of document.querySelectorAll(".tracks li")) li.classList.toggle("playing", player.song && li.dataset.song == player.song.id);
}

function setEarn(text, cls) {
  const e = $("earn");
  e.textContent = text;
  e.className = `earn ${cls || "muted"}`;
}

// What was really played, in the song's milliseconds, goes to the server
// as heartbeats: at most every 5 s of audio, and at every pause or seek.
function flush() {
  const s = player.seg;
  if (!s || player.id == null || s.last - s.from < 250) return;
  const id = player.id, from = Math.floor(s.from), to = Math.floor(s.last);
  s.from = s.last;
  api(`/api/play/${id}/heard`, { from_ms: from, to_ms: to }).catch((e) => setEarn(`the server did not take a heartbeat: ${e.message}`, "bad"));
}

audio.addEventListener("timeupdate", () => {
  const t = audio.currentTime * 1000;
  $("time").textContent = mmss(audio.currentTime);
  if (!$("seek").matches(":active")) $("seek").value = audio.currentTime;
  if (audio.paused || audio.seeking) return;
  const s = player.seg;
  if (!s) player.seg = { from: t, last: t };
  else if (t < s.last || t - s.last > 1500) { flush(); player.seg = { from: t, last: t }; }
  else { s.last = t; if (s.last - s.from >= 5000) flush(); }
});
audio.addEventListener("playing", () => {
  $("play").textContent = "❚❚";
  if (stats.firstAudioMs === null || player.firstFor !== player.id) {
    player.firstFor = player.id;
    stats.firstAudioMs = Math.round(performance.now() - player.asked);
  }
});
audio.addEventListener("pause", () => { $("play").textContent = "▶"; flush(); player.seg = null; });
audio.addEventListener("seeking", () => { flush(); player.seg = null; });
audio.addEventListener("ended", () => { flush(); player.seg = null; next(); });
audio.addEventListener("loadedmetadata", () => {
  $("seek").max = audio.duration || 0;
  $("duration").textContent = mmss(audio.duration || 0);
});
audio.addEventListener("error", () => player.id != null && setEarn("the browser cannot play this file", "bad"));

$("play").onclick = () => (audio.paused ? audio.play() : audio.pause());
$("next").onclick = () => next();
$("seek").oninput = () => (audio.currentTime = Number($("seek").value));
$("volume").oninput = () => (audio.volume = Number($("volume").value));

function next() {
  const q = player.queue;
  const i = q.findIndex((s) => player.song && s.id === player.song.id);
  if (i >= 0 && i + 1 < q.length) play(q[i + 1], q);
}

document.addEventListener("keydown", (e) => {
  if (e.target.closest("input, textarea, select") || !player.song) return;
  // (On a button, space presses the button, as everywhere.)
  if (e.code === "Space" && !e.target.closest("button")) { e.preventDefault(); audio.paused ? audio.play() : audio.pause(); }
  else if (e.code === "ArrowRight") audio.currentTime = Math.min(audio.duration || 0, audio.currentTime + 5);
  else if (e.code === "ArrowLeft") audio.currentTime = Math.max(0, audio.currentTime - 5);
});

// Each download's row in My Library: a bar and what it is doing.
const downloads = new Map();
function showDownload(song, title, done, total, text) {
  let row = downloads.get(song);
  if (!row) {
    row = { bar: el("progress", { max: 1, value: 0 }), text: el("span", { className: "muted" }) };
    row.li = el("li", {}, el("span", { textContent: `${title} ` }), row.bar, " ", row.text);
    downloads.set(song, row);
    $("download-list").append(row.li);
    $("downloads").hidden = false;
  }
  row.bar.max = Math.max(total, 1);
  row.bar.value = done;
  row.text.textContent = text;
}

// ---- live events ----
function progress(done, total, text) {
  $("progress").hidden = false;
  $("scan-bar").max = Math.max(total, 1);
  $("scan-bar").value = done;
  $("scan-text").textContent = text;
}

const handlers = {
  online(e) { online = e.songs; stats.online = e.songs.map((s) => s.id); renderDiscover(); },
  wallet() { loadState(); },
  scan(e) { progress(e.done, e.files, `analysed ${e.done} of ${e.files} files${e.eta_s != null ? `, about ${mmss(e.eta_s)} left` : ""}`); },
  problem(e) { $("problems").append(el("li", { textContent: `${e.path}: ${e.reason}` })); },
  scan_done(e) { progress(1, 1, `scanned ${e.files} files in ${(e.took_ms / 1000).toFixed(1)} s: ${e.added} added, ${e.updated} updated, ${e.unchanged} unchanged, ${e.removed} removed, ${e.failed} failed${e.unsupported ? `, ${e.unsupported} in formats not supported` : ""}${e.failed + e.unsupported ? " (each is listed below, with why)" : ""}`); },
  synced(e) { progress(e.done, e.files, `on chain: ${e.done} of ${e.files} — ${e.path.split("/").pop()}: ${e.what}`); },
  sync_done(e) { progress(1, 1, `matched on chain: ${e.known} already there, ${e.joined} joined songs, ${e.registered} registered, ${e.failed} failed`); loadLibrary(); },
  failed(e) { toast(`${e.job}: ${e.message}`, true); if (e.job === "sync") progress(1, 1, e.message); },
  library() { if ($("library").classList.contains("on")) loadLibrary(); },
  play(e) {
    if (e.id !== player.id || e.heard_ms >= e.needed_ms) return;
    setEarn(`heard ${mmss(e.heard_ms / 1000)}; the play counts after ${mmss(e.needed_ms / 1000)} (${mmss((e.needed_ms - e.heard_ms) / 1000)} to go)`);
  },
  settling(e) { if (e.id === player.id) { player.halfAt = performance.now(); setEarn(`heard ${mmss(e.heard_ms / 1000)}: the play counts; settling on chain (${e.heartbeats} heartbeats)…`); } },
  settled(e) {
    stats.settled = e;
    if (e.id !== player.id) return toast(`an earlier play settled on chain: +${e.listener} to you`);
    if (player.halfAt) stats.settledAfterHalfMs = Math.round(performance.now() - player.halfAt);
    setEarn(`settled on chain in ${(e.took_ms / 1000).toFixed(1)} s: +${e.listener} to you, +${e.server} to the server, +${e.artist} to the artist${e.credited ? " (as pending credits until the song is approved)" : ""}`, "good");
    if ($("wallet").classList.contains("on")) loadWallet();
  },
  refused(e) { if (e.id === player.id) setEarn(`earned nothing: ${e.meaning} (${e.name})`, "bad"); },
  play_failed(e) { if (e.id === player.id) setEarn(`the play did not settle: ${e.message}`, "bad"); },
  kept() {},
  download(e) { showDownload(e.song, e.title, e.bytes_done, e.bytes, `${Math.round((100 * e.bytes_done) / Math.max(e.bytes, 1))} % from ${e.providers} peer${e.providers === 1 ? "" : "s"}`); },
  downloaded(e) {
    showDownload(e.song, e.title, 1, 1, e.already ? "already in your library" : "in your library, and served from here");
    toast(e.already ? `${e.title} is already in your library` : `${e.title} is in your library, and served from here`);
  },
  download_failed(e) { showDownload(e.song, e.title, 0, 1, `failed: ${e.message}`); toast(`${e.title}: ${e.message}`, true); },
};

function listen() {
  const source = new EventSource(`/api/events?t=${encodeURIComponent(SECRET)}`);
  source.onmessage = (m) => {
    stats.events++;
    const e = JSON.parse(m.data);
    const h = handlers[e.type];
    if (h) h(e);
  };
  source.onerror = () => setEarn("lost the local client; reconnecting…", "bad");
  source.onopen = () => $("earn").classList.contains("bad") && setEarn("");
}

loadState().then(() => {
  if (!me.wallet || !me.wallet.unlocked) showTab("wallet");
}).catch((e) => toast(e.message, true));
listen();
