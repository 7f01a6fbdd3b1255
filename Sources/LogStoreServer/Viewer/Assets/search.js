// Search: query box, time range, histogram stacked by level (drag to zoom), results paged by cursor
// while scrolling, facets, click-to-filter, expandable records with context. State: view=search,
// q (filter language), range (15m|1h|24h|7d|abs), from/to (ISO, with range=abs).
import { getJSON, ApiError } from "./api.js";
import { histogram } from "./chart.js";
import { el, formatTime, formatNumber, msToNs, addCondition, condition } from "./format.js";
import { recordRow } from "./records.js";
import { writeState } from "./url-state.js";

export const PRESETS = { "15m": 15 * 60e3, "1h": 3600e3, "24h": 86400e3, "7d": 7 * 86400e3 };
const STEPS = [["1s", 1e3], ["5s", 5e3], ["10s", 10e3], ["30s", 30e3], ["1m", 60e3], ["5m", 300e3], ["10m", 600e3],
  ["30m", 1800e3], ["1h", 3600e3], ["3h", 10800e3], ["6h", 21600e3], ["12h", 43200e3], ["1d", 86400e3]];
const PAGE = 100;
const FACET_SCAN = 100000;

/** The range of a state as milliseconds: presets end now. */
export function rangeOf(state) {
  if (state.range === "abs" && state.from && state.to) {
    const a = Date.parse(state.from), b = Date.parse(state.to);
    if (!Number.isNaN(a) && !Number.isNaN(b) && a < b) return { sinceMs: a, untilMs: b };
  }
  const now = Date.now();
  return { sinceMs: now - (PRESETS[state.range] || PRESETS["1h"]), untilMs: now };
}

/** A step that gives at most ~120 bars. */
function stepFor(spanMs) {
  for (const [text, ms] of STEPS) if (spanMs / ms <= 120) return { text, ms };
  return { text: "1d", ms: 86400e3 };
}

/** The time-range controls shared by search and stats: presets, absolute from/to. */
export function rangeControls(state) {
  const select = el("select", { id: "range", "aria-label": "Time range" },
    ["15m", "1h", "24h", "7d"].map((p) => el("option", { value: p, selected: state.range === p }, "last " + p)),
    el("option", { value: "abs", selected: state.range === "abs" }, "absolute…"));
  const local = (ms) => { const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60e3); return d.toISOString().slice(0, 19); };
  const { sinceMs, untilMs } = rangeOf(state);
  const from = el("input", { type: "datetime-local", step: 1, id: "from", "aria-label": "From", value: local(sinceMs) });
  const to = el("input", { type: "datetime-local", step: 1, id: "to", "aria-label": "To", value: local(untilMs) });
  const absolute = el("span", { class: "absolute", hidden: state.range !== "abs" }, from, "–", to);
  select.addEventListener("change", () => { absolute.hidden = select.value !== "abs"; });
  return {
    nodes: [select, absolute],
    read() {
      if (select.value !== "abs") return { range: select.value, from: "", to: "" };
      return { range: "abs", from: new Date(from.value).toISOString(), to: new Date(to.value).toISOString() };
    },
  };
}

/** Shows a `where` error with a caret under its column, and puts the cursor there. */
export function showQueryError(box, input, error) {
  if (!(error instanceof ApiError) || error.column === null) {
    box.replaceChildren(el("strong", {}, "Error: "), error.message);
  } else {
    box.replaceChildren(el("strong", {}, `Error at column ${error.column}: `), error.reason,
      el("pre", { class: "caret" }, input.value + "\n" + " ".repeat(Math.max(0, error.column - 1)) + "^"));
    input.focus();
    input.setSelectionRange(error.column - 1, error.column - 1);
  }
  box.hidden = false;
}

