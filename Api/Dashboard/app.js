// UniHCP.Pipeline dashboard: plain JavaScript over the /api endpoints, no libraries.
// The API key comes from the page's #key=... fragment (never sent to the server in a URL) or the
// key field, and is kept in this browser's localStorage.
"use strict";

const $ = (id) => document.getElementById(id);
const COLOURS = ["black", "white", "gray", "red", "orange", "yellow", "green", "blue", "purple", "pink", "brown"];
const SERIES = ["#1f6feb", "#d97706", "#16a34a", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];
const thumbUrls = new Map();
let lastSearch = null;
let currentTrack = null;
let pendingTrack = null;

function apiKey() { return $("api-key").value.trim(); }

function setStatus(text, isError) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

async function api(path, init) {
  const headers = Object.assign({ "X-Api-Key": apiKey() }, (init && init.headers) || {});
  const response = await fetch(path, Object.assign({}, init, { headers }));
  if (!response.ok) {
    let message = response.status + " " + response.statusText;
    try {
      const problem = await response.json();
      message = (problem.title || message) + ": " + (problem.detail || "");
    } catch (e) { /* not JSON */ }
    throw new Error(message);
  }
  return response;
}

async function json(path, init) { return (await api(path, init)).json(); }

// datetime-local values are local times; the API takes ISO 8601 with an offset.
function toIso(local) { return local ? new Date(local).toISOString() : ""; }
function toLocalInput(date) {
  const d = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 19);
}
function fmtTime(iso) { return new Date(iso).toLocaleString(); }
function fmtDuration(first, last) {
  const s = Math.round((new Date(last) - new Date(first)) / 1000);
  return s < 60 ? s + " s" : s < 3600 ? Math.floor(s / 60) + " min " + (s % 60) + " s" : (s / 3600).toFixed(1) + " h";
}

// The window and selected cameras as query parameters ('camera', or 'in' where 'camera' names an example track).
function windowQuery(cameraParameter) {
  const q = new URLSearchParams();
  if ($("from").value) q.set("from", toIso($("from").value));
  if ($("to").value) q.set("to", toIso($("to").value));
  for (const option of $("cameras").selectedOptions) q.append(cameraParameter || "camera", option.value);
  return q;
}

async function loadCameras() {
  const cameras = await json("/api/cameras");
  window.cameraList = cameras;
  const select = $("cameras");
  select.replaceChildren(...cameras.map((c) => new Option(c.id, c.id)));
  select.size = Math.min(4, Math.max(1, cameras.length));
  // Default window: everything the cameras have recorded (or the last day when nothing is stored).
  if (!$("from").value || !$("to").value) {
    const now = new Date();
    const first = cameras.length ? new Date(Math.min(...cameras.map((c) => new Date(c.firstSeen)))) : new Date(now - 86400000);
    const last = cameras.length ? new Date(Math.max(...cameras.map((c) => new Date(c.lastSeen))) + 1000) : now;
    $("from").value = toLocalInput(first);
    $("to").value = toLocalInput(last);
  }
}

function seconds(span) {
  // TimeSpan as "d.hh:mm:ss" or "hh:mm:ss"
  const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(span);
  return m ? (+(m[1] || 0)) * 86400 + (+m[2]) * 3600 + (+m[3]) * 60 + (+m[4]) : 0;
}

function fmtSpan(totalSeconds) {
  if (totalSeconds % 86400 === 0) return totalSeconds / 86400 + " d";
  if (totalSeconds % 3600 === 0) return totalSeconds / 3600 + " h";
  if (totalSeconds % 60 === 0) return totalSeconds / 60 + " min";
  return totalSeconds + " s";
}

