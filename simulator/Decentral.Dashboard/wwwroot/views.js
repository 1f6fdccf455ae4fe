// The three pages: a simulation run (its rows), a node and a fleet (the server's merged view).
"use strict";

const kindNames = k => k.replaceAll("_", " ");
const shortPeer = p => p && p.length > 16 ? p.slice(0, 8) + "…" + p.slice(-4) : (p || "–");
const pageLink = name => "?run=" + encodeURIComponent(name).replaceAll("%2F", "/");

function panel(id, title, { wide, tall, hint, legendBox = true, html } = {}) {
  return `<div class="panel${wide ? " wide" : ""}"><h2>${esc(title)}</h2>${hint ? `<p class="hint">${esc(hint)}</p>` : ""}` +
    (html ?? `<svg id="${id}"${tall ? ' class="tall"' : ""}></svg>`) + (legendBox ? `<div class="legend" id="${id}-l"></div>` : "") + "</div>";
}

function layout(kind, html) {
  const panels = document.getElementById("panels");
  if (panels.dataset.kind !== kind) { panels.innerHTML = html; panels.dataset.kind = kind; }
}

// items: [label, value, title (optional), small (optional: a long value in a smaller font)]
function cards(items) {
  document.getElementById("cards").innerHTML = items.map(([k, v, title, small]) =>
    `<div class="card"${title ? ` title="${esc(title)}"` : ""}><div class="v${small ? " small" : ""}">${esc(v)}</div><div class="k">${esc(k)}</div></div>`).join("");
}

// The round checks' outcomes (telemetry's "checks"), as the charts name them.
const checkLabels = {
  aggregator_silent: "aggregator silent: failed over",
  aggregator_restarted: "aggregator restarted: failed over",
  trainers_silent: "trainer silent",
  trainer_not_sampled: "trainer without the aggregate",
  trainer_sent_elsewhere: "trainer sent elsewhere",
};
const checksHint = "peers the round checks found, cumulative: aggregators that trainers failed over from, and expected trainers the rounds stopped waiting for";
const checksEmpty = "no round check found a peer (or the checks are off)";

// Only the outcomes that occurred; none at all leaves the chart's empty message.
function checksChart(id, names, pointsOf, opts) {
  const series = names.map((name, i) => ({ name: checkLabels[name] ?? kindNames(name), points: pointsOf(name, i), step: true, color: color(i) }))
    .filter(s => s.points.some(p => p[1] > 0));
  lineChart(id, series, { ...opts, yFmt: fmt.int, empty: checksEmpty });
}

function runChecks(rows) {
  return name => { let total = 0; return rows.map(r => [r.time_s, total += r.checks?.[name] ?? 0]); };
}

const refused = rows => rows.reduce((a, r) => a + Object.values(r.rejected ?? {}).reduce((b, v) => b + v, 0), 0);

// ---- simulation run ----------------------------------------------------------------------------

