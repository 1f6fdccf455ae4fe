// The page's loop: list what there is, show the chosen run, node or fleet, refresh live.
"use strict";

const params = new URLSearchParams(location.search);
const refreshSeconds = Math.max(0.2, Number(params.get("refresh")) || 2);
let chosen = params.get("run");
let rows = [];
let loadedFor = null;
let lastView = null;

const apiPath = name => "api/runs/" + name.split("/").map(encodeURIComponent).join("/");

function setStatus(text, state) {
  const s = document.getElementById("status");
  s.className = "status " + (state ?? "");
  s.innerHTML = `<span class="dot"></span><span>${esc(text)}</span>`;
}

function notice(html) {
  const n = document.getElementById("notice");
  n.hidden = !html;
  n.innerHTML = html ?? "";
}

function clearPage() {
  document.getElementById("cards").replaceChildren();
  const panels = document.getElementById("panels");
  panels.replaceChildren();
  panels.dataset.kind = "";
  document.getElementById("kind").textContent = "";
}

function fillPicker(list) {
  const select = document.getElementById("run");
  const key = JSON.stringify(list.map(s => [s.name, s.kind, s.finished, s.state, s.running]));
  if (select.dataset.key === key) return;
  select.dataset.key = key;
  const label = s => s.kind === "run" ? `${s.name}${s.finished ? "" : " (running)"}`
    : s.kind === "fleet" ? `${s.name} (${s.running}/${s.nodes} running)`
    : `${s.fleet ? "  " + s.name.slice(s.fleet.length + 1) : s.name} (${s.state})`;
  const groups = [["run", "Simulation runs"], ["fleet", "Fleets and their nodes"], ["node", "Nodes"]];
  select.innerHTML = (chosen && !list.some(s => s.name === chosen) ? `<option value="${esc(chosen)}">${esc(chosen)} (not found)</option>` : "") +
    groups.map(([kind, title]) => {
      const members = list.filter(s => kind === "fleet" ? s.kind === "fleet" || s.fleet : kind === "node" ? s.kind === "node" && !s.fleet : s.kind === kind);
      return members.length ? `<optgroup label="${title}">` + members.map(s => `<option value="${esc(s.name)}">${esc(label(s))}</option>`).join("") + "</optgroup>" : "";
    }).join("");
}

async function getJson(path) {
  const response = await fetch(path);
  const body = await response.json();
  if (!response.ok) throw Object.assign(new Error(body.error ?? response.statusText), { status: response.status, body });
  return body;
}

async function refresh() {
  let list;
  try {
    list = await getJson("api/runs");
  } catch (e) {
    setStatus("cannot reach the dashboard server", "down");
    return;
  }
  fillPicker(list);
  const select = document.getElementById("run");
  if (!chosen) {
    if (list.length === 0) {
      clearPage();
      notice("No runs, nodes or fleets yet in the dashboard's folder. Run a simulation (<code>scripts/simulate.sh</code>) or start a node, and they appear here.");
      setStatus("nothing to show");
      return;
    }
    chosen = list[0].name;
  }
  select.value = chosen;
  const source = list.find(s => s.name === chosen);
  if (!source) {
    clearPage();
    notice(`<b>${esc(chosen)}</b> does not exist: there is no run, node or fleet of that name in the dashboard's folder.` +
      (list.length ? `<br>There are: ${list.map(s => `<a href="${esc(pageLink(s.name))}">${esc(s.name)}</a>`).join("")}` : " There is nothing there yet."));
    setStatus("not found", "down");
    return;
  }
  notice(null);
  const badge = document.getElementById("kind");
  badge.textContent = source.kind === "run" ? "simulation" : source.kind;
  badge.className = "badge " + source.kind;
  const updated = "updated " + new Date().toLocaleTimeString([], { hour12: false });
  try {
    if (source.kind === "run") {
      if (loadedFor !== chosen) { rows = []; loadedFor = chosen; }
      const more = await getJson(`${apiPath(chosen)}/telemetry?from=${rows.length}`);
      if (more.total < rows.length) { rows = []; loadedFor = null; return refresh(); }
      rows = rows.concat(more.rows);
      renderRun(rows);
      const last = rows[rows.length - 1];
      setStatus(`${source.finished ? "finished" : "live"} · ${last ? "round " + last.round : "no rounds yet"} · ${updated}`, source.finished ? "" : "live");
    } else {
      loadedFor = chosen;
      lastView = await getJson(`${apiPath(chosen)}/view`);
      if (source.kind === "node") renderNode(lastView); else renderFleet(lastView);
      const running = lastView.nodes.filter(n => n.state === "running").length;
      const round = Math.max(0, ...lastView.nodes.map(n => n.last_round));
      const what = source.kind === "node" ? lastView.nodes[0].state : `${running} of ${lastView.nodes.length} nodes running`;
      setStatus(`${what} · ${round ? "round " + round : "no rounds yet"} · ${updated}`, running ? "live" : "");
    }
  } catch (e) {
    setStatus(e.status ? e.message : "cannot reach the dashboard server", "down");
  }
}

function redraw() {
  if (!loadedFor) return;
  const panels = document.getElementById("panels").dataset.kind;
  if (panels === "run") renderRun(rows);
  else if (panels === "node" && lastView) renderNode(lastView);
  else if (panels === "fleet" && lastView) renderFleet(lastView);
}

document.getElementById("run").addEventListener("change", e => {
  chosen = e.target.value;
  history.replaceState(null, "", pageLink(chosen) + (params.has("refresh") ? "&refresh=" + params.get("refresh") : ""));
  clearPage();
  refresh();
});
window.addEventListener("resize", redraw);

// One refresh at a time: the next starts when the previous has finished.
(async function loop() {
  await refresh();
  setTimeout(loop, refreshSeconds * 1000);
})();
