// Zones and lines: counts over the window, the camera view (its newest frame, zones, lines and live boxes), the event
// list (optionally live over the event stream), the geometry editor and the still tracks with the ignore areas suggested
// around them. Uses app.js's helpers ($, api, json, windowQuery,
// setStatus, escapeHtml, thumbnail, cameraSnapshot, readEventStream, showTrack, SERIES).
"use strict";

const geo = { camera: "", geometry: { zones: [], lines: [] }, ignore: [], ignoreChanged: false, points: [], feet: [], snapshot: null, width: 768, height: 432, live: null, boxes: null, frame: null };

function selectedCamera() { return $("geo-camera").value; }

async function zonesRefresh() {
  const cameras = [...$("cameras").options].map((o) => o.value);
  const select = $("geo-camera");
  if (select.options.length !== cameras.length) {
    const keep = select.value;
    select.replaceChildren(...cameras.map((c) => new Option(c, c)));
    if (cameras.includes(keep)) select.value = keep;
  }
  if (!selectedCamera()) return;
  await Promise.all([loadCounts(), loadEvents(), loadGeometry()]);
  if (!geo.boxes) followBoxes();
}
window.zonesRefresh = zonesRefresh;

function zonesQuery() {
  const q = windowQuery();
  q.delete("camera");
  q.set("camera", selectedCamera());
  return q;
}

async function loadCounts() {
  const q = zonesQuery();
  q.set("bucket", $("counts-bucket").value);
  const rows = await json("/api/counts?" + q);
  drawCounts(rows);
  const totals = new Map();
  for (const r of rows) {
    const t = totals.get(r.geometry) || { in: 0, out: 0, enter: 0, exit: 0, dwell: 0, crowding: 0, peak: 0 };
    t.in += r.in; t.out += r.out; t.enter += r.enter; t.exit += r.exit; t.dwell += r.dwell; t.crowding += r.crowding;
    t.peak = Math.max(t.peak, r.peakOccupancy);
    totals.set(r.geometry, t);
  }
  $("counts-totals").tBodies[0].innerHTML = [...totals].map(([name, t]) =>
    `<tr><td>${escapeHtml(name)}</td><td>${t.in}</td><td>${t.out}</td><td>${t.enter}</td><td>${t.exit}</td><td>${t.dwell}</td><td>${t.crowding}</td><td>${t.peak}</td></tr>`).join("")
    || "<tr><td colspan=8>No events in this window.</td></tr>";
}

// One series per line direction and per zone's entries, as bars grouped by bucket.
function drawCounts(rows) {
  const canvas = $("counts-chart");
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const buckets = [...new Set(rows.map((r) => r.bucket))].sort();
  const series = [];
  for (const name of [...new Set(rows.map((r) => r.geometry))].sort()) {
    const mine = rows.filter((r) => r.geometry === name);
    if (mine.some((r) => r.in + r.out > 0)) {
      series.push({ label: name + " in", value: (r) => r.in, rows: mine });
      series.push({ label: name + " out", value: (r) => r.out, rows: mine });
    }
    if (mine.some((r) => r.enter > 0)) series.push({ label: name + " enter", value: (r) => r.enter, rows: mine });
  }
  const max = Math.max(4, ...series.flatMap((s) => s.rows.map(s.value))); // at least 4: whole-number gridlines
  const left = 36, bottom = canvas.height - 22, top = 10, width = canvas.width - left - 10;
  ctx.strokeStyle = "#d6dbe0"; ctx.fillStyle = "#67707a"; ctx.font = "11px system-ui";
  for (let i = 0; i <= 4; i++) {
    const y = bottom - (bottom - top) * i / 4;
    ctx.beginPath(); ctx.moveTo(left, y); ctx.lineTo(left + width, y); ctx.stroke();
    ctx.fillText(String(Math.round(max * i / 4)), 4, y + 4);
  }
  const slot = width / Math.max(1, buckets.length), bar = Math.max(1, (slot * 0.8) / Math.max(1, series.length));
  series.forEach((s, k) => {
    ctx.fillStyle = SERIES[k % SERIES.length];
    for (const r of s.rows) {
      const i = buckets.indexOf(r.bucket), h = (bottom - top) * s.value(r) / max;
      ctx.fillRect(left + i * slot + slot * 0.1 + k * bar, bottom - h, bar - 1, h);
    }
  });
  ctx.fillStyle = "#67707a";
  if (buckets.length) {
    ctx.fillText(new Date(buckets[0]).toLocaleString(), left, canvas.height - 6);
    const last = new Date(buckets[buckets.length - 1]).toLocaleString();
    ctx.fillText(last, left + width - ctx.measureText(last).width, canvas.height - 6);
  }
  canvas.dataset.bars = String(series.reduce((n, s) => n + s.rows.filter((r) => s.value(r) > 0).length, 0));
  $("counts-legend").innerHTML = series.map((s, k) => `<span style="--c:${SERIES[k % SERIES.length]}">${escapeHtml(s.label)}</span>`).join("");
}