export function render(root, state) {
  const input = el("input", { id: "q", type: "search", class: "query", value: state.q || "", spellcheck: "false", autocomplete: "off",
    placeholder: 'level >= warning and source = "api"', "aria-label": "Filter (press / to focus)" });
  const range = rangeControls(state);
  const form = el("form", { class: "querybar", role: "search" }, input, range.nodes, el("button", { type: "submit" }, "Search"));
  const errorBox = el("div", { class: "error", role: "alert", hidden: true });
  const summary = el("div", { class: "summary", id: "summary" }, "…");
  const chart = el("div", { class: "histogram-box", id: "histogram" });
  const facets = el("aside", { class: "facets", id: "facets", "aria-label": "Facets" });
  const tbody = el("tbody", { id: "results" });
  const table = el("table", { class: "records" }, el("thead", {}, el("tr", {}, el("th", {}, "time"), el("th", {}, "level"), el("th", {}, "source"), el("th", {}, "message"))), tbody);
  const sentinel = el("div", { class: "sentinel", id: "more" });
  root.replaceChildren(form, errorBox, summary, chart, el("div", { class: "split" }, facets, el("div", { class: "results" }, table, sentinel)));

  const go = (patch) => { writeState({ ...state, ...patch }); window.dispatchEvent(new Event("viewer:navigate")); };
  form.addEventListener("submit", (e) => { e.preventDefault(); go({ q: input.value.trim(), ...range.read() }); });
  const onFilter = (cond) => go({ q: addCondition(state.q, cond) });

  const { sinceMs, untilMs } = rangeOf(state);
  const base = { where: state.q || "", since: msToNs(sinceMs), until: msToNs(untilMs) };
  const controller = new AbortController();
  const signal = controller.signal;
  let cursor = null, loading = false, done = false, shown = 0;

  async function page() {
    if (loading || done) return;
    loading = true;
    try {
      const answer = await getJSON("/query", { ...base, order: "desc", limit: PAGE, cursor }, { signal });
      for (const r of answer.records) tbody.append(recordRow(r, { onFilter, onContext: (rec, box) => context(rec, box, signal) }));
      shown += answer.records.length;
      cursor = answer.next_cursor;
      done = !cursor;
      sentinel.textContent = done ? (shown ? `${formatNumber(shown)} shown — the end` : "No records in this range.") : "loading more…";
      root.dataset.loaded = "true";
    } catch (error) {
      if (error.name === "AbortError") return;
      showQueryError(errorBox, input, error);
      done = true;
      sentinel.textContent = "";
      root.dataset.loaded = "error";
    } finally {
      loading = false;
    }
    // Keep filling while the sentinel is still on screen.
    if (!done && sentinel.getBoundingClientRect().top < window.innerHeight + 200) page();
  }

  async function hits() {
    const step = stepFor(untilMs - sinceMs);
    try {
      const answer = await getJSON("/hits", { ...base, step: step.text, by: "level" }, { signal });
      const total = answer.buckets.reduce((s, b) => s + b.count, 0);
      summary.replaceChildren(el("strong", { id: "total" }, formatNumber(total)), ` records from ${formatTime(msToNs(sinceMs))} to ${formatTime(msToNs(untilMs))}`,
        el("span", { class: "hint" }, ` · ${step.text} bars · drag across the chart to zoom`));
      histogram(chart, { buckets: answer.buckets, sinceMs, untilMs, stepMs: step.ms,
        onZoom: (a, b) => go({ range: "abs", from: new Date(a).toISOString(), to: new Date(b).toISOString() }) });
      root.dataset.histogram = "true";
    } catch (error) {
      if (error.name === "AbortError") return;
      summary.textContent = "";
      showQueryError(errorBox, input, error);
    }
  }

  async function loadFacets() {
    try {
      // The newest records decide the facets: bounded work however many records the range holds.
      const answer = await getJSON("/facets", { ...base, limit: 8, scan: FACET_SCAN, order: "desc" }, { signal });
      facets.replaceChildren(...Object.entries(answer.facets).filter(([, values]) => values.length).map(([field, values]) =>
        el("section", { class: "facet" }, el("h3", {}, field),
          el("ul", {}, values.map((v) => el("li", {},
            el("button", { type: "button", class: "facet-value", title: `Only ${field} = ${v.value}`, dataset: { field, value: v.value },
              onclick: () => onFilter(condition(field, v.value)) }, v.value === "" ? "(none)" : v.value),
            el("span", { class: "count" }, formatNumber(v.count)),
            el("button", { type: "button", class: "mini", title: `Exclude ${field} = ${v.value}`, "aria-label": `Exclude ${field} ${v.value}`,
              onclick: () => onFilter(condition(field, v.value, true)) }, "−")))))));
      if (answer.truncated) facets.append(el("p", { class: "hint", id: "facets-sample" }, `counts of the newest ${formatNumber(answer.scanned)} records`));
      root.dataset.facets = "true";
    } catch (error) {
      if (error.name !== "AbortError") facets.replaceChildren(el("p", { class: "hint" }, "facets: " + error.message));
    }
  }

  const observer = new IntersectionObserver((entries) => { if (entries.some((e) => e.isIntersecting)) page(); }, { rootMargin: "200px" });
  observer.observe(sentinel);
  hits();
  page();
  loadFacets();
  return () => { controller.abort(); observer.disconnect(); };
}

/** Ten records before and after `r` from its source, `r` marked. */
async function context(r, box, signal) {
  box.replaceChildren("loading context…");
  const cursor = `${r.timestamp_ns}:${r.seq}`;
  try {
    const [before, after] = await Promise.all([
      getJSON("/query", { source: r.source, order: "desc", limit: 10, cursor }, { signal }),
      getJSON("/query", { source: r.source, order: "asc", limit: 10, cursor }, { signal }),
    ]);
    const line = (x, current) => el("tr", { class: "lv-" + x.level + (current ? " current" : "") },
      el("td", { class: "time" }, formatTime(x.timestamp_ns)), el("td", {}, el("span", { class: "lv lv-" + x.level }, x.level)),
      el("td", { class: "msg" }, el("pre", { class: "inline" }, x.message)));
    box.replaceChildren(el("table", { class: "records context-table" }, el("tbody", {},
      before.records.slice().reverse().map((x) => line(x, false)), line(r, true), after.records.map((x) => line(x, false)))));
  } catch (error) {
    if (error.name !== "AbortError") box.replaceChildren("context: " + error.message);
  }
}
