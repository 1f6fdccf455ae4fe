// Chart primitives for the dashboard: SVG line, step, dot and bar charts with axes whose x range
// is exactly the data's range (ticks at round numbers inside it), and a hover read-out.
"use strict";

const SVG_NS = "http://www.w3.org/2000/svg";
const palette = ["#5ab0ff", "#ffb454", "#7ee787", "#ff7b72", "#d2a8ff", "#56d4dd", "#f0883e", "#a5d6ff",
  "#e3b341", "#db61a2", "#3fb950", "#8b949e"];
const color = i => palette[((i % palette.length) + palette.length) % palette.length];

function svgEl(tag, attrs = {}, text) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

const esc = s => String(s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

const fmt = {
  bytes: b => b >= 1e9 ? (b / 1e9).toFixed(2) + " GB" : b >= 1e6 ? (b / 1e6).toFixed(1) + " MB" : b >= 1e3 ? (b / 1e3).toFixed(0) + " kB" : Math.round(b) + " B",
  duration: s => {
    s = Math.round(s); const h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60), r = s % 60;
    return h ? `${h}h ${String(m).padStart(2, "0")}m` : m ? `${m}m ${String(r).padStart(2, "0")}s` : `${r}s`;
  },
  clock: t => new Date(t * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false }),
  percent: v => (Math.abs(100 * v - Math.round(100 * v)) < 1e-6 ? Math.round(100 * v) : (100 * v).toFixed(1)) + "%",
  int: v => String(Math.round(v)),
  num: v => Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3),
};

// Round steps for a linear axis, and for time axes in seconds.
function linearStep(span, count) {
  const raw = span / Math.max(1, count), p = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}
const timeSteps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
function timeStep(span, count) {
  const raw = span / Math.max(1, count);
  return timeSteps.find(s => s >= raw) ?? linearStep(span, count);
}

// Ticks inside [min, max] at multiples of a round step; the range itself is never widened.
function ticks(min, max, count, kind) {
  if (!(max > min)) return [min];
  const step = kind === "time" ? timeStep(max - min, count) : Math.max(kind === "int" ? 1 : 0, linearStep(max - min, count));
  const out = [];
  // Wall-clock ticks fall on round local times (time-zone offsets are whole quarter hours).
  const offset = kind === "time" && axisClock ? -new Date(min * 1000).getTimezoneOffset() * 60 : 0;
  for (let v = Math.ceil((min + offset) / step) * step - offset; v <= max + step * 1e-9; v += step) out.push(+v.toFixed(9));
  return out;
}
let axisClock = false;

// A y range that starts at zero (or the data's minimum when asked) and ends at a round value.
function yRange(values, opts) {
  const lo = opts.yMin ?? 0, hi = opts.yMax ?? Math.max(lo + 1e-9, ...values);
  if (opts.yMax !== undefined) return [lo, hi];
  const step = yStep(hi - lo, opts);
  return [lo, Math.ceil(hi / step) * step];
}
// Integer axes skip the 2.5 steps (no tick at 2.5 nodes).
function yStep(span, opts) {
  const step = linearStep(span, 4);
  if (opts.yFmt !== fmt.int) return step;
  const mantissa = step / Math.pow(10, Math.floor(Math.log10(step)));
  return Math.max(1, Math.abs(mantissa - 2.5) < 1e-9 ? step * 0.8 : step);
}

// Lays out one chart: frame, grid, ticks; returns scales. opts: x {min, max, kind, fmt}, y {fmt, yMin, yMax}.
function frame(svg, xr, yr, opts) {
  svg.replaceChildren();
  const W = svg.clientWidth || 600, H = svg.clientHeight || 240, L = opts.left ?? 62, R = 18, T = 10, B = 26;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  const [x0, x1] = xr[1] > xr[0] ? xr : [xr[0] - 0.5, xr[0] + 0.5];
  const [y0, y1] = yr;
  const x = v => L + (W - L - R) * (v - x0) / (x1 - x0);
  const y = v => H - B - (H - T - B) * (v - y0) / (y1 - y0 || 1);
  const ys = yStep(y1 - y0, opts), yTicks = [];
  for (let v = y0; v <= y1 + ys * 1e-9; v += ys) yTicks.push(+v.toFixed(9));
  for (const yv of yTicks) {
    svg.append(svgEl("line", { x1: L, x2: W - R, y1: y(yv), y2: y(yv), class: "grid" }));
    svg.append(svgEl("text", { x: L - 8, y: y(yv) + 4, "text-anchor": "end", class: "tick" }, opts.yFmt(yv)));
  }
  axisClock = opts.xKind === "time" && opts.xFmt === fmt.clock;
  const xt = ticks(x0, x1, Math.max(2, Math.floor((W - L - R) / 90)), opts.xKind);
  for (const xv of xt) {
    svg.append(svgEl("line", { x1: x(xv), x2: x(xv), y1: H - B, y2: H - B + 4, class: "axis" }));
    // Labels at the ends stay inside the chart.
    const anchor = x(xv) > W - R - 30 ? "end" : x(xv) < L + 20 ? "start" : "middle";
    svg.append(svgEl("text", { x: anchor === "end" ? Math.min(x(xv) + 4, W - 2) : x(xv), y: H - 8, "text-anchor": anchor, class: "tick" }, opts.xFmt(xv)));
  }
  return { x, y, W, H, L, R, T, B, x0, x1, y0, y1 };
}

