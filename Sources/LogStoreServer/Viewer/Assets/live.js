// Live: records as they commit (the SSE tail over fetch, resumed with Last-Event-ID after a drop),
// newest on top, pause and resume, a cap on rows kept. State: view=live, q, cap.
import { followTail } from "./api.js";
import { el, formatNumber, addCondition } from "./format.js";
import { recordRow } from "./records.js";
import { writeState } from "./url-state.js";

export function render(root, state) {
  const cap = Number(state.cap) || 1000;
  const input = el("input", { id: "q", type: "search", class: "query", value: state.q || "", spellcheck: "false", autocomplete: "off",
    placeholder: "level >= error", "aria-label": "Filter (press / to focus)" });
  const capSelect = el("select", { id: "cap", "aria-label": "Rows kept" },
    [200, 1000, 5000].map((n) => el("option", { value: n, selected: n === cap }, `keep ${n}`)));
  const pause = el("button", { type: "button", id: "pause", "aria-pressed": "false" }, "Pause");
  const form = el("form", { class: "querybar" }, input, capSelect, el("button", { type: "submit" }, "Follow"), pause);
  const status = el("div", { class: "summary", id: "live-status", role: "status" }, "connecting…");
  const tbody = el("tbody", { id: "live-rows" });
  root.replaceChildren(form, status, el("table", { class: "records" },
    el("thead", {}, el("tr", {}, el("th", {}, "time"), el("th", {}, "level"), el("th", {}, "source"), el("th", {}, "message"))), tbody));

  const go = (patch) => { writeState({ ...state, ...patch }); window.dispatchEvent(new Event("viewer:navigate")); };
  form.addEventListener("submit", (e) => { e.preventDefault(); go({ q: input.value.trim(), cap: capSelect.value }); });
  const onFilter = (cond) => go({ q: addCondition(state.q, cond) });

  let received = 0, dropped = 0, tail = null, paused = false, connection = "connecting…";
  const show = () => {
    status.textContent = `${paused ? "paused" : connection} · ${formatNumber(received)} received` +
      (dropped ? ` · ${formatNumber(dropped)} skipped by the server (slow client)` : "") + ` · ${tbody.rows.length} shown`;
  };
  const start = (after) => {
    tail = followTail({ where: state.q || "" }, {
      after,
      onRecord(record) {
        received++;
        tbody.prepend(recordRow(record, { onFilter }));
        while (tbody.rows.length > cap) tbody.lastElementChild.remove();
        show();
      },
      onStatus(text, failed) {
        connection = text;
        if (failed) status.classList.add("error");
        show();
        root.dataset.live = text.startsWith("live") ? "connected" : text;
      },
      onEvent(name, data) {
        if (name === "dropped" && data) dropped += data.count;
        if (name === "damaged" && data) tbody.prepend(el("tr", { class: "damaged" }, el("td", { colspan: 4 }, `damaged: ${data.file} at ${data.offset}: ${data.reason}`)));
        show();
      },
    });
  };
  // Pausing closes the stream; resuming reconnects after the last record seen, so nothing is missed.
  pause.addEventListener("click", () => {
    paused = !paused;
    pause.textContent = paused ? "Resume" : "Pause";
    pause.setAttribute("aria-pressed", String(paused));
    if (paused) { const last = tail.lastId(); tail.stop(); tail = { stop() {}, lastId: () => last }; }
    else start(tail.lastId());
    show();
  });
  start(null);
  return () => tail.stop();
}
