// Stats: grouped by source, level or an attribute — count, error rate, p50/p95/p99/max of a numeric
// field over the range and per time bucket as a line chart with an optional threshold (SLO) line.
// State: view=stats, q, range/from/to, by, field, metric (p50|p95|p99|max|count|error_rate), slo.
import { getJSON } from "./api.js";
import { lineChart } from "./chart.js";
import { el, formatNumber, formatPercent, msToNs, nsToMs, addCondition, condition } from "./format.js";
import { rangeControls, rangeOf, showQueryError } from "./search.js";
import { writeState } from "./url-state.js";

const BUCKETS = [["1m", 60e3], ["5m", 300e3], ["15m", 900e3], ["1h", 3600e3], ["3h", 10800e3], ["6h", 21600e3], ["1d", 86400e3]];

export function render(root, state) {
  const by = state.by || "source";
  const metric = state.metric || "p95";
  const input = el("input", { id: "q", type: "search", class: "query", value: state.q || "", spellcheck: "false",
    placeholder: 'source = "api"', "aria-label": "Filter (press / to focus)" });
  const range = rangeControls(state);
  const bySelect = el("input", { id: "by", list: "by-list", value: by, size: 12, "aria-label": "Group by (source, level, attr.KEY)" });
  const byList = el("datalist", { id: "by-list" }, ["source", "level"].map((v) => el("option", { value: v })));
  const field = el("input", { id: "field", value: state.field || "", size: 14, placeholder: "latency_ms", "aria-label": "Numeric attribute" });
  const metricSelect = el("select", { id: "metric", "aria-label": "Charted figure" },
    ["p50", "p95", "p99", "max", "count", "error_rate"].map((m) => el("option", { value: m, selected: m === metric }, m)));
  const slo = el("input", { id: "slo", type: "number", step: "any", value: state.slo || "", size: 7, placeholder: "SLO", "aria-label": "Threshold line" });
  const form = el("form", { class: "querybar" }, input, range.nodes,
    el("label", {}, "by ", bySelect, byList), el("label", {}, "field ", field), el("label", {}, "chart ", metricSelect), slo,
    el("button", { type: "submit" }, "Compute"));
  const errorBox = el("div", { class: "error", role: "alert", hidden: true });
  const summary = el("div", { class: "summary" });
  const chart = el("div", { class: "line-box", id: "stats-chart" });
  const table = el("table", { class: "records stats", id: "stats-table" });
  root.replaceChildren(form, errorBox, summary, chart, table);

  const go = (patch) => { writeState({ ...state, ...patch }); window.dispatchEvent(new Event("viewer:navigate")); };
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    go({ q: input.value.trim(), ...range.read(), by: bySelect.value.trim(), field: field.value.trim(), metric: metricSelect.value, slo: slo.value });
  });

  const { sinceMs, untilMs } = rangeOf(state);
  let every = BUCKETS[BUCKETS.length - 1];
  for (const b of BUCKETS) if ((untilMs - sinceMs) / b[1] <= 60) { every = b; break; }
  const controller = new AbortController();
  (async () => {
    let answer;
    try {
      answer = await getJSON("/stats", { where: state.q || "", since: msToNs(sinceMs), until: msToNs(untilMs), by, field: state.field || "", every: every[0] },
        { signal: controller.signal });
    } catch (error) {
      if (error.name !== "AbortError") { showQueryError(errorBox, input, error); root.dataset.loaded = "error"; }
      return;
    }
    const withField = Boolean(state.field);
    const heads = [by, "count", "errors", "error rate"].concat(withField ? ["n", "p50", "p95", "p99", "max"] : []);
    table.replaceChildren(el("thead", {}, el("tr", {}, heads.map((h) => el("th", { class: h === by ? "" : "num" }, h)))),
      el("tbody", {}, answer.groups.map((g) => el("tr", { dataset: { group: g[by] } },
        el("td", {}, el("button", { type: "button", class: "value", title: `Search ${by} = ${g[by]}`,
          onclick: () => { writeState({ view: "search", q: addCondition(state.q, condition(by, g[by])), range: state.range, from: state.from, to: state.to }); window.dispatchEvent(new Event("viewer:navigate")); } },
          g[by] === "" ? "(none)" : g[by])),
        el("td", { class: "num" }, formatNumber(g.count)), el("td", { class: "num" }, formatNumber(g.errors)),
        el("td", { class: "num" }, formatPercent(g.error_rate)),
        withField ? ["n", "p50", "p95", "p99", "max"].map((k) => el("td", { class: "num", dataset: { k } }, formatNumber(g[k]))) : []))));
    const chartMetric = withField || metric === "count" || metric === "error_rate" ? metric : "count";
    const series = answer.groups.slice(0, 8).map((g) => ({
      name: g[by] === "" ? "(none)" : g[by],
      points: (g.series || []).map((p) => ({ ms: nsToMs(p.timestamp_ns) + every[1] / 2, value: p[chartMetric] ?? null })),
    }));
    const threshold = state.slo !== undefined && state.slo !== "" ? Number(state.slo) : null;
    summary.replaceChildren(`${answer.groups.length} groups · ${chartMetric}${withField && chartMetric.startsWith("p") || chartMetric === "max" ? " of " + state.field : ""} per ${every[0]}`,
      answer.truncated ? " · truncated at 10M records" : "");
    lineChart(chart, { series, sinceMs, untilMs, threshold });
    root.dataset.loaded = "true";
  })();
  return () => controller.abort();
}