function empty(svg, text = "no data yet") {
  svg.replaceChildren(svgEl("text", { x: 20, y: 40, class: "tick" }, text));
  svg.__hover = null;
}

function legend(id, names, colors) {
  const box = document.getElementById(id);
  if (box) box.innerHTML = names.map((n, i) => `<span><i style="background:${colors ? colors[i] : color(i)}"></i>${esc(n)}</span>`).join("");
}

// series: [{name, points: [[x, y], ...], color, dash, step, dots, area}]
function lineChart(id, series, opts) {
  const svg = document.getElementById(id);
  const pts = series.flatMap(s => s.points);
  if (pts.length === 0) return empty(svg, opts.empty);
  const xs = pts.map(p => p[0]);
  const f = frame(svg, [opts.xMin ?? Math.min(...xs), opts.xMax ?? Math.max(...xs)], yRange(pts.map(p => p[1]), opts), opts);
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const c = s.color ?? color(i);
    const path = s.points.map((p, j) => {
      const px = f.x(p[0]).toFixed(1), py = f.y(p[1]).toFixed(1);
      if (j === 0) return `M${px} ${py}`;
      return s.step ? `H${px} V${py}` : `L${px} ${py}`;
    }).join(" ");
    if (s.area) {
      const last = s.points[s.points.length - 1], first = s.points[0];
      svg.append(svgEl("path", { d: `${path} V${f.y(f.y0)} H${f.x(first[0])} Z`, fill: c, opacity: 0.12, stroke: "none" }));
    }
    if (!s.dotsOnly) svg.append(svgEl("path", { d: path, fill: "none", stroke: c, "stroke-width": s.width ?? 2, "stroke-dasharray": s.dash ?? "", "stroke-linejoin": "round" }));
    if (s.dots) for (const p of s.points) svg.append(svgEl("circle", { cx: f.x(p[0]), cy: f.y(p[1]), r: 2.6, fill: p.color ?? c }));
  });
  if (!opts.noLegend) legend(id + "-l", series.map(s => s.name), series.map((s, i) => s.color ?? color(i)));
  hoverable(svg, f, x => series.filter(s => s.points.length).map((s, i) => {
    const p = nearest(s.points, x);
    return p && `<span style="color:${s.color ?? color(i)}">●</span> ${esc(s.name)}: <b>${opts.yFmt(p[1])}</b>${p.label ? " " + esc(p.label) : ""}`;
  }).filter(Boolean), opts.xFmt);
}

// Bars at x positions: bars [{x, parts: [v0, v1, ...]}], stacked in the order of names.
function barChart(id, bars, names, opts) {
  const svg = document.getElementById(id);
  if (bars.length === 0) return empty(svg, opts.empty);
  const totals = bars.map(b => b.parts.reduce((a, v) => a + v, 0));
  const xs = bars.map(b => b.x);
  const gap = bars.length > 1 ? (Math.max(...xs) - Math.min(...xs)) / (bars.length - 1) : 1;
  const f = frame(svg, [Math.min(...xs) - gap / 2, Math.max(...xs) + gap / 2], yRange(totals, opts), opts);
  const w = Math.max(1, f.x(Math.min(...xs) + gap) - f.x(Math.min(...xs)) - (bars.length > 150 ? 0 : 1));
  for (const b of bars) {
    let acc = 0;
    b.parts.forEach((v, i) => {
      if (!v) return;
      svg.append(svgEl("rect", { x: f.x(b.x) - w / 2, y: f.y(acc + v), width: w, height: Math.max(0.5, f.y(acc) - f.y(acc + v)), fill: opts.colors ? opts.colors[i] : color(i) }));
      acc += v;
    });
  }
  if (names.length > 1 || opts.legend) legend(id + "-l", names, opts.colors);
  hoverable(svg, f, x => {
    const b = bars.reduce((best, c) => Math.abs(c.x - x) < Math.abs(best.x - x) ? c : best, bars[0]);
    return [`<b>${opts.xFmt(b.x)}</b>`, ...names.map((n, i) => b.parts[i] ? `<span style="color:${opts.colors ? opts.colors[i] : color(i)}">■</span> ${esc(n)}: <b>${opts.yFmt(b.parts[i])}</b>` : null).filter(Boolean)];
  }, null);
}

