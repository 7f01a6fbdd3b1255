// A record as a table row that expands into all its fields, with filter/exclude buttons on every
// value, the message formatted (stack traces keep their lines), context and a trace link. Shared by
// the search and live pages.
import { el, formatTime, condition } from "./format.js";
import { viewLink } from "./url-state.js";

/** The trace page's link for a correlation ID. */
export function traceLink(id) {
  return el("a", { href: viewLink({ view: "trace", id }), class: "corr", title: "Open the trace of " + id }, id);
}

/**
 * A filter/exclude pair for one value. onFilter(cond) receives the condition text.
 */
function valueButtons(field, value, onFilter) {
  if (!onFilter) return [];
  return [
    el("button", { type: "button", class: "mini", title: `Filter: ${field} = ${value}`, "aria-label": `Filter by ${field} ${value}`, dataset: { filter: field }, onclick: (e) => { e.stopPropagation(); onFilter(condition(field, value)); } }, "+"),
    el("button", { type: "button", class: "mini", title: `Exclude: ${field} = ${value}`, "aria-label": `Exclude ${field} ${value}`, dataset: { exclude: field }, onclick: (e) => { e.stopPropagation(); onFilter(condition(field, value, true)); } }, "−"),
  ];
}

/** A clickable value in a row: a click filters by it, a shift-click excludes it. */
function clickable(field, value, text, className, onFilter) {
  if (!onFilter) return el("span", { class: className }, text);
  return el("button", {
    type: "button", class: "value " + className, title: `Click: only ${field} = ${value}; shift-click: exclude`,
    dataset: { field, value: String(value) },
    onclick: (e) => { e.stopPropagation(); onFilter(condition(field, value, e.shiftKey)); },
  }, text);
}

/** The row for one record; options.onFilter(cond), options.onContext(record, detailNode). */
export function recordRow(r, options = {}) {
  const firstLine = r.message.split("\n", 1)[0];
  const multi = r.message.includes("\n");
  const row = el("tr", { class: "rec lv-" + r.level, tabindex: 0, dataset: { seq: r.seq } },
    el("td", { class: "time" }, formatTime(r.timestamp_ns)),
    el("td", {}, clickable("level", r.level, r.level, "lv lv-" + r.level, options.onFilter)),
    el("td", {}, clickable("source", r.source, r.source, "src", options.onFilter)),
    el("td", { class: "msg" }, firstLine, multi ? el("span", { class: "more", title: "more lines" }, " ⏎") : null,
      r.correlation_id ? [" ", traceLink(r.correlation_id)] : null));
  let detail = null;
  const toggle = () => {
    if (detail) { detail.remove(); detail = null; row.setAttribute("aria-expanded", "false"); return; }
    detail = el("tr", { class: "detail" }, el("td", { colspan: 4 }, recordDetail(r, options)));
    row.after(detail);
    row.setAttribute("aria-expanded", "true");
  };
  row.addEventListener("click", (e) => { if (!e.target.closest("a,button")) toggle(); });
  row.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); toggle(); }
    else if (e.key === "ArrowDown" || e.key === "j") { e.preventDefault(); nextRow(row, 1)?.focus(); }
    else if (e.key === "ArrowUp" || e.key === "k") { e.preventDefault(); nextRow(row, -1)?.focus(); }
  });
  row.setAttribute("aria-expanded", "false");
  return row;
}

function nextRow(row, direction) {
  let n = direction > 0 ? row.nextElementSibling : row.previousElementSibling;
  while (n && !n.classList.contains("rec")) n = direction > 0 ? n.nextElementSibling : n.previousElementSibling;
  return n;
}

/** Every field of a record, the message as preformatted text. */
export function recordDetail(r, options = {}) {
  const rows = [
    ["time", r.timestamp + `  (${r.timestamp_ns} ns)`, null],
    ["seq", String(r.seq), null],
    ["level", r.level, "level"],
    ["source", r.source, "source"],
  ];
  if (r.correlation_id) rows.push(["correlation", r.correlation_id, "correlation"]);
  const dl = el("table", { class: "fields" },
    rows.map(([k, v, field]) => el("tr", {}, el("th", {}, k),
      el("td", {}, field === "correlation" ? traceLink(v) : v, field ? valueButtons(field, v, options.onFilter) : []))),
    Object.entries(r.attributes).map(([k, v]) => el("tr", {}, el("th", {}, "attr." + k),
      el("td", {}, el("span", { class: "attr-value" }, typeof v === "string" ? v : JSON.stringify(v)), valueButtons("attr." + k, v, options.onFilter)))));
  const parts = [el("pre", { class: "message" }, r.message), dl];
  if (options.onContext) {
    const box = el("div", { class: "context" });
    parts.push(el("button", { type: "button", class: "context-button", onclick: () => options.onContext(r, box) }, "Show context (same source)"), box);
  }
  return el("div", { class: "record-detail" }, parts);
}
