// Two small SVG charts: a histogram of counts stacked by level (drag across it to zoom into a range)
// and a line chart of series with an optional threshold line. No library; colours come from style.css.
import { svg, el, formatTime, formatNumber, nsToMs, LEVELS } from "./format.js";

const W = 1000;

/** The smallest of 1, 2, 2.5, 5 × 10^k at or above v: round axis ends, so the four ticks are round too. */
function niceCeil(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 4, 5, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/**
 * The hits histogram. buckets: [{timestamp_ns, count, by: {level: n}}]; sinceNs/untilNs/stepNs as
 * numbers of milliseconds-precision nanoseconds (BigInt-safe strings are converted by the caller).
 * onZoom(fromMs, toMs) is called after a drag; onPick(bucketStartMs) after a click on a bar.
 */
export function histogram(container, { buckets, sinceMs, untilMs, stepMs, onZoom }) {
  const H = 140, top = 8, bottom = 22, left = 44;
  const plotW = W - left - 4, plotH = H - top - bottom;
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const x = (ms) => left + ((ms - sinceMs) / Math.max(1, untilMs - sinceMs)) * plotW;
  const y = (n) => top + plotH - (n / max) * plotH;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart histogram", role: "img",
    "aria-label": `Records over time, ${buckets.reduce((s, b) => s + b.count, 0)} in all` });
  // Axis: a few ticks.
  for (let i = 0; i <= 4; i++) {
    const ms = sinceMs + ((untilMs - sinceMs) * i) / 4;
    root.append(svg("text", { x: x(ms), y: H - 6, class: "tick", "text-anchor": i === 0 ? "start" : i === 4 ? "end" : "middle" }, formatTime(BigInt(Math.round(ms)) * 1000000n).slice(5, 16)));
  }
  root.append(svg("text", { x: left - 4, y: top + 8, class: "tick", "text-anchor": "end" }, formatNumber(max)));
  root.append(svg("line", { x1: left, x2: W - 4, y1: top + plotH, y2: top + plotH, class: "axis" }));
  const barW = Math.max(1, (stepMs / Math.max(1, untilMs - sinceMs)) * plotW - 1);
  for (const b of buckets) {
    const startMs = nsToMs(b.timestamp_ns);
    let base = 0;
    const g = svg("g", { class: "bar" });
    for (const level of LEVELS) {
      const n = (b.by && b.by[level]) || 0;
      if (!n) continue;
      g.append(svg("rect", { x: x(startMs), y: y(base + n), width: barW, height: Math.max(0.5, y(base) - y(base + n)), class: "lv-fill-" + level }));
      base += n;
    }
    const other = b.count - base;
    if (other > 0) g.append(svg("rect", { x: x(startMs), y: y(base + other), width: barW, height: y(base) - y(base + other), class: "lv-fill-info" }));
    g.append(svg("title", {}, `${formatTime(b.timestamp_ns)}: ${formatNumber(b.count)}` +
      Object.entries(b.by || {}).map(([k, v]) => `\n${k}: ${formatNumber(v)}`).join("")));
    root.append(g);
  }
  // Drag to zoom.
  const band = svg("rect", { class: "zoom-band", y: top, height: plotH, width: 0, x: 0, visibility: "hidden" });
  root.append(band);
  let startX = null;
  const toSvgX = (event) => {
    const r = root.getBoundingClientRect();
    return ((event.clientX - r.left) / r.width) * W;
  };
  const toMs = (sx) => sinceMs + ((Math.min(Math.max(sx, left), W - 4) - left) / plotW) * (untilMs - sinceMs);
  root.addEventListener("pointerdown", (e) => { startX = toSvgX(e); root.setPointerCapture(e.pointerId); });
  root.addEventListener("pointermove", (e) => {
    if (startX === null) return;
    const cx = toSvgX(e);
    band.setAttribute("x", Math.min(startX, cx));
    band.setAttribute("width", Math.abs(cx - startX));
    band.setAttribute("visibility", "visible");
  });
  root.addEventListener("pointerup", (e) => {
    if (startX === null) return;
    const endX = toSvgX(e);
    const a = toMs(Math.min(startX, endX)), b = toMs(Math.max(startX, endX));
    startX = null;
    band.setAttribute("visibility", "hidden");
    if (b - a >= Math.max(1000, stepMs / 2)) onZoom(a, b);
  });
  container.replaceChildren(root);
}

/**
 * A line chart: series [{name, points: [{ms, value}]}], optional threshold (a horizontal line).
 * Each series gets a colour class c0…c7 and a legend entry.
 */
export function lineChart(container, { series, sinceMs, untilMs, threshold, unit = "" }) {
  const H = 220, top = 10, bottom = 22, left = 56;
  const plotW = W - left - 8, plotH = H - top - bottom;
  const values = series.flatMap((s) => s.points.map((p) => p.value)).filter((v) => v !== null && v !== undefined);
  if (threshold !== null && threshold !== undefined && !Number.isNaN(threshold)) values.push(threshold);
  const max = niceCeil(Math.max(1e-9, ...values) * 1.05);
  const x = (ms) => left + ((ms - sinceMs) / Math.max(1, untilMs - sinceMs)) * plotW;
  const y = (v) => top + plotH - (v / max) * plotH;
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart line-chart", role: "img", "aria-label": "Per-bucket values" });
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    root.append(svg("line", { x1: left, x2: W - 8, y1: y(v), y2: y(v), class: "grid" }));
    root.append(svg("text", { x: left - 4, y: y(v) + 4, class: "tick", "text-anchor": "end" }, formatNumber(Math.round(v * 100) / 100) + unit));
  }
  for (let i = 0; i <= 4; i++) {
    const ms = sinceMs + ((untilMs - sinceMs) * i) / 4;
    root.append(svg("text", { x: x(ms), y: H - 6, class: "tick", "text-anchor": i === 0 ? "start" : i === 4 ? "end" : "middle" }, formatTime(BigInt(Math.round(ms)) * 1000000n).slice(5, 16)));
  }
  series.forEach((s, i) => {
    const pts = s.points.filter((p) => p.value !== null && p.value !== undefined);
    if (!pts.length) return;
    const d = pts.map((p, j) => `${j ? "L" : "M"}${x(p.ms).toFixed(1)},${y(p.value).toFixed(1)}`).join(" ");
    root.append(svg("path", { d, class: `series c${i % 8}` }));
    for (const p of pts) root.append(svg("circle", { cx: x(p.ms), cy: y(p.value), r: 2.5, class: `dot c${i % 8}` }, svg("title", {}, `${s.name} ${formatTime(BigInt(Math.round(p.ms)) * 1000000n)}: ${formatNumber(p.value)}${unit}`)));
  });
  if (threshold !== null && threshold !== undefined && !Number.isNaN(threshold)) {
    root.append(svg("line", { x1: left, x2: W - 8, y1: y(threshold), y2: y(threshold), class: "threshold" }));
    root.append(svg("text", { x: W - 10, y: y(threshold) - 4, class: "tick threshold-label", "text-anchor": "end" }, `SLO ${formatNumber(threshold)}${unit}`));
  }
  const legend = el("ul", { class: "legend" }, series.map((s, i) => el("li", {}, el("span", { class: `swatch c${i % 8}` }), s.name || "(all)")));
  container.replaceChildren(root, legend);
}