// One line per camera; buckets without observations count as zero people so gaps show as gaps.
function drawActivity(summary) {
  const canvas = $("activity-chart");
  const g = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height, L = 40, B = 24, T = 10, R = 10;
  g.clearRect(0, 0, W, H);
  const from = new Date(summary.window.from).getTime(), to = new Date(summary.window.to).getTime();
  const step = Math.max(1, seconds(summary.bucket)) * 1000;
  const starts = [];
  for (let t = from; t <= to && starts.length < 5000; t += step) starts.push(t);
  const byCamera = new Map();
  for (const b of summary.activity) {
    if (!byCamera.has(b.cameraId)) byCamera.set(b.cameraId, new Map());
    byCamera.get(b.cameraId).set(Math.round((new Date(b.start).getTime() - from) / step), b.people);
  }
  const max = Math.max(1, ...summary.activity.map((b) => b.people));
  const x = (t) => L + (W - L - R) * (t - from) / Math.max(1, to - from);
  const y = (v) => H - B - (H - B - T) * v / max;
  g.strokeStyle = "#d6dbe0"; g.fillStyle = "#67707a"; g.font = "11px system-ui"; g.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const v = Math.round(max * i / 4);
    g.beginPath(); g.moveTo(L, y(v)); g.lineTo(W - R, y(v)); g.stroke();
    g.fillText(String(v), 4, y(v) + 4);
  }
  const longWindow = to - from > 86400000;
  for (let i = 0; i <= 4; i++) {
    const t = from + (to - from) * i / 4;
    const d = new Date(t);
    const label = longWindow ? d.toLocaleDateString() + " " + d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : d.toLocaleTimeString();
    g.fillText(label, Math.min(W - R - 110, Math.max(L, x(t) - 40)), H - 6);
  }
  const legend = [];
  let series = 0;
  for (const [camera, counts] of byCamera) {
    const colour = SERIES[series++ % SERIES.length];
    g.strokeStyle = colour; g.fillStyle = colour; g.lineWidth = 2;
    g.beginPath();
    starts.forEach((t, i) => {
      const px = x(t), py = y(counts.get(i) || 0);
      if (i === 0) g.moveTo(px, py); else g.lineTo(px, py);
    });
    g.stroke();
    for (const [i, people] of counts) g.fillRect(x(from + i * step) - 2, y(people) - 2, 4, 4);
    legend.push(`<span style="--c:${colour}">${escapeHtml(camera)}</span>`);
  }
  if (!byCamera.size) { g.fillStyle = "#67707a"; g.fillText("No observations in this window.", L + 10, T + 20); }
  $("activity-legend").innerHTML = legend.join("");
  canvas.dataset.points = String(summary.activity.length);
}

function drawDwell(summary) {
  const canvas = $("dwell-chart");
  const g = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height, B = 30, T = 10;
  g.clearRect(0, 0, W, H);
  const bins = summary.dwell;
  const max = Math.max(1, ...bins.map((b) => b.tracks));
  const w = (W - 20) / bins.length;
  g.font = "11px system-ui";
  bins.forEach((b, i) => {
    const h = (H - B - T) * b.tracks / max;
    g.fillStyle = "#1f6feb";
    g.fillRect(10 + i * w + 3, H - B - h, w - 6, h);
    g.fillStyle = "#67707a";
    const label = b.maxSeconds == null ? `${b.minSeconds}s+` : `<${b.maxSeconds}s`;
    g.fillText(label, 10 + i * w + 4, H - 16);
    g.fillText(String(b.tracks), 10 + i * w + 4, H - B - h - 3);
  });
}

function drawMix(summary) {
  const rows = summary.attributeMix.map((a) =>
    `<tr><td>${escapeHtml(a.name)}</td><td class="bar"><div style="width:${(a.share * 100).toFixed(1)}%"></div></td><td>${(a.share * 100).toFixed(0)} %</td></tr>`);
  $("attribute-mix").tBodies[0].innerHTML = rows.join("") || "<tr><td>No attributes stored.</td></tr>";
}