// A matrix of marks: x numeric, y one lane per label; marks [{x, lane, color, big}].
function laneChart(id, marks, lanes, opts) {
  const svg = document.getElementById(id);
  if (marks.length === 0) return empty(svg, opts.empty);
  const xs = marks.map(m => m.x);
  const left = Math.max(62, 14 + 6.5 * Math.max(...lanes.map(l => l.length)));
  const f = frame(svg, [Math.min(...xs), Math.max(...xs)], [0, lanes.length], { ...opts, yFmt: () => "", left });
  svg.querySelectorAll("text.tick[text-anchor=end]").forEach(t => t.remove());
  const laneH = (f.H - f.T - f.B) / lanes.length;
  const every = Math.ceil(lanes.length / Math.max(1, Math.floor((f.H - f.T - f.B) / 13)));
  lanes.forEach((name, i) => {
    if (i % every === 0) svg.append(svgEl("text", { x: f.L - 8, y: f.y(i + 0.5) + 4, "text-anchor": "end", class: "tick" }, name));
  });
  const r = Math.max(1.2, Math.min(4, laneH / 2.6, (f.W - f.L - f.R) / Math.max(1, new Set(xs).size) / 2.2));
  for (const m of marks) svg.append(svgEl("circle", { cx: f.x(m.x), cy: f.y(m.lane + 0.5), r: m.big ? r + 1 : r, fill: m.color, opacity: m.big ? 1 : 0.85 }));
  hoverable(svg, f, x => {
    const at = nearest(marks.map(m => [m.x, m.lane, m]), x);
    const same = marks.filter(m => m.x === at[0]);
    return [`<b>${opts.xFmt(at[0])}</b>`, ...opts.describe(same)];
  }, null);
}

function nearest(points, x) {
  let lo = 0, hi = points.length - 1;
  if (hi < 0) return null;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (points[mid][0] < x) lo = mid + 1; else hi = mid; }
  const a = points[Math.max(0, lo - 1)], b = points[lo];
  return Math.abs(a[0] - x) <= Math.abs(b[0] - x) ? a : b;
}

// A crosshair and a read-out that follow the mouse; describe(x) returns the read-out's lines.
function hoverable(svg, f, describe, xFmt) {
  svg.__hover = { f, describe, xFmt };
  if (svg.__hoverBound) return;
  svg.__hoverBound = true;
  const tip = document.getElementById("tooltip");
  svg.addEventListener("mousemove", e => {
    const h = svg.__hover; if (!h) return;
    const box = svg.getBoundingClientRect(), scale = h.f.W / box.width;
    const px = (e.clientX - box.left) * scale;
    if (px < h.f.L || px > h.f.W - h.f.R) { hide(); return; }
    const x = h.f.x0 + (px - h.f.L) / (h.f.W - h.f.L - h.f.R) * (h.f.x1 - h.f.x0);
    let cross = svg.querySelector(".cross");
    if (!cross) { cross = svgEl("rect", { class: "cross", width: 1, y: h.f.T, height: h.f.H - h.f.T - h.f.B }); svg.append(cross); }
    cross.setAttribute("x", px);
    const lines = h.describe(x);
    tip.innerHTML = (h.xFmt ? `<b>${h.xFmt(x)}</b><br>` : "") + lines.join("<br>");
    tip.style.display = "block";
    tip.style.left = Math.min(window.innerWidth - tip.offsetWidth - 12, e.clientX + 14) + "px";
    tip.style.top = (e.clientY + 14) + "px";
  });
  const hide = () => { tip.style.display = "none"; svg.querySelector(".cross")?.remove(); };
  svg.addEventListener("mouseleave", hide);
}

// Horizontal stacked bars in HTML: rows [{label, href, parts: [v...]}], one colour per part name.
function hbars(id, rows, names, valueFmt) {
  const box = document.getElementById(id);
  const max = Math.max(1e-9, ...rows.map(r => r.parts.reduce((a, v) => a + v, 0)));
  box.innerHTML = rows.length === 0 ? `<div class="hint">no data yet</div>` : rows.map(r => {
    const total = r.parts.reduce((a, v) => a + v, 0);
    const segs = r.parts.map((v, i) => v ? `<span title="${esc(names[i])}: ${esc(valueFmt(v))}" style="width:${(100 * v / max).toFixed(2)}%;background:${color(i)}"></span>` : "").join("");
    const label = r.href ? `<a href="${esc(r.href)}">${esc(r.label)}</a>` : esc(r.label);
    return `<div class="hbar"><div class="hl">${label}</div><div class="ht">${segs}</div><div class="hv">${esc(valueFmt(total))}</div></div>`;
  }).join("");
  legend(id + "-l", names);
}