function renderRun(rows) {
  layout("run", [
    panel("acc", "Accuracy of the aggregated model"),
    panel("traffic", "Traffic (cumulative)"),
    panel("kinds", "Bytes per round by message kind"),
    panel("online", "Online peers (churn)"),
    panel("checks", "Round checks", { wide: true, hint: checksHint }),
    panel("samples", "Samples: who received each round's model (aggregators in orange)", { wide: true, tall: true, legendBox: false }),
  ].join(""));
  const last = rows[rows.length - 1];
  const evaluated = rows.filter(r => r.accuracy !== undefined);
  const acc = evaluated.length ? evaluated[evaluated.length - 1].accuracy : undefined;
  cards(last ? [
    ["round", last.round], ["virtual time", fmt.duration(last.time_s)],
    ["accuracy", acc === undefined ? "–" : (100 * acc).toFixed(1) + " %"], ["traffic", fmt.bytes(last.total_bytes)],
    ["online peers", last.online], ["view bytes saved", last.view_bytes ? (last.full_view_bytes / last.view_bytes).toFixed(1) + "×" : "–"],
    ...(refused(rows) > 0 ? [["models refused", refused(rows)]] : [])] : [["rows", 0]]);
  const time = { xKind: "time", xFmt: fmt.duration };
  lineChart("acc", [{ name: "accuracy", points: evaluated.map(r => [r.time_s, r.accuracy]), area: true, dots: evaluated.length < 60 }],
    { ...time, yFmt: fmt.percent, yMax: 1 });
  lineChart("traffic", [
    { name: "all bytes", points: rows.map(r => [r.time_s, r.total_bytes]) },
    { name: "view data (deltas)", points: rows.map(r => [r.time_s, r.view_bytes]) },
    { name: "view data if full views", points: rows.map(r => [r.time_s, r.full_view_bytes]), dash: "4 3" }], { ...time, yFmt: fmt.bytes });
  const kinds = rows.length ? Object.keys(rows[0].bytes) : [];
  barChart("kinds", rows.map(r => ({ x: r.round, parts: kinds.map(k => r.bytes[k] ?? 0) })), kinds.map(kindNames),
    { xKind: "int", xFmt: v => "round " + Math.round(v), yFmt: fmt.bytes });
  lineChart("online", [{ name: "online peers", points: rows.map(r => [r.time_s, r.online]), step: true, area: true }], { ...time, yFmt: fmt.int });
  checksChart("checks", Object.keys(checkLabels), runChecks(rows), time);
  const slots = Math.max(0, ...rows.flatMap(r => [...(r.sample ?? []), ...(r.aggregators ?? [])])) + 1;
  const marks = rows.flatMap(r => [
    ...(r.sample ?? []).map(s => ({ x: r.round, lane: s, color: "var(--a)" })),
    ...(r.aggregators ?? []).map(a => ({ x: r.round, lane: a, color: "var(--b)", big: true }))]);
  laneChart("samples", marks, Array.from({ length: slots }, (_, i) => "#" + i), {
    xKind: "int", xFmt: v => "round " + Math.round(v),
    describe: ms => [`aggregators: ${ms.filter(m => m.big).map(m => "#" + m.lane).join(" ") || "–"}`, `sample: ${ms.filter(m => !m.big).map(m => "#" + m.lane).join(" ") || "–"}`],
  });
}

// ---- node and fleet ----------------------------------------------------------------------------

// Over the five minutes before the latest round (or since the first, when the fleet is younger).
function roundsPerMinute(view) {
  const times = view.rounds.map(r => r.unix_s).sort((a, b) => a - b);
  if (times.length < 2) return "–";
  const last = times[times.length - 1], recent = times.filter(t => t >= last - 300);
  const span = last - recent[0];
  return span > 0 ? ((recent.length - 1) / span * 60).toFixed(1) : "–";
}

function latestAccuracy(view) {
  const a = view.accuracy[view.accuracy.length - 1];
  return a ? (100 * a[1]).toFixed(1) + " %" : "–";
}

function participation(id, view, lanes, laneOf) {
  const marks = view.rounds.flatMap(r => [
    ...r.trainers.map(n => ({ x: r.round, lane: laneOf(n, false), color: "var(--a)" })),
    ...r.aggregators.map(n => ({ x: r.round, lane: laneOf(n, true), color: "var(--b)", big: true }))]);
  const name = n => view.nodes[n].name.split("/").pop();
  laneChart(id, marks, lanes, {
    xKind: "int", xFmt: v => "round " + Math.round(v),
    describe: ms => {
      const r = view.rounds.find(x => x.round === ms[0]?.x);
      return r ? [`aggregated by: ${r.aggregators.map(name).join(", ") || "–"}`, `trained by: ${r.trainers.map(name).join(", ") || "–"}`, fmt.clock(r.unix_s)] : [];
    },
  });
  legend(id + "-l", ["trained", "aggregated"], ["var(--a)", "var(--b)"]);
}

function nodeSeries(view, perNode) {
  return view.nodes.map((n, i) => ({ name: n.name.split("/").pop(), points: perNode[i], color: color(i) }));
}