async function refresh() {
  if (!apiKey()) { setStatus("Enter the API key (printed by 'unihcp serve' or 'unihcp run') to load the dashboard.", false); return; }
  localStorage.setItem("unihcp-api-key", apiKey());
  setStatus("Loading...", false);
  try {
    if (!$("cameras").options.length) await loadCameras();
    const q = windowQuery();
    const summary = await json("/api/dashboard?" + q);
    $("tracks-count").textContent = summary.tracks;
    $("identities-count").textContent = summary.uniqueIdentities;
    $("bucket-size").textContent = fmtSpan(seconds(summary.bucket));
    drawActivity(summary);
    drawDwell(summary);
    drawMix(summary);
    if (window.zonesRefresh) await window.zonesRefresh();
    setStatus(`Updated ${new Date().toLocaleTimeString()}.`, false);
    if (pendingTrack) { const { camera, track } = pendingTrack; pendingTrack = null; await showTrack(camera, track); }
  } catch (e) {
    setStatus(e.message, true);
  }
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

// Thumbnails need the key header, so they are fetched and shown as blob URLs.
async function thumbnail(img, track) {
  if (!track.hasThumbnail) { img.alt = "no thumbnail"; return; }
  const key = track.cameraId + "/" + track.trackId;
  try {
    if (!thumbUrls.has(key)) {
      const blob = await (await api(`/api/tracks/${encodeURIComponent(track.cameraId)}/${track.trackId}/thumbnail`)).blob();
      thumbUrls.set(key, URL.createObjectURL(blob));
    }
    img.src = thumbUrls.get(key);
  } catch (e) { img.alt = "thumbnail unavailable"; }
}

// A camera's newest stored frame (Inference:SnapshotEvery) as an ImageBitmap, or null; kept 10 s per camera.
const snapshots = new Map();
async function cameraSnapshot(camera) {
  const info = (window.cameraList || []).find((c) => c.id === camera);
  if (!info || !info.hasSnapshot) return null;
  const kept = snapshots.get(camera);
  if (kept && Date.now() - kept.at < 10000) return kept.image;
  const image = await createImageBitmap(await (await api(`/api/cameras/${encodeURIComponent(camera)}/snapshot`)).blob());
  snapshots.set(camera, { at: Date.now(), image });
  return image;
}

// Reads a Server-Sent Events response (fetched: EventSource cannot send the API key header), calling onData with each
// message's parsed data until the stream ends or its request is aborted.
async function readEventStream(response, onData) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const message = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = message.split("\n").find((l) => l.startsWith("data: "));
      if (data) onData(JSON.parse(data.slice(6)));
    }
  }
}

function resultCard(track, score, scoreLabel) {
  const card = document.createElement("button");
  card.type = "button";
  card.className = "result";
  const img = document.createElement("img");
  img.alt = `track ${track.cameraId}/${track.trackId}`;
  card.append(img);
  const text = document.createElement("div");
  text.innerHTML = `<b>${escapeHtml(track.cameraId)} #${track.trackId}</b><br>${escapeHtml(fmtTime(track.firstSeen))}<br>` +
    `${fmtDuration(track.firstSeen, track.lastSeen)}` + (score == null ? "" : ` &middot; ${scoreLabel} ${score.toFixed(2)}`) +
    (track.identityId == null ? "" : `<br>person ${track.identityId}`);
  card.append(text);
  card.addEventListener("click", () => showTrack(track.cameraId, track.trackId));
  thumbnail(img, track);
  return card;
}

function showResults(title, items, scoreLabel) {
  $("results-title").textContent = title;
  $("results").replaceChildren(...items.map((r) => resultCard(r.track, r.score, scoreLabel)));
}

async function attributeSearch(page) {
  const q = windowQuery();
  for (const c of $("conditions").value.split(",").map((s) => s.trim()).filter(Boolean)) q.append("where", c);
  if ($("upper").value) q.set("upper", $("upper").value);
  if ($("lower").value) q.set("lower", $("lower").value);
  if ($("by-identity").checked) q.set("byIdentity", "true");
  q.set("page", page); q.set("pageSize", "24");
  lastSearch = { kind: "attributes", page };
  try {
    const result = await json("/api/search/attributes?" + q);
    showResults(`${result.total} matching ${$("by-identity").checked ? "people" : "tracks"}`, result.items, "match");
    pager(result);
    setStatus("", false);
  } catch (e) { setStatus(e.message, true); }
}