async function downloadCsv() {
  try {
    const q = zonesQuery();
    q.set("bucket", $("counts-bucket").value);
    q.set("format", "csv");
    const blob = await (await api("/api/counts?" + q)).blob();
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = `counts-${selectedCamera()}.csv`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  } catch (e) { setStatus(e.message, true); }
}

function eventRow(e) {
  const row = document.createElement("tr");
  const duration = e.durationSeconds > 0 ? e.durationSeconds.toFixed(1) + " s" : "";
  row.innerHTML = `<td></td><td>${escapeHtml(new Date(e.time).toLocaleString())}</td><td>${escapeHtml(e.camera)}</td><td>${escapeHtml(e.geometry)}</td>` +
    `<td>${escapeHtml(e.kind)}</td><td>${e.trackId || ""}</td><td>${duration}</td>`;
  if (e.trackId) {
    const img = document.createElement("img");
    img.alt = "track " + e.trackId;
    row.cells[0].append(img);
    thumbnail(img, { cameraId: e.camera, trackId: e.trackId, hasThumbnail: e.hasThumbnail });
    row.style.cursor = "pointer";
    row.addEventListener("click", () => showTrack(e.camera, e.trackId));
  }
  return row;
}

async function loadEvents() {
  const q = zonesQuery();
  if ($("event-kind").value) q.set("kind", $("event-kind").value);
  q.set("pageSize", "50");
  const page = await json("/api/events?" + q);
  const body = $("events").tBodies[0];
  body.replaceChildren(...page.items.map(eventRow));
  if (!page.items.length) body.innerHTML = "<tr><td colspan=7>No events in this window.</td></tr>";
}

// The live list follows the zone event stream.
async function followLive() {
  if (geo.live) { geo.live.abort(); geo.live = null; }
  delete $("events").dataset.liveConnected;
  if (!$("events-live").checked) return;
  const controller = new AbortController();
  geo.live = controller;
  try {
    const response = await api("/api/events/stream?camera=" + encodeURIComponent(selectedCamera()), { signal: controller.signal });
    // The server fixed the stream's starting point before answering: from here on, every new event arrives.
    $("events").dataset.liveConnected = "1";
    await readEventStream(response, (e) => {
      if ($("event-kind").value && e.kind !== $("event-kind").value) return;
      const body = $("events").tBodies[0];
      if (body.rows.length === 1 && body.rows[0].cells.length === 1) body.replaceChildren();
      body.prepend(eventRow(e));
      $("events").dataset.live = String((+($("events").dataset.live || 0)) + 1);
    });
  } catch (e) {
    if (e.name !== "AbortError") setStatus("Live events: " + e.message, true);
  }
}

// The camera view's live boxes: the newest stored frame's boxes of the camera, as the store receives frames.
async function followBoxes() {
  if (geo.boxes) { geo.boxes.abort(); geo.boxes = null; }
  geo.frame = null;
  delete $("live-canvas").dataset.frame;
  drawCameraView();
  if (!$("live-boxes").checked || !selectedCamera()) return;
  const controller = new AbortController();
  geo.boxes = controller;
  try {
    const response = await api(`/api/cameras/${encodeURIComponent(selectedCamera())}/live`, { signal: controller.signal });
    await readEventStream(response, async (frame) => {
      if (frame.camera !== selectedCamera()) return;
      geo.frame = frame;
      // The picture follows too: the snapshot helper fetches the newest one at most every 10 s.
      let snapshot = null;
      try { snapshot = await cameraSnapshot(frame.camera); } catch (e) { /* keep the last picture */ }
      if (snapshot && frame.camera === geo.camera) geo.snapshot = snapshot;
      drawCameraView();
    });
  } catch (e) {
    if (e.name !== "AbortError") setStatus("Live boxes: " + e.message, true);
  }
}

