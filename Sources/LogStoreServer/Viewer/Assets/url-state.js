// The whole view lives in the URL's query string, so a link reopens the same view.

/** The current state: every query parameter, `view` defaulting to "search". */
export function readState() {
  const params = new URLSearchParams(location.search);
  const state = {};
  for (const [k, v] of params) state[k] = v;
  if (!state.view) state.view = "search";
  return state;
}

/** Writes `state` into the URL (push: a new history entry; otherwise replace). Empty values are left out. */
export function writeState(state, { push = true } = {}) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(state)) {
    if (v === undefined || v === null || v === "") continue;
    params.set(k, String(v));
  }
  const url = "?" + params.toString();
  if (url === location.search) return;
  if (push) history.pushState(null, "", url); else history.replaceState(null, "", url);
}

/** A link to another view of the viewer (same origin, no token). */
export function viewLink(state) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(state)) if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  return "?" + params.toString();
}