function pager(result) {
  const pages = Math.max(1, Math.ceil(result.total / result.pageSize));
  const p = $("pager");
  p.replaceChildren();
  if (pages <= 1) return;
  const prev = Object.assign(document.createElement("button"), { type: "button", textContent: "Previous", disabled: result.pageNumber <= 1 });
  const next = Object.assign(document.createElement("button"), { type: "button", textContent: "Next", disabled: result.pageNumber >= pages });
  prev.onclick = () => attributeSearch(result.pageNumber - 1);
  next.onclick = () => attributeSearch(result.pageNumber + 1);
  p.append(prev, ` page ${result.pageNumber} of ${pages} `, next);
}

async function exampleSearch() {
  const file = $("example-image").files[0];
  if (!file) { setStatus("Choose an image of a person first.", true); return; }
  const form = new FormData();
  form.append("image", file);
  try {
    const results = await json("/api/search/similar?" + windowQuery("in"), { method: "POST", body: form });
    showResults(`${results.length} tracks most like ${file.name}`, results, "similarity");
    $("pager").replaceChildren();
    setStatus("", false);
  } catch (e) { setStatus(e.message, true); }
}

async function similarToTrack() {
  if (!currentTrack) return;
  const q = windowQuery("in");
  q.set("camera", currentTrack.cameraId);
  q.set("track", currentTrack.trackId);
  try {
    const results = await json("/api/search/similar?" + q);
    showResults(`${results.length} tracks most like ${currentTrack.cameraId} #${currentTrack.trackId}`, results, "similarity");
    $("pager").replaceChildren();
    $("search").scrollIntoView();
  } catch (e) { setStatus(e.message, true); }
}