async function loadGeometry() {
  const camera = selectedCamera();
  const q = zonesQuery();
  q.delete("camera");
  const [geometry, ignore, feet, snapshot] = await Promise.all([
    json(`/api/cameras/${encodeURIComponent(camera)}/geometry`).then((g) => g.geometry),
    json(`/api/cameras/${encodeURIComponent(camera)}/ignore-areas`).then((a) => a.areas),
    json(`/api/cameras/${encodeURIComponent(camera)}/footpoints?` + q),
    // The camera's newest frame when the inference stage stored one (Inference:SnapshotEvery).
    cameraSnapshot(camera)]);
  // An answer for a camera no longer selected (the operator switched meanwhile) is dropped.
  if (camera !== selectedCamera()) return;
  Object.assign(geo, { camera, geometry, ignore, ignoreChanged: false, feet, snapshot, points: [] });
  // The picture's size: the geometry's frame, else the snapshot's, else what the foot points reach (at least 640x360).
  geo.width = geometry.frameWidth || (snapshot && snapshot.width) || Math.max(640, ...feet.map((p) => Math.ceil(p[0] / 16) * 16));
  geo.height = geometry.frameHeight || (snapshot && snapshot.height) || Math.max(360, ...feet.map((p) => Math.ceil(p[1] / 16) * 16));
  drawGeometry();
  drawCameraView();
}

// The camera's picture with its zones and lines; returns the context and the picture-to-canvas scale.
function drawScene(canvas) {
  canvas.width = Math.min(960, geo.width);
  canvas.height = Math.round(canvas.width * geo.height / geo.width);
  const s = canvas.width / geo.width;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#eef0f3"; ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (geo.snapshot) ctx.drawImage(geo.snapshot, 0, 0, geo.snapshot.width * s, geo.snapshot.height * s);
  canvas.dataset.snapshot = geo.snapshot ? "1" : "0";
  ctx.lineWidth = 2; ctx.font = "12px system-ui";
  geo.geometry.zones.forEach((z, k) => {
    ctx.strokeStyle = SERIES[k % SERIES.length]; ctx.fillStyle = ctx.strokeStyle + "33";
    ctx.beginPath(); z.points.forEach((p, i) => (i ? ctx.lineTo(p.x * s, p.y * s) : ctx.moveTo(p.x * s, p.y * s))); ctx.closePath();
    ctx.fill(); ctx.stroke(); ctx.fillStyle = ctx.strokeStyle; ctx.fillText(z.name, z.points[0].x * s + 4, z.points[0].y * s + 14);
  });
  for (const l of geo.geometry.lines) {
    ctx.strokeStyle = "#dc2626"; ctx.fillStyle = "#dc2626";
    ctx.beginPath(); ctx.moveTo(l.from.x * s, l.from.y * s); ctx.lineTo(l.to.x * s, l.to.y * s); ctx.stroke();
    // An arrow from the middle towards the "in" side (left or right looking from the first point to the second).
    const mx = (l.from.x + l.to.x) / 2 * s, my = (l.from.y + l.to.y) / 2 * s, dx = l.to.x - l.from.x, dy = l.to.y - l.from.y, n = Math.hypot(dx, dy) || 1;
    const sign = l.inSide === "Right" ? 1 : -1, ax = -dy / n * sign * 24, ay = dx / n * sign * 24;
    ctx.beginPath(); ctx.moveTo(mx, my); ctx.lineTo(mx + ax, my + ay); ctx.stroke();
    ctx.fillText(l.name + " in", mx + ax + 4, my + ay);
  }
  // Ignore areas (the inference stage drops detections standing inside): grey, dashed.
  ctx.strokeStyle = "#475569"; ctx.fillStyle = "#47556933"; ctx.setLineDash([4, 3]);
  for (const a of geo.ignore) {
    ctx.beginPath(); a.points.forEach((p, i) => (i ? ctx.lineTo(p.x * s, p.y * s) : ctx.moveTo(p.x * s, p.y * s))); ctx.closePath();
    ctx.fill(); ctx.stroke(); ctx.fillStyle = "#475569"; ctx.fillText("ignore " + a.name, a.points[0].x * s + 4, a.points[0].y * s - 4); ctx.fillStyle = "#47556933";
  }
  ctx.setLineDash([]);
  canvas.dataset.shapes = String(geo.geometry.zones.length + geo.geometry.lines.length);
  canvas.dataset.ignore = String(geo.ignore.length);
  return { ctx, s };
}

