// Trace: every record of one correlation ID as a timeline (offset from the first, time to the next,
// status colours, errors expanded), a waterfall of step durations and the summary line.
// State: view=trace, id.
import { getJSON } from "./api.js";
import { el, svg, formatTime, formatDuration, formatOffset } from "./format.js";
import { recordDetail } from "./records.js";
import { writeState } from "./url-state.js";

export function render(root, state) {
  const input = el("input", { id: "q", type: "search", class: "query", value: state.id || "", spellcheck: "false",
    placeholder: "correlation ID", "aria-label": "Correlation ID (press / to focus)" });
  const form = el("form", { class: "querybar" }, input, el("button", { type: "submit" }, "Show"));
  const body = el("div", { id: "trace" });
  root.replaceChildren(form, body);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    writeState({ view: "trace", id: input.value.trim() });
    window.dispatchEvent(new Event("viewer:navigate"));
  });
  if (!state.id) { body.replaceChildren(el("p", { class: "hint" }, "Type a correlation ID, or click one on the search page.")); return () => {}; }
  const controller = new AbortController();
  load(state.id, body, root, controller.signal);
  return () => controller.abort();
}

async function load(id, body, root, signal) {
  body.replaceChildren("loading…");
  let t;
  try {
    t = await getJSON("/trace/" + encodeURIComponent(id), {}, { signal });
  } catch (error) {
    if (error.name === "AbortError") return;
    body.replaceChildren(el("div", { class: "error", role: "alert" }, error.status === 404 ? `No records with correlation ID ${id}.` : error.message));
    root.dataset.loaded = "error";
    return;
  }
  const records = t.records;
  const worst = records.reduce((w, x) => (rank(x.record.level) > rank(w) ? x.record.level : w), "trace");
  const summary = el("p", { class: "trace-summary summary", id: "trace-summary" },
    el("span", { class: "status status-" + t.status }, t.status === "failed" ? "✗ failed" : "✓ ok"),
    ` · ${t.steps} steps · ${formatDuration(t.duration_ns)} total · started ${formatTime(records[0].record.timestamp_ns)} · sources: ${t.sources.join(", ")}`,
    worst !== "info" && t.status !== "failed" ? ` · worst level ${worst}` : "");
  const rows = records.map((x, i) => {
    const r = x.record;
    const next = i + 1 < records.length ? records[i + 1].since_previous_ns : null;
    const row = el("tr", { class: "rec step lv-" + r.level, tabindex: 0, dataset: { offsetNs: x.offset_ns } },
      el("td", { class: "num offset" }, formatOffset(x.offset_ns)),
      el("td", { class: "num" }, next === null ? "end" : formatDuration(next)),
      el("td", {}, el("span", { class: "lv lv-" + r.level }, r.level)),
      el("td", {}, r.source),
      el("td", { class: "msg" }, r.message.split("\n", 1)[0]));
    const detail = el("tr", { class: "detail", hidden: rank(r.level) < rank("error") }, el("td", { colspan: 5 }, recordDetail(r)));
    const toggle = () => { detail.hidden = !detail.hidden; };
    row.addEventListener("click", toggle);
    row.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); toggle(); }
      else if (e.key === "ArrowDown" || e.key === "j") { e.preventDefault(); detail.nextElementSibling?.focus(); }
      else if (e.key === "ArrowUp" || e.key === "k") { e.preventDefault(); row.previousElementSibling?.previousElementSibling?.focus(); }
    });
    return [row, detail];
  });
  const table = el("table", { class: "records timeline", id: "timeline" },
    el("thead", {}, el("tr", {}, el("th", {}, "offset"), el("th", {}, "to next"), el("th", {}, "level"), el("th", {}, "source"), el("th", {}, "message"))),
    el("tbody", {}, rows));
  body.replaceChildren(summary, el("h2", {}, "Waterfall"), waterfall(records, Number(t.duration_ns)), el("h2", {}, "Timeline"), table);
  root.dataset.loaded = "true";
}

const LEVEL_RANK = { trace: 0, debug: 1, info: 2, notice: 3, warning: 4, error: 5, critical: 6 };
function rank(level) { return LEVEL_RANK[level] ?? 2; }

/** One bar per step, from its offset to the next record's (the last step is a tick). */
function waterfall(records, total) {
  const W = 1000, rowH = 18, left = 260;
  const H = records.length * rowH + 24;
  const span = Math.max(1, total);
  const x = (ns) => left + (ns / span) * (W - left - 70);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart waterfall", role: "img", "aria-label": "Step durations" });
  records.forEach((s, i) => {
    const offset = Number(s.offset_ns);
    const next = i + 1 < records.length ? Number(records[i + 1].offset_ns) : offset;
    const y = i * rowH + 4;
    const label = s.record.message.split("\n", 1)[0];
    root.append(svg("text", { x: 4, y: y + 13, class: "tick" }, label.length > 38 ? label.slice(0, 37) + "…" : label));
    root.append(svg("rect", { x: x(offset), y: y + 2, width: Math.max(2, x(next) - x(offset)), height: rowH - 5, class: "lv-fill-" + s.record.level },
      svg("title", {}, `${label}\n${formatOffset(offset)} · ${formatDuration(next - offset)}`)));
    root.append(svg("text", { x: Math.min(x(next) + 4, W - 66), y: y + 13, class: "tick" }, i + 1 < records.length ? formatDuration(next - offset) : ""));
  });
  root.append(svg("text", { x: W - 4, y: H - 4, class: "tick", "text-anchor": "end" }, formatDuration(total)));
  return root;
}
