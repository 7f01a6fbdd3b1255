// The viewer's only way to the server: same-origin fetch() of /api/v1, with the bearer token the
// user typed (sessionStorage, never the URL). A 401 asks for a token and retries once.

const TOKEN_KEY = "logstore.token";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
    // `where` errors read "where: --where:1:COLUMN: reason …": the column is 1-based.
    const m = /--where:1:(\d+): ([^\n]*)/.exec(message);
    this.column = m ? Number(m[1]) : null;
    this.reason = m ? m[2] : message;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

function headers(extra = {}) {
  const h = { Accept: "application/json", ...extra };
  const t = token();
  if (t) h.Authorization = "Bearer " + t;
  return h;
}

let askingToken = null;

/** Shows the token dialog; resolves once the user saved a token. */
export function askToken(reason) {
  if (askingToken) return askingToken;
  const dialog = document.getElementById("token-dialog");
  const input = document.getElementById("token-input");
  document.getElementById("token-reason").textContent = reason;
  input.value = "";
  askingToken = new Promise((resolve) => {
    const form = dialog.querySelector("form");
    form.onsubmit = (event) => {
      event.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      dialog.close();
      askingToken = null;
      resolve();
    };
  });
  dialog.showModal();
  input.focus();
  return askingToken;
}

/**
 * The URL of an API route with its parameters; arrays repeat the parameter, empty values are left out.
 * Percent-encoded throughout: the server reads `+` as a plus, not a space (docs/SERVER.md).
 */
export function apiURL(path, params = {}) {
  const parts = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === "") continue;
    for (const one of Array.isArray(v) ? v : [v]) parts.push(encodeURIComponent(k) + "=" + encodeURIComponent(String(one)));
  }
  return "/api/v1" + path + (parts.length ? "?" + parts.join("&") : "");
}

/** GET an API route as JSON; throws ApiError with the server's message. */
export async function getJSON(path, params = {}, { signal } = {}) {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(apiURL(path, params), { headers: headers(), signal });
    if ((response.status === 401 || response.status === 403) && attempt === 0) {
      await askToken(response.status === 401 ? "This server needs a read token." : "This token may not read.");
      continue;
    }
    let body = null;
    try { body = await response.json(); } catch { body = null; }
    if (!response.ok) throw new ApiError(response.status, (body && body.error) || `${response.status} ${response.statusText}`);
    return body;
  }
}

/**
 * Follows /api/v1/tail as Server-Sent Events over fetch() (EventSource cannot send the token).
 * Calls onRecord(record, id) for each record and onStatus(text). Resumes after a dropped connection with
 * Last-Event-ID, so no record is lost or repeated. Returns { stop(), lastId() }.
 */
export function followTail(params, { onRecord, onStatus, onEvent, after = null }) {
  let lastId = after;
  let controller = null;
  let stopped = false;
  let retryMs = 2000;

  async function connect() {
    while (!stopped) {
      controller = new AbortController();
      const extra = { Accept: "text/event-stream" };
      if (lastId !== null) extra["Last-Event-ID"] = String(lastId);
      try {
        const response = await fetch(apiURL("/tail", params), { headers: headers(extra), signal: controller.signal });
        if (response.status === 401 || response.status === 403) {
          await askToken("The live tail needs a read token.");
          continue;
        }
        if (!response.ok) {
          let message = `${response.status}`;
          try { message = (await response.json()).error || message; } catch { /* not JSON */ }
          onStatus("error: " + message, true);
          return;
        }
        onStatus(lastId === null ? "live" : `live (resumed after #${lastId})`);
        await readEvents(response.body, (event) => {
          if (event.retry) { retryMs = event.retry; return; }
          if (event.event === "message" && event.data) {
            const record = JSON.parse(event.data);
            if (event.id) lastId = event.id;
            onRecord(record, event.id);
          } else if (event.event !== "message" && onEvent) {
            onEvent(event.event, event.data ? JSON.parse(event.data) : null);
          }
        });
        if (!stopped) onStatus("disconnected; reconnecting…");
      } catch (error) {
        if (stopped || error.name === "AbortError") return;
        onStatus("disconnected; reconnecting…");
      }
      await new Promise((r) => setTimeout(r, retryMs));
    }
  }
  connect();
  return {
    stop() { stopped = true; if (controller) controller.abort(); },
    lastId: () => lastId,
  };
}

/** Splits an event stream into events ({event, id, data, retry}) per the SSE rules. */
async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let event = { event: "message", id: null, data: "" };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let newline;
    while ((newline = buffer.search(/\r\n|\n|\r/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith("\r\n", newline) ? 2 : 1));
      if (line === "") {
        if (event.data !== "" || event.event !== "message") {
          if (event.data.endsWith("\n")) event.data = event.data.slice(0, -1);
          onEvent(event);
        }
        event = { event: "message", id: null, data: "" };
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let v = colon < 0 ? "" : line.slice(colon + 1);
      if (v.startsWith(" ")) v = v.slice(1);
      if (field === "data") event.data += v + "\n";
      else if (field === "event") event.event = v;
      else if (field === "id") event.id = v;
      else if (field === "retry" && /^\d+$/.test(v)) onEvent({ event: "retry-setting", retry: Number(v), data: "" });
    }
  }
}