// The camera view: the scene and the boxes of the newest stored frame, labelled with their track.
function drawCameraView() {
  const canvas = $("live-canvas");
  const { ctx, s } = drawScene(canvas);
  const frame = geo.frame && geo.frame.camera === selectedCamera() ? geo.frame : null;
  if (!frame) { $("live-info").textContent = $("live-boxes").checked ? "waiting for frames..." : ""; return; }
  ctx.lineWidth = 2; ctx.font = "12px system-ui";
  for (const b of frame.boxes) {
    ctx.strokeStyle = b.trackId == null ? "#94a3b8" : "#22c55e";
    ctx.strokeRect(b.x1 * s, b.y1 * s, (b.x2 - b.x1) * s, (b.y2 - b.y1) * s);
    if (b.trackId != null) {
      ctx.fillStyle = "#22c55e"; ctx.fillRect(b.x1 * s, b.y1 * s - 16, ctx.measureText("#" + b.trackId).width + 8, 16);
      ctx.fillStyle = "#000"; ctx.fillText("#" + b.trackId, b.x1 * s + 4, b.y1 * s - 4);
    }
  }
  canvas.dataset.frame = String(frame.frameSequence);
  canvas.dataset.boxes = String(frame.boxes.length);
  $("live-info").textContent = `frame ${frame.frameSequence} at ${new Date(frame.captureTime).toLocaleString()}: ${frame.boxes.length} people`;
}

function drawGeometry() {
  const canvas = $("geo-canvas");
  const { ctx, s } = drawScene(canvas);
  ctx.fillStyle = "rgba(31, 111, 235, 0.25)";
  for (const [x, y] of geo.feet) ctx.fillRect(x * s - 1, y * s - 1, 2, 2);
  ctx.strokeStyle = "#111"; ctx.fillStyle = "#111";
  geo.points.forEach((p, i) => {
    ctx.beginPath(); ctx.arc(p.x * s, p.y * s, 4, 0, 2 * Math.PI); ctx.fill();
    if (i) { ctx.beginPath(); ctx.moveTo(geo.points[i - 1].x * s, geo.points[i - 1].y * s); ctx.lineTo(p.x * s, p.y * s); ctx.stroke(); }
  });
  $("geo-list").innerHTML = "";
  for (const [kind, list] of [["zone", geo.geometry.zones], ["line", geo.geometry.lines], ["ignore area", geo.ignore]]) {
    list.forEach((shape, i) => {
      const item = document.createElement("li");
      item.textContent = `${kind} ${shape.name}`;
      const remove = document.createElement("button");
      remove.type = "button"; remove.textContent = "remove"; remove.title = "remove (then save)";
      remove.addEventListener("click", () => { list.splice(i, 1); if (list === geo.ignore) geo.ignoreChanged = true; drawGeometry(); });
      item.append(remove);
      $("geo-list").append(item);
    });
  }
}

function addPoint(event) {
  const canvas = $("geo-canvas");
  const rect = canvas.getBoundingClientRect();
  const s = geo.width / rect.width;
  geo.points.push({ x: Math.round((event.clientX - rect.left) * s), y: Math.round((event.clientY - rect.top) * s) });
  drawGeometry();
}

