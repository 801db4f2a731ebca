"use strict";
// The live page of `weir ui`: polls the JSON API and redraws each section in place.
(function () {
  const POLL_MS = 3000;
  const STATES = ["RUNNING", "FAILED", "LATE", "DIFFERING", "STALE", "WAITING", "VERIFIED", "BUILT", "SEALED",
    "PROVISIONAL", "EMPTY", "FUTURE"];
  const RUN_STATES = ["RUNNING", "DONE", "FAILED", "LATE"];
  const ERROR_LINES = 20;
  const NODE = { w: 180, h: 48, gapX: 70, gapY: 18, pad: 12 };

  const $ = (id) => document.getElementById(id);
  const poll = { timer: null, inFlight: false, again: false };
  const seen = { status: false, grid: false, gridJson: null, lastGood: null };
  let selected = null; // { table, partition } whose ledger the side panel shows
  let ledgerToken = 0; // lets a slow ledger answer for an older click be dropped

  // ---------- formatting ----------

  function esc(value) {
    return String(value == null ? "" : value)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  function lower(s) { return s ? String(s).toLowerCase() : ""; }

  function utc(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    return isNaN(d) ? String(iso) : d.toISOString().replace("T", " ").slice(0, 19);
  }

  function human(ms) {
    if (ms == null) return "";
    const sign = ms < 0 ? "-" : "";
    const s = Math.abs(ms) / 1000;
    if (s < 10) return sign + (+s.toFixed(1)) + "s";
    if (s < 60) return sign + Math.floor(s) + "s";
    if (s < 3600) return sign + Math.floor(s / 60) + "m";
    if (s < 86400) return sign + Math.floor(s / 3600) + "h";
    return sign + Math.floor(s / 86400) + "d";
  }

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  // Missing values show a dash so an empty cell never reads as "not loaded yet".
  function orDash(html) { return html ? html : '<span class="none">—</span>'; }

  // Stack traces can be hundreds of lines; show the head and keep the rest one click away.
  function errorBlock(text) {
    const lines = String(text).split("\n");
    let html = `<pre class="error" title="${esc(text)}">${esc(lines.slice(0, ERROR_LINES).join("\n"))}</pre>`;
    if (lines.length > ERROR_LINES) {
      html += `<details class="error-more"><summary>full error (${lines.length} lines)</summary>` +
        `<pre class="error error-full">${esc(text)}</pre></details>`;
    }
    return html;
  }

  // ---------- fetching ----------

  async function getJson(url) {
    let response;
    try {
      // "no-cache": the browser asks with the answer's ETag, and an unchanged one comes back as a 304 without a body.
      response = await fetch(url, { cache: "no-cache", headers: { Accept: "application/json" } });
    } catch (e) {
      throw new Error(`cannot reach the weir ui server (${url})`);
    }
    if (!response.ok) {
      let message = response.status + " " + response.statusText;
      try {
        const body = await response.json();
        if (body && body.error) message = body.error;
      } catch (ignored) { /* a non-JSON error body: the status line says enough */ }
      throw new Error(`${url.split("?")[0]}: ${message}`);
    }
    return response.json();
  }

  // ---------- header, error banner, footer ----------

  function showErrors(messages) {
    const banner = $("error");
    if (!messages.length) {
      banner.hidden = true;
      banner.textContent = "";
      return;
    }
    const stale = seen.lastGood ? ` — showing data from ${seen.lastGood} UTC` : "";
    banner.textContent = messages.join("; ") + stale;
    banner.hidden = false;
  }

  function renderHeader(status) {
    $("pipeline").textContent = status.pipeline || "";
    document.title = "Weir · " + (status.pipeline || "");
  }

  function renderFooter(status) {
    const items = (status.endpoints || []).map((e) => {
      const verdict = e.reachable ? '<span class="ok">reachable</span>' : '<span class="bad">UNREACHABLE</span>';
      const problem = e.problem ? ` <span class="problem">${esc(e.problem)}</span>` : "";
      return `<li class="endpoint" data-reachable="${e.reachable}">${esc(e.name)}: ${verdict}${problem}</li>`;
    });
    const cluster = status.cluster ? `<div id="cluster">Flink cluster: ${esc(status.cluster)}</div>` : "";
    $("endpoints").innerHTML = `<ul class="endpoints">${items.join("")}</ul>${cluster}`;
  }

  // ---------- graph ----------

  // Depth of a layer = 1 + deepest upstream; upstreams outside the pipeline do not count.
  function depths(tables) {
    const byTable = new Map(tables.map((t) => [t.table, t]));
    const memo = new Map();
    const visiting = new Set();
    function depth(t) {
      if (memo.has(t.table)) return memo.get(t.table);
      if (visiting.has(t.table)) return 0; // a cycle must not hang the page
      visiting.add(t.table);
      let d = 0;
      for (const up of t.upstream || []) {
        if (byTable.has(up)) d = Math.max(d, 1 + depth(byTable.get(up)));
      }
      visiting.delete(t.table);
      memo.set(t.table, d);
      return d;
    }
    tables.forEach(depth);
    return memo;
  }

  function layoutNodes(tables) {
    const depthOf = depths(tables);
    const columns = [];
    const pos = new Map();
    for (const t of tables) {
      const d = depthOf.get(t.table);
      const row = (columns[d] = (columns[d] || 0) + 1) - 1;
      pos.set(t.table, {
        x: NODE.pad + d * (NODE.w + NODE.gapX),
        y: NODE.pad + row * (NODE.h + NODE.gapY),
      });
    }
    const width = NODE.pad * 2 + columns.length * NODE.w + Math.max(0, columns.length - 1) * NODE.gapX;
    const height = NODE.pad * 2 + Math.max(0, ...columns.filter(Boolean)) * (NODE.h + NODE.gapY) - NODE.gapY;
    return { pos, width, height };
  }

  function edgeSvg(from, to, a, b) {
    const x1 = a.x + NODE.w, y1 = a.y + NODE.h / 2, x2 = b.x - 2, y2 = b.y + NODE.h / 2;
    const mid = (x1 + x2) / 2;
    return `<path class="edge" data-from="${esc(from)}" data-to="${esc(to)}" marker-end="url(#arrow)" ` +
      `d="M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}"/>`;
  }

  function nodeSvg(t, p, job) {
    const missed = t.freshness && t.freshness.missed;
    const name = t.layer.length > 24 ? t.layer.slice(0, 23) + "…" : t.layer;
    const sub = lower(t.kind) + (job ? " · " + job.state : "") + (missed ? " · MISSED" : "");
    return `<g class="node${missed ? " missed" : ""}" data-layer="${esc(t.layer)}" data-kind="${esc(t.kind)}" ` +
      `transform="translate(${p.x},${p.y})"><title>${esc(t.layer)}</title>` +
      `<rect width="${NODE.w}" height="${NODE.h}" rx="6"/>` +
      `<text class="name" x="10" y="20">${esc(name)}</text>` +
      `<text class="sub" x="10" y="38">${esc(sub)}</text></g>`;
  }

  function renderGraph(status, jobs) {
    const tables = status.tables || [];
    if (!tables.length) {
      $("graph-body").innerHTML = '<p class="empty">No layers.</p>';
      return;
    }
    const { pos, width, height } = layoutNodes(tables);
    const edges = [];
    for (const t of tables) {
      for (const up of t.upstream || []) {
        if (pos.has(up)) edges.push(edgeSvg(up, t.table, pos.get(up), pos.get(t.table)));
      }
    }
    const nodes = tables.map((t) => nodeSvg(t, pos.get(t.table), jobs.get(t.layer)));
    $("graph-body").innerHTML =
      `<svg class="dag" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
      '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" ' +
      'orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>' +
      edges.join("") + nodes.join("") + "</svg>";
  }

  // ---------- tables ----------

  function freshnessHtml(f) {
    if (!f) return "";
    const parts = [];
    if (f.ageMs != null) parts.push(esc(human(f.ageMs)));
    if (f.hopDelayMs != null) parts.push("hop " + esc(human(f.hopDelayMs)));
    if (f.targetMs != null) parts.push("target " + esc(human(f.targetMs)));
    const badge = f.missed ? ' <span class="badge missed">MISSED</span>' : "";
    return parts.join(" · ") + badge;
  }

  function openHtml(t) {
    if (!t.openCount) return "";
    return `${esc(t.firstOpen)}..${esc(t.lastOpen)} (${t.openCount})`;
  }

  function scheduleHtml(s) {
    if (!s) return "";
    const next = s.nextTick ? `next <span class="ts">${esc(utc(s.nextTick))}</span>` : "no next tick";
    return `<code>${esc(s.cron)}</code><div class="sub">${next} · lateness ${esc(human(s.allowedLatenessMs))}</div>`;
  }

  function verifiedHtml(v) {
    if (!v) return "";
    const title = `verified ${utc(v.at)} UTC` + (v.sample ? "\n" + v.sample : "");
    if (v.equal) {
      return `<span class="verified equal" title="${esc(title)}">${esc(v.partition)} equal (${plural(v.equalRows, "row")})</span>`;
    }
    return `<span class="verified differs" title="${esc(title)}">${esc(v.partition)} DIFFERS: ` +
      `${v.differingRows} differing, ${v.missingRows} missing, ${v.extraRows} extra</span>`;
  }

  function jobHtml(job) {
    if (!job) return "";
    const cause = job.rootCause ? `<div class="root-cause" title="${esc(job.rootCause)}">${esc(job.rootCause)}</div>` : "";
    return `<span class="job-state" data-state="${esc(job.state)}">${esc(job.state)}</span> · ` +
      `${plural(job.restarts || 0, "restart")}` +
      (job.lateRowsDropped ? ` · <span class="late-dropped" title="rows its event-time windows dropped behind the` +
        ` watermark since it started; a batch build counts them">${plural(job.lateRowsDropped, "late row")} dropped</span>` : "") +
      cause;
  }

  function tableRow(t, job) {
    const layer = `<strong>${esc(t.layer)}</strong>` + (t.table !== t.layer ? `<div class="sub">${esc(t.table)}</div>` : "");
    const cells = [
      layer,
      `<span class="kind" data-kind="${esc(t.kind)}">${esc(lower(t.kind))}</span>`,
      esc(lower(t.writtenBy)),
      t.watermark ? `<span class="ts">${esc(utc(t.watermark))}</span>` : "",
      esc(human(t.lagMs)),
      freshnessHtml(t.freshness),
      esc(t.closedThrough || ""),
      openHtml(t),
      scheduleHtml(t.schedule),
      verifiedHtml(t.verified),
      jobHtml(job),
    ];
    return `<tr data-layer="${esc(t.layer)}">${cells.map((c) => `<td>${orDash(c)}</td>`).join("")}</tr>`;
  }

  function renderTables(status, jobs) {
    const rows = (status.tables || []).map((t) => tableRow(t, jobs.get(t.layer)));
    $("tables").tBodies[0].innerHTML = rows.join("") || '<tr><td colspan="11" class="empty">No layers.</td></tr>';
  }

  // ---------- partition grid ----------

  function cellTitle(c) {
    return `${c.partition}: ${lower(c.state)}` + (c.detail ? ` — ${c.detail}` : "");
  }

  // Cells sit by time, not by index, so hourly and daily rows line up over the same window.
  function cellHtml(c, t0, span, dense) {
    const start = Math.max(t0, Date.parse(c.start));
    const end = Math.min(t0 + span, Date.parse(c.end));
    const left = ((start - t0) / span) * 100;
    const width = Math.max(0, ((end - start) / span) * 100);
    // A label only fits in wide daily cells; "MM-dd" is what a reader scans for.
    const label = !dense && width >= 3 && c.partition.length === 8
      ? `<span class="label">${esc(c.partition.slice(4, 6) + "-" + c.partition.slice(6))}</span>` : "";
    return `<div class="cell" data-partition="${esc(c.partition)}" data-state="${esc(c.state)}" ` +
      `title="${esc(cellTitle(c))}" style="left:${left.toFixed(4)}%;width:${width.toFixed(4)}%">${label}</div>`;
  }

  function gridRowHtml(row, t0, span) {
    const gran = row.granularity ? `<span class="gran">${esc(lower(row.granularity))}</span>` : "";
    const head = `<div class="row-label" title="${esc(row.table)}">${esc(row.layer)} ${gran}</div>`;
    let strip;
    if (!row.granularity) {
      strip = '<div class="strip unpartitioned"><span class="note">unpartitioned</span></div>';
    } else if (!row.cells || !row.cells.length) {
      strip = '<div class="strip"><span class="note">no partitions in this window</span></div>';
    } else {
      // Narrow cells drop their gaps, which would otherwise paint the whole strip white.
      const dense = row.cells.length > 250;
      strip = `<div class="strip${dense ? " dense" : ""}">` +
        row.cells.map((c) => cellHtml(c, t0, span, dense)).join("") + "</div>";
    }
    return `<div class="row" data-layer="${esc(row.layer)}" data-table="${esc(row.table)}">${head}${strip}</div>`;
  }

  function renderGrid(grid) {
    const json = JSON.stringify(grid);
    if (json === seen.gridJson) return; // thousands of cells: skip the redraw when nothing changed
    const t0 = Date.parse(grid.from);
    const span = Math.max(1, Date.parse(grid.until) - t0);
    const rows = (grid.rows || []).map((r) => gridRowHtml(r, t0, span));
    const axis = `<div class="axis"><span>${esc(utc(grid.from))}</span><span>${esc(utc(grid.until))}</span></div>`;
    $("grid-body").innerHTML = rows.length ? rows.join("") + axis : '<p class="empty">No layers.</p>';
    seen.gridJson = json;
    markSelected();
  }

  function renderLegend() {
    $("legend").innerHTML = STATES.map((s) =>
      `<li data-state="${s}"><span class="swatch" data-state="${s}"></span>${lower(s)}</li>`).join("");
  }

  // ---------- ledger side panel ----------

  function markSelected() {
    document.querySelectorAll("#grid .cell.selected").forEach((c) => c.classList.remove("selected"));
    if (!selected) return;
    const sel = `.row[data-table="${CSS.escape(selected.table)}"] .cell[data-partition="${CSS.escape(selected.partition)}"]`;
    const cell = document.querySelector("#grid-body " + sel);
    if (cell) cell.classList.add("selected");
  }

  // Date over time keeps the narrow side panel's columns narrow.
  function stamp(iso) {
    const t = utc(iso);
    return t ? `<span class="ts">${esc(t.slice(0, 10))}</span><br><span class="ts">${esc(t.slice(11))}</span>` : "";
  }

  function ledgerRow(e) {
    const retry = e.retryOf ? `<div class="sub">retry of ${esc(e.retryOf)}</div>` : "";
    return `<tr data-run-id="${esc(e.runId)}" data-status="${esc(e.status)}">` +
      `<td title="sql ${esc(e.sqlHash)}">${esc(e.runId)}${retry}</td><td>${esc(e.mode)}</td>` +
      `<td><span class="status" data-state="${esc(e.status)}">${esc(e.status)}</span></td>` +
      `<td class="num">${esc(e.rowsWritten == null ? "" : e.rowsWritten)}</td>` +
      `<td>${stamp(e.startedAt)}</td><td>${stamp(e.finishedAt)}</td></tr>` +
      // The error gets a row of its own: in a column of the narrow panel it wraps a letter per line.
      (e.error ? `<tr class="ledger-error-row"><td colspan="6">${errorBlock(e.error)}</td></tr>` : "");
  }

  function renderLedger(entries) {
    if (!entries.length) return '<p class="empty">No run has touched this partition.</p>';
    return '<table class="ledger-table"><thead><tr><th>run</th><th>mode</th><th>status</th><th>rows</th>' +
      "<th>started</th><th>finished</th></tr></thead><tbody>" +
      entries.map(ledgerRow).join("") + "</tbody></table>";
  }

  async function openLedger(table, partition) {
    const token = ++ledgerToken;
    selected = { table, partition };
    markSelected();
    $("ledger").hidden = false;
    $("ledger-title").textContent = `${table} ${partition}`;
    $("ledger-body").innerHTML = '<p class="empty">Loading…</p>';
    const url = `api/ledger?table=${encodeURIComponent(table)}&partition=${encodeURIComponent(partition)}`;
    let html;
    try {
      html = renderLedger(await getJson(url));
    } catch (e) {
      html = `<p class="ledger-error">${esc(e.message)}</p>`;
    }
    if (token === ledgerToken) $("ledger-body").innerHTML = html;
  }

  function closeLedger() {
    ledgerToken++;
    selected = null;
    $("ledger").hidden = true;
    markSelected();
  }

  // ---------- runs ----------

  function runHtml(r, now) {
    const counts = r.counts || {};
    const done = (counts.DONE || 0) + (counts.FAILED || 0) + (counts.LATE || 0);
    const planned = r.plannedPartitions || r.partitions || 0;
    const when = [r.started ? "started " + esc(utc(r.started)) : "", r.finished ? "finished " + esc(utc(r.finished)) : ""];
    if (r.started && !r.finished && now) when.push("for " + esc(human(Date.parse(now) - Date.parse(r.started))));
    const progress = r.state !== "RUNNING" ? "" :
      `<div class="progress"><progress max="${planned || 1}"${planned ? ` value="${Math.min(done, planned)}"` : ""}></progress>` +
      `<span class="progress-text">${done}/${planned}</span></div>`;
    const countHtml = RUN_STATES.filter((s) => counts[s]).map((s) =>
      `<span class="count" data-state="${s}">${counts[s]} ${lower(s)}</span>`).join("");
    return `<div class="run" data-run-id="${esc(r.runId)}" data-state="${esc(r.state)}">` +
      `<div class="run-head"><span class="run-id">${esc(r.runId)}</span>` +
      `<span class="mode">${esc(r.mode)}</span><span class="status" data-state="${esc(r.state)}">${esc(r.state)}</span>` +
      `<span class="layers">${esc((r.layers || []).join(", "))}</span>` +
      `<span class="when">${when.filter(Boolean).join(" · ")}</span></div>` +
      progress + `<div class="counts">${countHtml} <span class="sub">${plural(r.partitions || 0, "partition")}</span></div>` +
      (r.error ? errorBlock(r.error) : "") + "</div>";
  }

  function renderRuns(status) {
    const runs = status.runs || [];
    $("runs-body").innerHTML = runs.length ? runs.map((r) => runHtml(r, status.now)).join("") : '<p class="empty">No runs.</p>';
  }

  // ---------- waiting ----------

  // As `weir status` words it: whether a scheduler runs decides when a partition waiting on nothing runs.
  function whenNothingWaits(status, layer) {
    const table = (status.tables || []).find((t) => t.layer === layer);
    if (!table || !table.schedule) return "no schedule: weir backfill --layer " + layer + " rebuilds it";
    if (status.scheduler === "NOT_RUNNING") return "nothing, but no `weir schedule` runs: it runs once one does";
    if (status.scheduler === "UNKNOWN") return "nothing: runs at the next tick (the scheduler store could not be asked)";
    return "nothing: runs at the next tick";
  }

  function waitingRow(w, status) {
    const on = w.waitingOn
      ? esc(w.waitingOn)
      : `<span class="ready">${esc(whenNothingWaits(status, w.layer))}</span>`;
    return `<tr class="waiting" data-layer="${esc(w.layer)}" data-partition="${esc(w.partition)}">` +
      `<td>${esc(w.layer)}</td><td>${esc(w.partition)}</td><td>${esc(w.due)}</td><td>${on}</td></tr>`;
  }

  function moreRow(layer, n) {
    return `<tr class="more" data-layer="${esc(layer)}"><td>${esc(layer)}</td><td colspan="3">(${n} more)</td></tr>`;
  }

  function renderWaiting(status) {
    const waiting = status.waiting || [];
    const due = status.dueCounts || {};
    const byLayer = new Map();
    waiting.forEach((w) => byLayer.set(w.layer, (byLayer.get(w.layer) || []).concat([w])));
    Object.keys(due).forEach((l) => { if (!byLayer.has(l)) byLayer.set(l, []); });
    const rows = [];
    // The server lists only the first few per layer; say how many more are due right under them.
    byLayer.forEach((list, layer) => {
      list.forEach((w) => rows.push(waitingRow(w, status)));
      const more = (due[layer] || 0) - list.length;
      if (more > 0) rows.push(moreRow(layer, more));
    });
    let html;
    if (rows.length) {
      html = '<table class="waiting-table"><thead><tr><th>layer</th><th>partition</th><th>due because</th>' +
        `<th>waiting on</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
    } else {
      html = `<p class="empty">${Object.keys(due).length ? "Nothing is waiting." : "No layer is scheduled."}</p>`;
    }
    $("waiting-body").innerHTML = html;
  }

  // ---------- refresh loop ----------

  function renderStatus(status) {
    // The cluster lists a layer's jobs newest first: keep the first, the running or newest one.
    const jobs = new Map();
    (status.jobs || []).forEach((j) => { if (!jobs.has(j.job)) jobs.set(j.job, j); });
    renderHeader(status);
    renderGraph(status, jobs);
    renderTables(status, jobs);
    renderRuns(status);
    renderWaiting(status);
    renderFooter(status);
  }

  // The page's own ?days=N&end=ISO pick the grid's window, so a link can show a fixed stretch of history.
  function gridUrl() {
    const params = new URLSearchParams({ days: $("days").value });
    const end = new URLSearchParams(location.search).get("end");
    if (end) params.set("end", end);
    return "api/grid?" + params;
  }

  function initDays() {
    const select = $("days");
    const days = new URLSearchParams(location.search).get("days");
    if (!days) return;
    const options = [...select.options];
    if (!options.some((o) => o.value === days)) {
      select.add(new Option(`${days} days`, days), options.find((o) => +o.value > +days) || null);
    }
    select.value = days;
  }

  // Keeps a reload on the chosen window without reloading now.
  function onDaysChange() {
    const params = new URLSearchParams(location.search);
    params.set("days", $("days").value);
    history.replaceState(null, "", "?" + params);
    refreshNow();
  }

  async function refresh() {
    poll.inFlight = true;
    const [status, grid] = await Promise.allSettled([getJson("api/status"), getJson(gridUrl())]);
    const errors = [];
    try {
      if (status.status === "fulfilled") { renderStatus(status.value); seen.status = true; } else errors.push(status.reason.message);
      if (grid.status === "fulfilled") { renderGrid(grid.value); seen.grid = true; } else errors.push(grid.reason.message);
    } catch (e) {
      errors.push("cannot show the answer: " + e.message); // a bug here must not stop the polling
    }
    if (!errors.length) {
      seen.lastGood = utc(new Date().toISOString());
      $("updated").textContent = seen.lastGood;
      document.body.dataset.refreshes = String((+document.body.dataset.refreshes || 0) + 1);
    }
    if (seen.status && seen.grid) document.body.dataset.loaded = "true";
    showErrors(errors);
    poll.inFlight = false;
    if (poll.again) {
      poll.again = false;
      refresh();
    } else {
      schedule();
    }
  }

  // The next poll starts only after this one ended, so a slow server never sees overlapping requests.
  function schedule() {
    clearTimeout(poll.timer);
    poll.timer = document.hidden ? null : setTimeout(refresh, POLL_MS);
  }

  function refreshNow() {
    if (poll.inFlight) {
      poll.again = true;
      return;
    }
    clearTimeout(poll.timer);
    refresh();
  }

  function onVisibility() {
    if (document.hidden) {
      clearTimeout(poll.timer); // an idle background tab should cost nothing
      poll.timer = null;
    } else {
      refreshNow();
    }
  }

  function onGridClick(event) {
    const cell = event.target.closest(".cell");
    if (!cell) return;
    const row = cell.closest(".row");
    openLedger(row.dataset.table, cell.dataset.partition);
  }

  function init() {
    renderLegend();
    initDays();
    $("days").addEventListener("change", onDaysChange);
    $("grid-body").addEventListener("click", onGridClick);
    $("ledger-close").addEventListener("click", closeLedger);
    document.addEventListener("keydown", (e) => { if (e.key === "Escape") closeLedger(); });
    document.addEventListener("visibilitychange", onVisibility);
    refresh();
  }

  init();
})();