async function showTrack(camera, track) {
  try {
    const { detail, path } = await json(`/api/tracks/${encodeURIComponent(camera)}/${track}`);
    const t = detail.track;
    currentTrack = t;
    $("detail").hidden = false;
    history.replaceState(null, "", `#track=${encodeURIComponent(t.cameraId)}/${t.trackId}`);
    $("detail-title").textContent = `Track ${t.cameraId} #${t.trackId}`;
    $("detail-thumb").removeAttribute("src");
    thumbnail($("detail-thumb"), t);
    const facts = [["Camera", t.cameraId], ["First seen", fmtTime(t.firstSeen)], ["Last seen", fmtTime(t.lastSeen)],
      ["Duration", fmtDuration(t.firstSeen, t.lastSeen)], ["Observations", t.observations], ["Person", t.identityId ?? "-"],
      ["Upper / lower", `${t.upperColor ?? "-"} / ${t.lowerColor ?? "-"}`]];
    $("detail-facts").innerHTML = facts.map(([k, v]) => `<dt>${k}</dt><dd>${escapeHtml(v)}</dd>`).join("");
    $("detail-attributes").tBodies[0].innerHTML = Object.entries(detail.attributes).sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td class="bar"><div style="width:${(v * 100).toFixed(1)}%"></div></td><td>${v.toFixed(2)}</td></tr>`).join("");
    await drawPath(t.cameraId, path);
    showStrip(t);
    $("detail-same").replaceChildren(...detail.sameIdentity.map((s) => resultCard(s, null, "")));
    if (!detail.sameIdentity.length) $("detail-same").textContent = "Not seen on other cameras.";
    $("detail").scrollIntoView();
  } catch (e) { setStatus(e.message, true); }
}

// Where: the boxes over the camera's newest frame (when it has one), foot points coloured from early (light) to late (dark).
async function drawPath(camera, path) {
  const canvas = $("path-chart");
  let snapshot = null;
  try { snapshot = await cameraSnapshot(camera); } catch (e) { /* drawn without the picture */ }
  const frameW = snapshot ? snapshot.width : Math.max(1, ...path.map((p) => p.x2));
  const frameH = snapshot ? snapshot.height : Math.max(1, ...path.map((p) => p.y2));
  canvas.height = Math.round(canvas.width * frameH / frameW);
  const g = canvas.getContext("2d");
  g.clearRect(0, 0, canvas.width, canvas.height);
  const s = canvas.width / frameW;
  if (snapshot) g.drawImage(snapshot, 0, 0, canvas.width, canvas.height);
  canvas.dataset.snapshot = snapshot ? "1" : "0";
  canvas.dataset.points = String(path.length);
  if (!path.length) return;
  path.forEach((p, i) => {
    const a = 0.25 + 0.75 * i / Math.max(1, path.length - 1);
    g.strokeStyle = `rgba(255,255,255,${a * 0.35})`;
    g.strokeRect(p.x1 * s, p.y1 * s, (p.x2 - p.x1) * s, (p.y2 - p.y1) * s);
  });
  g.lineWidth = 2; g.strokeStyle = "#facc15";
  g.beginPath();
  path.forEach((p, i) => { const x = ((p.x1 + p.x2) / 2) * s, y = p.y2 * s; if (i) g.lineTo(x, y); else g.moveTo(x, y); });
  g.stroke();
  path.forEach((p, i) => {
    g.fillStyle = `rgba(220,38,38,${0.25 + 0.75 * i / Math.max(1, path.length - 1)})`;
    g.fillRect(((p.x1 + p.x2) / 2) * s - 2, p.y2 * s - 2, 4, 4);
  });
  g.fillStyle = "rgba(0,0,0,0.6)"; g.fillRect(0, canvas.height - 20, canvas.width, 20);
  g.fillStyle = "#fff"; g.font = "11px system-ui";
  g.fillText(`${path.length} observations, ${fmtTime(path[0].captureTime)} - ${fmtTime(path[path.length - 1].captureTime)}`, 6, canvas.height - 6);
}

// The track's crops along the way (its best per 10 s of video), oldest first.
async function showStrip(track) {
  const strip = $("detail-strip");
  strip.replaceChildren();
  try {
    const crops = await json(`/api/tracks/${encodeURIComponent(track.cameraId)}/${track.trackId}/strip`);
    strip.replaceChildren(...crops.map((c) => {
      const figure = document.createElement("figure");
      const img = document.createElement("img");
      img.src = "data:image/jpeg;base64," + c.jpeg;
      img.alt = `${track.cameraId} #${track.trackId} at ${fmtTime(c.time)}`;
      const caption = document.createElement("figcaption");
      caption.textContent = new Date(c.time).toLocaleTimeString();
      figure.append(img, caption);
      return figure;
    }));
    if (!crops.length) strip.textContent = "No crops stored for this track.";
    strip.dataset.crops = String(crops.length);
  } catch (e) { setStatus(e.message, true); }
}

function init() {
  for (const id of ["upper", "lower"]) $(id).replaceChildren(new Option("any", ""), ...COLOURS.map((c) => new Option(c, c)));
  const fragment = new URLSearchParams(location.hash.slice(1));
  $("api-key").value = fragment.get("key") || localStorage.getItem("unihcp-api-key") || "";
  // A link to a track page: #track=camera/track (the page writes it when a track is shown; the key is never written).
  const linked = /^(.+)\/(\d+)$/.exec(fragment.get("track") || "");
  if (linked) pendingTrack = { camera: linked[1], track: +linked[2] };
  $("window-form").addEventListener("submit", (e) => { e.preventDefault(); refresh(); });
  $("attribute-form").addEventListener("submit", (e) => { e.preventDefault(); attributeSearch(1); });
  $("example-form").addEventListener("submit", (e) => { e.preventDefault(); exampleSearch(); });
  $("detail-similar").addEventListener("click", similarToTrack);
  refresh();
}

init();