function addShape() {
  const name = $("geo-name").value.trim();
  if (!name) { setStatus("Give the shape a name.", true); return; }
  if ($("geo-shape").value === "ignore") {
    if (geo.points.length < 3) { setStatus("An ignore area needs at least 3 points.", true); return; }
    if (geo.ignore.some((a) => a.name === name)) { setStatus(`The camera has an ignore area named ${name} already.`, true); return; }
    geo.ignore.push({ name, points: geo.points });
    geo.ignoreChanged = true;
  } else if ($("geo-shape").value === "line") {
    if (geo.points.length !== 2) { setStatus("A line needs exactly 2 points.", true); return; }
    geo.geometry.lines.push({ name, from: geo.points[0], to: geo.points[1], inSide: $("geo-inside").value });
  } else {
    if (geo.points.length < 3) { setStatus("A zone needs at least 3 points.", true); return; }
    const zone = { name, points: geo.points };
    if ($("geo-dwell").value) zone.dwellThreshold = new Date(+$("geo-dwell").value * 1000).toISOString().slice(11, 19);
    if ($("geo-limit").value !== "") zone.occupancyLimit = +$("geo-limit").value;
    geo.geometry.zones.push(zone);
  }
  geo.points = [];
  $("geo-name").value = "";
  drawGeometry();
  setStatus(`Added ${name}; save to keep it.`, false);
}

// Zones and lines go to the events stage's geometry; ignore areas (when edited) to the inference stage's, each a new
// version that running stages pick up within their refresh.
async function saveGeometry() {
  try {
    const body = JSON.stringify(geo.geometry);
    const saved = await json(`/api/cameras/${encodeURIComponent(geo.camera)}/geometry`, { method: "PUT", headers: { "Content-Type": "application/json" }, body });
    let message = `Saved the geometry of ${saved.camera}: version ${saved.version}.`;
    if (geo.ignoreChanged) {
      const areas = JSON.stringify({ areas: geo.ignore.map((a) => ({ name: a.name, points: a.points.map((p) => ({ x: p.x, y: p.y })) })) });
      const ignored = await json(`/api/cameras/${encodeURIComponent(geo.camera)}/ignore-areas`, { method: "PUT", headers: { "Content-Type": "application/json" }, body: areas });
      geo.ignoreChanged = false;
      $("geo-canvas").dataset.ignoreVersion = String(ignored.version);
      message += ` Ignore areas: version ${ignored.version} (running pipelines drop detections there within seconds).`;
    }
    setStatus(message, false);
    $("geo-canvas").dataset.savedVersion = String(saved.version);
  } catch (e) { setStatus(e.message, true); }
}

// Still tracks of the selected camera in the window, drawn on its picture with the ignore areas the API suggests around
// them, and the configuration fragment that would drop them.
// The areas in force on the camera (GET /api/cameras/{camera}/ignore-areas) and the suggested ones not yet among them.
const still = { camera: null, inForce: [], suggested: [] };

function drawAreas(ctx, s, areas, colour, dashed) {
  ctx.lineWidth = 2; ctx.font = "12px system-ui"; ctx.setLineDash(dashed ? [6, 4] : []); ctx.strokeStyle = colour; ctx.fillStyle = colour;
  for (const area of areas) {
    ctx.beginPath(); area.points.forEach((p, i) => (i ? ctx.lineTo(p.x * s, p.y * s) : ctx.moveTo(p.x * s, p.y * s))); ctx.closePath(); ctx.stroke();
    ctx.fillText(area.name, area.points[0].x * s + 4, area.points[0].y * s - 4);
  }
  ctx.setLineDash([]);
}

