"""The web viewer of `logstore serve` in headless Chromium (Selenium), against a real server on a store
with known records; every figure a page shows is compared with what the CLI computes on the same store.
Prints one `PASS name` or `FAIL name: why` line per check and saves a screenshot per page.
Usage: viewer_browser_check.py LOGSTORE_BIN SCREENSHOT_DIR"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import datetime, timezone

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

BIN = os.path.abspath(sys.argv[1])
SHOTS = os.path.abspath(sys.argv[2])
results = []


def check(name, condition, why=""):
    results.append((name, bool(condition), why))
    print(("PASS " + name) if condition else f"FAIL {name}: {why}", flush=True)


def rfc3339(ms):
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


# 1. A store with known records: an API with statuses and latencies, an auth service, and one background
#    job (correlation ID job-7f3a) of five steps ending in an error with a stack trace.
now_ms = int(time.time() * 1000)
base = (now_ms - 30 * 60_000) // 1000 * 1000
lines = []
for i in range(60):
    level = "error" if i % 10 == 0 else "warning" if i % 10 == 5 else "info"
    lines.append({"timestamp": rfc3339(base + i * 20_000), "level": level, "source": "api",
                  "message": f"GET /orders/{i}", "status": 500 if level == "error" else 200,
                  "latency_ms": (i * 37) % 250 + 5, "method": "GET" if i % 3 else "POST"})
for i in range(20):
    lines.append({"timestamp": rfc3339(base + i * 45_000 + 3_000), "level": "info", "source": "auth",
                  "message": f"login ok user{i}", "latency_ms": 10 + i})
JOB = "job-7f3a"
STEP_OFFSETS_MS = [0, 1200, 3500, 3900, 7000]
STEP_MESSAGES = ["job started", "fetched 120 rows", "transformed rows", "upload slow: retrying",
                 "job failed: upload refused\n  at Uploader.send (uploader.swift:42)\n  at Job.run (job.swift:17)"]
STEP_LEVELS = ["info", "info", "info", "warning", "error"]
for n, (offset, message, level) in enumerate(zip(STEP_OFFSETS_MS, STEP_MESSAGES, STEP_LEVELS)):
    lines.append({"timestamp": rfc3339(base + 5 * 60_000 + offset + 500), "level": level, "source": "worker",
                  "correlation_id": JOB, "message": message, "step": n + 1})
lines.sort(key=lambda r: r["timestamp"])

work = tempfile.mkdtemp(prefix="viewer-test-")
store = os.path.join(work, "store")
fixture = os.path.join(work, "fixture.ndjson")
with open(fixture, "w") as f:
    for line in lines:
        f.write(json.dumps(line) + "\n")
subprocess.run([BIN, "ingest", "--store", store, "--quiet", fixture], check=True)

SINCE_MS, UNTIL_MS = base - 60_000, now_ms + 60_000
window = ["--since", rfc3339(SINCE_MS), "--until", rfc3339(UNTIL_MS)]


def cli(*args):
    return subprocess.run([BIN, *args, "--store", store], check=True, capture_output=True, text=True).stdout


# 2. What the CLI says about that store.
cli_total = int(cli("count", *window).strip())
cli_sources = {s: int(cli("count", *window, "--source", s).strip()) for s in ("api", "auth", "worker")}
cli_newest = [json.loads(l) for l in cli("query", *window, "--reverse", "--format", "ndjson").splitlines() if l.strip()]
cli_stats = json.loads(cli("stats", *window, "--by", "source", "--field", "latency_ms", "--format", "json"))
cli_trace = json.loads(cli("trace", JOB, "--format", "json"))
cli_worker = [json.loads(l)["message"].split("\n")[0]
              for l in cli("query", *window, "--source", "worker", "--format", "ndjson").splitlines() if l.strip()]
check("fixture: the CLI sees every record", cli_total == len(lines), f"{cli_total} of {len(lines)}")

# 3. The server on a free loopback port with that store.
server = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--store", store, "--no-access-log"],
                          stderr=subprocess.PIPE, text=True)
port = None
for line in server.stderr:
    m = re.match(r"logstore serve: listening on port (\d+)", line)
    if m:
        port = int(m.group(1))
        break
if port is None:
    print("FAIL server: did not start")
    sys.exit(1)
BASE = f"http://127.0.0.1:{port}/"
RANGE = {"range": "abs", "from": rfc3339(SINCE_MS), "to": rfc3339(UNTIL_MS)}

options = webdriver.ChromeOptions()
options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,800", "--disable-dev-shm-usage"):
    options.add_argument(arg)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
wait = WebDriverWait(driver, 20)
requests_seen = []


def url(**state):
    return BASE + "?" + urllib.parse.urlencode(state)


def page_state(name, value):
    """Waits until main#page has data-NAME=VALUE (the page sets it when its data is shown)."""
    wait.until(lambda d: d.find_element(By.ID, "page").get_attribute("data-" + name) == value)


