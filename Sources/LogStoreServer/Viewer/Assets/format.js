// DOM building (text only, never HTML strings) and formatting of times, durations and numbers.

/** An element with attributes/properties and children (strings become text nodes). */
export function el(tag, attrs = {}, ...children) {
  const node = tag === "svg" || attrs.svg ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false || k === "svg") continue;
    if (k === "class") node.setAttribute("class", v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(node.dataset, v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function svg(tag, attrs = {}, ...children) {
  return el(tag, { ...attrs, svg: true }, ...children);
}

/** Nanoseconds (number or string) to a Date; sub-millisecond digits are kept by formatTime. */
export function nsToMs(ns) {
  return Number(BigInt(ns) / 1000000n);
}

export function msToNs(ms) {
  return (BigInt(Math.round(ms)) * 1000000n).toString();
}

/** `2026-12-07 14:03:05.123` in local time. */
export function formatTime(ns) {
  const d = new Date(nsToMs(ns));
  const p = (n, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** A duration in nanoseconds as `850 µs`, `12.5 ms`, `3.20 s`, `4m 05s`. */
export function formatDuration(ns) {
  const n = Number(ns);
  if (n < 1e3) return `${n} ns`;
  if (n < 1e6) return `${(n / 1e3).toFixed(0)} µs`;
  if (n < 1e9) return `${+(n / 1e6).toFixed(1)} ms`;
  if (n < 60e9) return `${(n / 1e9).toFixed(2)} s`;
  const s = Math.round(n / 1e9);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** An offset from the first record: `+1.250 s`. */
export function formatOffset(ns) {
  return `+${(Number(ns) / 1e9).toFixed(3)} s`;
}

export function formatNumber(v) {
  if (v === null || v === undefined) return "–";
  if (typeof v === "string") return v;
  return Number.isInteger(v) ? v.toLocaleString("en-US") : (+v.toFixed(2)).toLocaleString("en-US");
}

export function formatPercent(rate) {
  return `${(rate * 100).toFixed(rate > 0 && rate < 0.001 ? 3 : 1)}%`;
}

export const LEVELS = ["trace", "debug", "info", "notice", "warning", "error", "critical"];

/** A value as the filter language writes it: bare when safe, else double-quoted. */
export function quoteValue(v) {
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  const s = String(v);
  if (/^-?[0-9.]+([eE][-+]?[0-9]+)?$/.test(s) || /^(true|false)$/i.test(s)) return '"' + s + '"';
  if (/^[A-Za-z0-9_.:\-\/]+$/.test(s) && !/^(and|or|not|in)$/i.test(s)) return s;
  return '"' + s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\t/g, "\\t").replace(/\r/g, "\\r") + '"';
}

/** The condition "field = value" of the filter language. */
export function condition(field, value, exclude = false) {
  const c = `${field} = ${quoteValue(value)}`;
  return exclude ? `not ${c}` : c;
}

/** `where` with one more condition joined by `and`. */
export function addCondition(where, cond) {
  const w = (where || "").trim();
  if (!w) return cond;
  return /\bor\b/i.test(w) ? `(${w}) and ${cond}` : `${w} and ${cond}`;
}