async function findStill() {
  const camera = selectedCamera();
  const q = zonesQuery();
  q.set("minDuration", `${+$("still-duration").value || 20}s`);
  q.set("maxSpread", String(+$("still-spread").value || 0.2));
  const [found, stored] = await Promise.all([json("/api/tracks/still?" + q), json(`/api/cameras/${encodeURIComponent(camera)}/ignore-areas`)]);
  if (camera !== selectedCamera()) return;
  const names = new Set(stored.areas.map((a) => a.name));
  const areas = ((found.ignoreAreas && found.ignoreAreas[camera]) || []).filter((a) => !names.has(a.name));
  Object.assign(still, { camera, inForce: stored.areas, suggested: areas });
  const canvas = $("still-canvas");
  const { ctx, s } = drawScene(canvas);
  drawAreas(ctx, s, stored.areas, "#dc2626", false);
  drawAreas(ctx, s, areas, "#f97316", true);
  for (const t of found.tracks) { ctx.beginPath(); ctx.arc(t.footX * s, t.footY * s, 3, 0, 2 * Math.PI); ctx.fill(); }
  canvas.dataset.areas = String(areas.length);
  $("still").tBodies[0].innerHTML = found.tracks.map((t) =>
    `<tr data-track="${t.trackId}"><td><a href="#" data-camera="${escapeHtml(t.cameraId)}" data-track="${t.trackId}">#${t.trackId}</a></td><td>${new Date(t.firstSeen).toLocaleString()}</td>` +
    `<td>${escapeHtml(t.duration)}</td><td>${t.observations}</td><td>(${Math.round(t.footX)}, ${Math.round(t.footY)})</td><td>${Math.round(t.spread)} px (${(t.spread / t.height).toFixed(2)} of its height)</td></tr>`).join("")
    || "<tr><td colspan=6>No still tracks in this window.</td></tr>";
  $("still").querySelectorAll("a[data-track]").forEach((a) => a.addEventListener("click", (e) => { e.preventDefault(); showTrack(a.dataset.camera, +a.dataset.track); }));
  // As `unihcp query still` prints it (the configuration's names), one area a line.
  const lines = areas.map((a) => `      { "Name": ${JSON.stringify(a.name)}, "Points": [ ${a.points.map((p) => `{ "X": ${p.x}, "Y": ${p.y} }`).join(", ")} ] }`);
  $("still-config").textContent = areas.length ? `{ "Inference": { "IgnoreAreas": {\n    ${JSON.stringify(camera)}: [\n${lines.join(",\n")}\n    ]\n} } }` : "";
  $("still-in-force").textContent = stored.version
    ? `In force on ${camera}: ${stored.areas.length} ignore area(s), version ${stored.version} (${stored.source === "api" ? "edited here or through the API" : "from the configuration"}).`
      + (stored.problem ? ` Not used: ${stored.problem}` : "")
    : `No ignore areas on ${camera}.`;
  $("still-save").disabled = areas.length === 0;
  $("still-clear").disabled = stored.areas.length === 0;
  setStatus(`${found.tracks.length} still track(s) on ${camera}; ${areas.length} ignore area(s) suggested.`, false);
}

// The suggested areas join the ones in force; running pipelines drop detections there within Inference:IgnoreAreasRefresh.
async function saveStill(areas) {
  try {
    const body = JSON.stringify({ areas: areas.map((a) => ({ name: a.name, points: a.points.map((p) => ({ x: p.x, y: p.y })) })) });
    const saved = await json(`/api/cameras/${encodeURIComponent(still.camera)}/ignore-areas`, { method: "PUT", headers: { "Content-Type": "application/json" }, body });
    if (!geo.ignoreChanged && geo.camera === still.camera) { geo.ignore = areas.map((a) => ({ name: a.name, points: a.points })); drawGeometry(); }
    await findStill();
    setStatus(`Saved ${areas.length} ignore area(s) on ${saved.camera}: version ${saved.version}; running pipelines apply it within seconds.`, false);
  } catch (e) { setStatus(e.message, true); }
}

function zonesInit() {
  $("counts-form").addEventListener("submit", (e) => { e.preventDefault(); zonesRefresh().catch((x) => setStatus(x.message, true)); });
  $("geo-camera").addEventListener("change", () => { zonesRefresh().catch((x) => setStatus(x.message, true)); followLive(); followBoxes(); });
  $("live-boxes").addEventListener("change", followBoxes);
  $("counts-csv").addEventListener("click", downloadCsv);
  $("events-form").addEventListener("submit", (e) => { e.preventDefault(); loadEvents().catch((x) => setStatus(x.message, true)); });
  $("events-live").addEventListener("change", followLive);
  $("geo-canvas").addEventListener("click", addPoint);
  $("geo-undo").addEventListener("click", () => { geo.points.pop(); drawGeometry(); });
  $("geo-add").addEventListener("click", addShape);
  $("geo-save").addEventListener("click", saveGeometry);
  $("still-form").addEventListener("submit", (e) => { e.preventDefault(); findStill().catch((x) => setStatus(x.message, true)); });
  $("still-save").addEventListener("click", () => saveStill([...still.inForce, ...still.suggested]));
  $("still-clear").addEventListener("click", () => saveStill([]));
}

zonesInit();