def console_errors(page):
    # A 400 answer to a query with a parse error is the server's answer, shown on the page, not a script error.
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"
              and not (e.get("source") == "network" and "/api/v1/" in e["message"] and "status of 400" in e["message"])]
    check(f"{page}: no JavaScript error in the console", not errors, "; ".join(e["message"] for e in errors)[:500])


def screenshot(name):
    driver.save_screenshot(os.path.join(SHOTS, f"viewer-{name}.png"))


def texts(selector):
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, selector)]


try:
    # Search: total, first page in the CLI's newest-first order, histogram, facets.
    driver.get(url(view="search", **RANGE))
    page_state("loaded", "true")
    page_state("histogram", "true")
    page_state("facets", "true")
    total = driver.find_element(By.ID, "total").text.replace(",", "")
    check("search: the total is the CLI's count", total == str(cli_total), f"page {total}, CLI {cli_total}")
    shown = [m.split(" ⏎")[0] for m in texts("#results tr.rec td.msg")]
    expected = [r["message"].split("\n")[0] for r in cli_newest[:len(shown)]]
    shown = [re.sub(r" job-7f3a$", "", s) for s in shown]
    check("search: rows in the CLI's newest-first order", shown == expected and len(shown) == min(100, cli_total),
          f"page {shown[:5]}…, CLI {expected[:5]}…")
    bars = driver.find_elements(By.CSS_SELECTOR, "#histogram rect.lv-fill-error")
    check("search: the histogram has error bars", len(bars) > 0, "no rect.lv-fill-error")
    facet_counts = {}
    for li in driver.find_elements(By.CSS_SELECTOR, ".facet li"):
        button = li.find_element(By.CSS_SELECTOR, ".facet-value")
        if button.get_attribute("data-field") == "source":
            facet_counts[button.get_attribute("data-value")] = int(li.find_element(By.CSS_SELECTOR, ".count").text.replace(",", ""))
    check("search: source facets are the CLI's counts", facet_counts == cli_sources, f"page {facet_counts}, CLI {cli_sources}")
    screenshot("search")

    # Expanding the failed step shows its stack trace on separate lines.
    row = driver.find_element(By.XPATH, "//tr[contains(@class,'rec')][td[contains(@class,'msg')][starts-with(normalize-space(.), 'job failed')]]")
    row.click()
    message = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "tr.detail pre.message")).text
    check("search: an expanded record shows the stack trace lines",
          [l.strip() for l in message.splitlines()] == [l.strip() for l in STEP_MESSAGES[4].splitlines()], repr(message))
    screenshot("search-expanded")

    # Context: the records around it from the same source, as the CLI lists that source.
    driver.find_element(By.CSS_SELECTOR, "tr.detail .context-button").click()
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".context-table tr"))
    around = [t.splitlines()[0] for t in texts(".context-table td.msg")]
    check("search: context lists the same source's records around it", around == cli_worker, f"page {around}, CLI {cli_worker}")

    # Keyboard: / puts the cursor in the query box.
    driver.find_element(By.TAG_NAME, "body").send_keys("/")
    check("search: / focuses the query box", driver.switch_to.active_element.get_attribute("id") == "q",
          str(driver.switch_to.active_element.get_attribute("id")))

    # A click on a value filters by it: the URL and the results change.
    before = driver.current_url
    driver.find_element(By.CSS_SELECTOR, "#results button.value[data-field='source'][data-value='worker']").click()
    wait.until(lambda d: d.current_url != before)
    page_state("loaded", "true")
    page_state("histogram", "true")
    query = urllib.parse.parse_qs(urllib.parse.urlparse(driver.current_url).query)
    check("search: a click on a value puts it in the URL", query.get("q") == ["source = worker"], str(query.get("q")))
    total = driver.find_element(By.ID, "total").text.replace(",", "")
    sources = set(texts("#results tr.rec button.src"))
    check("search: the filtered results are the CLI's", total == str(cli_sources["worker"]) and sources == {"worker"},
          f"total {total} (CLI {cli_sources['worker']}), sources {sources}")
    driver.back()
    page_state("loaded", "true")
    check("search: back restores the unfiltered view", driver.find_element(By.ID, "q").get_attribute("value") == "", driver.current_url)

    # A parse error is shown at its column.
    box = driver.find_element(By.ID, "q")
    box.clear()
    box.send_keys("level >= warnin and source = api", Keys.ENTER)
    error = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".error:not([hidden])"))
    check("search: a parse error names its column", "column 10" in error.text and "warnin" in error.text, error.text)
    console_errors("search")

    # Trace: the known job's steps in order with their offsets from the first.
    driver.get(url(view="trace", id=JOB))
    page_state("loaded", "true")
    offsets = texts("#timeline tr.step td.offset")
    expected = [f"+{o['offset_ns'] / 1e9:.3f} s" for o in cli_trace["records"]]
    check("trace: steps in order with the CLI's offsets", offsets == expected == [f"+{o / 1000:.3f} s" for o in STEP_OFFSETS_MS],
          f"page {offsets}, CLI {expected}")
    messages = [m for m in texts("#timeline tr.step td.msg")]
    check("trace: step messages in order", messages == [m.split("\n")[0] for m in STEP_MESSAGES], str(messages))
    summary = driver.find_element(By.ID, "trace-summary").text
    check("trace: summary line (status, steps, duration, sources)",
          "failed" in summary and "5 steps" in summary and "7.00 s" in summary and "worker" in summary, summary)
    stack = texts("#timeline tr.detail:not([hidden]) pre.message")
    check("trace: the error step is expanded with its stack trace",
          len(stack) == 1 and [l.strip() for l in stack[0].splitlines()] == [l.strip() for l in STEP_MESSAGES[4].splitlines()], str(stack))
    bars = driver.find_elements(By.CSS_SELECTOR, "svg.waterfall rect")
    check("trace: a waterfall bar per step", len(bars) == 5, f"{len(bars)} bars")
    screenshot("trace")
    console_errors("trace")

    # Stats: per source count, error rate and percentiles equal the CLI's.
    driver.get(url(view="stats", by="source", field="latency_ms", metric="p95", slo="200", **RANGE))
    page_state("loaded", "true")
    mismatches = []
    for g in cli_stats["groups"]:
        row = driver.find_element(By.CSS_SELECTOR, f"#stats-table tr[data-group='{g['group']}']")
        cells = [c.text.replace(",", "") for c in row.find_elements(By.CSS_SELECTOR, "td.num")]
        want = [str(g["count"]), str(g["errors"]), f"{g['error_rate'] * 100:.1f}%", str(g["field"]["n"])] + \
               [("%g" % g["field"][k]) if k in g["field"] else "–" for k in ("p50", "p95", "p99", "max")]
        if cells != want:
            mismatches.append(f"{g['group']}: page {cells}, CLI {want}")
    check("stats: count, errors, error rate and percentiles are the CLI's", not mismatches and cli_stats["groups"], "; ".join(mismatches))
    lines_drawn = driver.find_elements(By.CSS_SELECTOR, "#stats-chart path.series")
    slo = driver.find_elements(By.CSS_SELECTOR, "#stats-chart line.threshold")
    with_values = [g for g in cli_stats["groups"] if g["field"]["n"] > 0]
    check("stats: a line per group with values and the SLO line", len(lines_drawn) == len(with_values) and len(slo) == 1,
          f"{len(lines_drawn)} lines, {len(slo)} threshold")
    screenshot("stats")
    console_errors("stats")

    # Live: a record appended after the page opened appears.
    driver.get(url(view="live"))
    page_state("live", "connected")
    marker = f"appended after the live page opened {time.time_ns()}"
    body = json.dumps({"timestamp": rfc3339(time.time() * 1000), "level": "error", "source": "api", "message": marker, "status": 503}).encode()
    urllib.request.urlopen(urllib.request.Request(BASE + "insert/jsonline", data=body, method="POST"), timeout=10).read()
    try:
        wait.until(lambda d: any(marker in t for t in texts("#live-rows td.msg")))
        check("live: a record appended after the page opened is shown", True)
    except TimeoutException:
        check("live: a record appended after the page opened is shown", False, str(texts("#live-rows td.msg")[:3]))
    # Pause, append, resume: the record written while paused arrives after resuming (Last-Event-ID).
    driver.find_element(By.ID, "pause").click()
    paused_marker = f"written while paused {time.time_ns()}"
    body = json.dumps({"timestamp": rfc3339(time.time() * 1000), "level": "warning", "source": "auth", "message": paused_marker}).encode()
    urllib.request.urlopen(urllib.request.Request(BASE + "insert/jsonline", data=body, method="POST"), timeout=10).read()
    driver.find_element(By.ID, "pause").click()
    try:
        wait.until(lambda d: any(paused_marker in t for t in texts("#live-rows td.msg")))
        rows = texts("#live-rows td.msg")
        check("live: resume after a pause delivers what was written meanwhile, once", sum(paused_marker in t for t in rows) == 1 and sum(marker in t for t in rows) == 1, str(rows))
    except TimeoutException:
        check("live: resume after a pause delivers what was written meanwhile, once", False, str(texts("#live-rows td.msg")[:3]))
    screenshot("live")
    console_errors("live")

    # Phone width: the search page still loads without errors.
    driver.set_window_size(390, 844)
    driver.get(url(view="search", **RANGE))
    page_state("loaded", "true")
    screenshot("search-phone")
    console_errors("phone")
    # Tokens: a server with --tokens makes the page ask for one; it goes into sessionStorage and the
    # Authorization header, never into the URL.
    made = subprocess.run([BIN, "serve", "--new-token", "read"], check=True, capture_output=True, text=True)
    secret = made.stderr.strip().split()[-1]
    tokens = os.path.join(work, "tokens")
    with open(tokens, "w") as f:
        f.write(made.stdout)
    guarded = subprocess.Popen([BIN, "serve", "--listen", "127.0.0.1:0", "--store", store,
                                "--read-only", "--tokens", tokens, "--no-access-log"], stderr=subprocess.PIPE, text=True)
    try:
        guarded_port = None
        for line in guarded.stderr:
            m = re.match(r"logstore serve: listening on port (\d+)", line)
            if m:
                guarded_port = int(m.group(1))
                break
        driver.set_window_size(1280, 800)
        driver.get(f"http://127.0.0.1:{guarded_port}/?view=search")
        dialog = wait.until(lambda d: d.find_element(By.CSS_SELECTOR, "#token-dialog[open]"))
        screenshot("token")
        driver.find_element(By.ID, "token-input").send_keys(secret, Keys.ENTER)
        page_state("loaded", "true")
        stored = driver.execute_script("return sessionStorage.getItem('logstore.token')")
        check("tokens: the page asks for a token, keeps it in sessionStorage, not in the URL",
              stored == secret and secret not in driver.current_url, f"stored {stored is not None}, url {driver.current_url}")
        # The 401 that made the page ask is expected; anything else is an error.
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and "status of 401" not in e["message"]]
        check("tokens: no JavaScript error in the console", not errors, "; ".join(e["message"] for e in errors)[:500])
    finally:
        guarded.terminate()
        guarded.wait(timeout=30)
except Exception as error:   # a wait that timed out: report it with what the console said
    logs = "; ".join(e["message"] for e in driver.get_log("browser"))[:800]
    check("run: every step finished", False, f"{type(error).__name__} at {driver.current_url}: {str(error)[:200]} console: {logs}")
    screenshot("failure")
finally:
    driver.quit()
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
    shutil.rmtree(work, ignore_errors=True)