function renderNode(view) {
  const n = view.nodes[0];
  layout("node", [
    panel("acc", "Accuracy of the models it aggregated"),
    panel("loss", "Training loss of its local models"),
    panel("roles", "Its rounds: trained and aggregated", { wide: true }),
    panel("traffic", "Bytes it sent (cumulative)"),
    panel("bykind", "Bytes it sent by message kind", { html: '<div id="bykind"></div>', legendBox: false }),
    panel("view", "Its view (peers it knows)"),
    panel("sessions", "Running", { hint: "its sessions, from node.json and its rows" }),
    panel("checks", "Its round checks", { wide: true, hint: checksHint }),
    panel("addr", "Identity and addresses", { wide: true, legendBox: false, html: '<dl class="addr" id="addr"></dl>' }),
  ].join(""));
  const uptime = n.state === "running" && n.started_unix_s ? fmt.duration(view.now_unix_s - n.started_unix_s) : "–";
  const state = n.state === "running" && n.phase && n.phase !== "running" ? `${n.state} (${n.phase})` : n.state;
  cards([["state", state], ["peer", shortPeer(n.peer_id), n.peer_id, true], ["slot", n.slot < 0 ? "–" : n.slot], ["uptime", uptime],
    ["last round", n.last_round || "–"], ["aggregated · trained", `${n.aggregated} · ${n.trained}`], ["accuracy", latestAccuracy(view)], ["traffic", fmt.bytes(n.bytes)],
    ...(n.refused > 0 ? [["models refused", n.refused]] : [])]);
  const clock = { xKind: "time", xFmt: fmt.clock };
  lineChart("acc", [{ name: "accuracy", points: view.accuracy.map(p => [p[0], p[1]]), area: true, dots: true }], { ...clock, yFmt: fmt.percent, yMax: 1 });
  lineChart("loss", [{ name: "training loss", points: view.training_loss.map(p => [p[0], p[1]]), dots: true, color: "var(--e)" }], { ...clock, yFmt: fmt.num });
  participation("roles", view, ["trained", "aggregated"], (_, agg) => agg ? 1 : 0);
  lineChart("traffic", [{ name: "bytes sent", points: view.traffic[0], area: true }], { ...clock, yFmt: fmt.bytes });
  hbars("bykind", view.kinds.map((k, i) => ({ label: kindNames(k), parts: view.kinds.map((_, j) => j === i ? n.bytes_by_kind[i] : 0) }))
    .filter((_, i) => n.bytes_by_kind[i] > 0), view.kinds.map(kindNames), fmt.bytes);
  lineChart("view", [{ name: "view size", points: view.views[0], step: true, color: "var(--c)" }], { ...clock, yFmt: fmt.int });
  lineChart("sessions", [{ name: "running", points: view.running, step: true, area: true, color: "var(--c)" }], { ...clock, yFmt: fmt.int, yMax: 1 });
  checksChart("checks", view.check_names, (_, i) => view.checks[i], clock);
  const list = a => a.length ? a.map(esc).join("<br>") : "–";
  document.getElementById("addr").innerHTML = `<dt>peer id</dt><dd>${esc(n.peer_id || "–")}</dd><dt>listen</dt><dd>${list(n.listen)}</dd>` +
    `<dt>announce</dt><dd>${list(n.announce)}</dd><dt>session</dt><dd>${esc(n.session || "–")}</dd><dt>pid</dt><dd>${n.pid || "–"}</dd>` +
    `<dt>started</dt><dd>${n.started_unix_s ? esc(new Date(n.started_unix_s * 1000).toLocaleString()) : "–"}</dd>` +
    `<dt>node.json updated</dt><dd>${n.updated_unix_s ? esc(new Date(n.updated_unix_s * 1000).toLocaleString()) : "–"}</dd>`;
}

