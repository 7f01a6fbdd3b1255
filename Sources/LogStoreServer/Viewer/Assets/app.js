// The viewer's shell: picks the page from the URL (view=search|live|trace|stats), renders it, and
// re-renders on back/forward and on in-page navigation. Keyboard: / focuses the query box,
// g then s/l/t/p switches page, Escape leaves the box.
import { readState, writeState } from "./url-state.js";
import { askToken, token } from "./api.js";
import * as search from "./search.js";
import * as live from "./live.js";
import * as trace from "./trace.js";
import * as stats from "./stats.js";

const PAGES = { search, live, trace, stats };
const root = document.getElementById("page");
let cleanup = () => {};

function show() {
  cleanup();
  const state = readState();
  const page = PAGES[state.view] ? state.view : "search";
  for (const a of document.querySelectorAll("nav a")) {
    if (a.dataset.view === page) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  document.title = `LogStore · ${page}`;
  root.dataset.view = page;
  delete root.dataset.loaded;
  delete root.dataset.histogram;
  delete root.dataset.facets;
  delete root.dataset.live;
  cleanup = PAGES[page].render(root, state) || (() => {});
}

for (const a of document.querySelectorAll("nav a")) {
  a.addEventListener("click", (e) => {
    if (e.metaKey || e.ctrlKey || e.shiftKey) return;
    e.preventDefault();
    const current = readState();
    // The filter and range travel between pages; the rest belongs to each page.
    writeState({ view: a.dataset.view, q: current.q, range: current.range, from: current.from, to: current.to });
    show();
  });
}
document.getElementById("token-button").addEventListener("click", () => askToken(token() ? "Replace the token." : "Enter a token.").then(show));
window.addEventListener("popstate", show);
window.addEventListener("viewer:navigate", show);

let pendingG = false;
document.addEventListener("keydown", (e) => {
  const typing = e.target.closest("input, textarea, select");
  if (e.key === "Escape" && typing) { e.target.blur(); return; }
  if (typing || e.metaKey || e.ctrlKey || e.altKey) return;
  if (e.key === "/") { e.preventDefault(); document.getElementById("q")?.focus(); return; }
  if (e.key === "g") { pendingG = true; return; }
  if (pendingG) {
    pendingG = false;
    const view = { s: "search", l: "live", t: "trace", p: "stats" }[e.key];
    if (view) document.querySelector(`nav a[data-view="${view}"]`).click();
  }
  if (e.key === "?") document.getElementById("keys").toggleAttribute("open");
});

show();