function renderFleet(view) {
  layout("fleet", [
    panel("acc", "Accuracy of the aggregates", { hint: "each dot one evaluated aggregate, coloured by the node that made it" }),
    panel("rpm", "Rounds per minute"),
    panel("roles", "Who trained and aggregated each round", { wide: true, tall: true }),
    panel("running", "Nodes running"),
    panel("traffic", "Bytes sent per node (cumulative)"),
    panel("bykind", "Bytes sent per node by message kind", { html: '<div id="bykind"></div>' }),
    panel("view", "View size per node"),
    panel("checks", "Round checks of the fleet", { wide: true, hint: checksHint }),
    panel("nodes", "Nodes", { wide: true, legendBox: false, html: '<div id="nodes"></div>' }),
  ].join(""));
  const nodes = view.nodes;
  const running = nodes.filter(n => n.state === "running").length;
  const lastRound = Math.max(0, ...nodes.map(n => n.last_round));
  cards([["nodes running", `${running} / ${nodes.length}`], ["round", lastRound || "–"], ["rounds / min", roundsPerMinute(view)],
    ["accuracy", latestAccuracy(view)], ["aggregations", nodes.reduce((a, n) => a + n.aggregated, 0)], ["traffic", fmt.bytes(nodes.reduce((a, n) => a + n.bytes, 0))]]);
  const clock = { xKind: "time", xFmt: fmt.clock };
  const accPoints = view.accuracy.map(p => Object.assign([p[0], p[1]], { color: color(p[2]), label: `(${nodes[p[2]].name.split("/").pop()}, round ${p[3]})` }));
  lineChart("acc", [{ name: "aggregates", points: accPoints, dots: true, color: "#6e7b91", width: 1.2 }], { ...clock, yFmt: fmt.percent, yMax: 1, noLegend: true });
  legend("acc-l", nodes.map(n => n.name.split("/").pop()));
  barChart("rpm", view.rounds_per_minute.map(p => ({ x: p[0] + 30, parts: [p[1]] })), ["rounds"], { ...clock, yFmt: fmt.int, colors: ["var(--a)"] });
  participation("roles", view, nodes.map(n => n.name.split("/").pop()), n => n);
  lineChart("running", [{ name: "nodes running", points: view.running, step: true, area: true, color: "var(--c)" }], { ...clock, yFmt: fmt.int });
  lineChart("traffic", nodeSeries(view, view.traffic), { ...clock, yFmt: fmt.bytes });
  hbars("bykind", nodes.map(n => ({ label: n.name.split("/").pop(), href: pageLink(n.name), parts: n.bytes_by_kind })), view.kinds.map(kindNames), fmt.bytes);
  lineChart("view", nodeSeries(view, view.views).map(s => ({ ...s, step: true })), { ...clock, yFmt: fmt.int });
  checksChart("checks", view.check_names, (_, i) => view.checks[i], clock);
  document.getElementById("nodes").innerHTML = `<table><thead><tr><th>node</th><th>state</th><th>peer id</th><th>slot</th><th>aggregated</th><th>trained</th>` +
    `<th>last round</th><th>accuracy</th><th>sent</th><th>refused</th><th>view</th></tr></thead><tbody>` + nodes.map((n, i) =>
      `<tr><td><i class="sw" style="background:${color(i)}"></i><a href="${esc(pageLink(n.name))}">${esc(n.name.split("/").pop())}</a></td>` +
      `<td><span class="state ${esc(n.state.replaceAll(" ", "-"))}">${esc(n.state)}</span></td><td class="peer" title="${esc(n.peer_id)}">${esc(shortPeer(n.peer_id))}</td>` +
      `<td>${n.slot < 0 ? "–" : n.slot}</td><td>${n.aggregated}</td><td>${n.trained}</td><td>${n.last_round || "–"}</td>` +
      `<td>${n.accuracy == null ? "–" : (100 * n.accuracy).toFixed(1) + " %"}</td><td>${fmt.bytes(n.bytes)}</td><td>${n.refused || "–"}</td><td>${n.view_size}</td></tr>`).join("") + "</tbody></table>";
}
