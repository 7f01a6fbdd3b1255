"""Sends logs to `logstore serve` with the real OpenTelemetry Python SDK (protobuf over OTLP/HTTP) and
with a hand-made OTLP/JSON request, then reads them back through the query API and checks every
mapped field. Prints one `PASS name` or `FAIL name: why` line per check. Usage: otel_sdk_check.py PORT"""
import json
import logging
import sys
import urllib.parse
import urllib.request

from opentelemetry import trace
from opentelemetry._logs import set_logger_provider
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

port = int(sys.argv[1])
base = f"http://127.0.0.1:{port}"
results = []


def check(name, condition, why=""):
    results.append((name, bool(condition), why))


def query(**params):
    url = base + "/api/v1/query?" + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)["records"]


# 1. The SDK, protobuf.
resource = Resource.create({"service.name": "otel-python", "deployment.environment": "ci"})
provider = LoggerProvider(resource=resource)
provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter(endpoint=base + "/v1/logs")))
set_logger_provider(provider)
trace.set_tracer_provider(TracerProvider(resource=resource))
tracer = trace.get_tracer("sdk-check")
handler = LoggingHandler(level=logging.DEBUG, logger_provider=provider)
logger = logging.getLogger("checkout")
logger.setLevel(logging.DEBUG)
logger.addHandler(handler)
logger.propagate = False

with tracer.start_as_current_span("charge") as span:
    context = span.get_span_context()
    trace_hex = format(context.trace_id, "032x")
    span_hex = format(context.span_id, "016x")
    logger.error("payment declined", extra={"order_id": 4711, "amount": 12.5, "retry": True, "card": "visa"})
    logger.warning("slow gateway")
logger.info("outside any span")
logger.debug("debug detail")
provider.shutdown()   # flushes: the exporter has sent everything and got its answers

records = query(source="otel-python", limit=100)
check("sdk: four records stored", len(records) == 4, f"got {len(records)}")
by_message = {r["message"]: r for r in records}
declined = by_message.get("payment declined")
check("sdk: message", declined is not None, f"messages {sorted(by_message)}")
if declined:
    attrs = declined["attributes"]
    check("sdk: level error", declined["level"] == "error", declined["level"])
    check("sdk: source from service.name", declined["source"] == "otel-python", declined["source"])
    check("sdk: trace id is the correlation ID", declined["correlation_id"] == trace_hex, f'{declined["correlation_id"]} != {trace_hex}')
    check("sdk: span id", attrs.get("span_id") == span_hex, f'{attrs.get("span_id")} != {span_hex}')
    check("sdk: int attribute", attrs.get("order_id") == 4711, attrs.get("order_id"))
    check("sdk: double attribute", attrs.get("amount") == 12.5, attrs.get("amount"))
    check("sdk: bool attribute", attrs.get("retry") is True, attrs.get("retry"))
    check("sdk: string attribute", attrs.get("card") == "visa", attrs.get("card"))
    check("sdk: severity text kept", attrs.get("severity_text") in ("ERROR", "Error", "error"), attrs.get("severity_text"))
    check("sdk: resource attribute prefixed", attrs.get("resource.deployment.environment") == "ci", attrs)
    check("sdk: scope name", attrs.get("scope.name") == "checkout", attrs.get("scope.name"))
    check("sdk: code attributes", any(k.startswith("code.") for k in attrs), sorted(attrs))
    check("sdk: timestamp in nanoseconds near now", abs(declined["timestamp_ns"] / 1e9 - __import__("time").time()) < 600,
          declined["timestamp_ns"])
warning = by_message.get("slow gateway")
check("sdk: warning level", warning is not None and warning["level"] == "warning", warning and warning["level"])
outside = by_message.get("outside any span")
check("sdk: no span, no correlation ID", outside is not None and outside["correlation_id"] is None, outside)
debug = by_message.get("debug detail")
check("sdk: debug level", debug is not None and debug["level"] == "debug", debug and debug["level"])
trace_records = json.load(urllib.request.urlopen(f"{base}/api/v1/trace/{trace_hex}", timeout=30))
check("sdk: trace route has both span records", trace_records.get("steps") == 2, trace_records.get("steps"))

# 2. A hand-made OTLP/JSON request (the SDK sends protobuf only). Times are now: the store drops
# records older than its retention (7 days).
import time
now_ns = time.time_ns() // 1000 * 1000 + 1   # odd, so a trip through a double would show
body = {
    "resourceLogs": [{
        "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "otel-json"}}]},
        "scopeLogs": [{
            "scope": {"name": "hand", "version": "0.1"},
            "logRecords": [{
                "timeUnixNano": str(now_ns),
                "observedTimeUnixNano": now_ns + 998,
                "severityNumber": 21,
                "severityText": "FATAL",
                "body": {"kvlistValue": {"values": [{"key": "b", "value": {"intValue": "2"}}, {"key": "a", "value": {"stringValue": "x"}}]}},
                "attributes": [{"key": "big", "value": {"intValue": "9007199254740993"}}],
                "traceId": "5b8efff798038103d269b633813fc60c",
                "spanId": "eee19b7ec3c1b174",
                "eventName": "checkout.failed",
                "unknownField": {"ignored": True},
            }],
        }],
    }]
}
request = urllib.request.Request(base + "/v1/logs", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
with urllib.request.urlopen(request, timeout=30) as response:
    check("json: answered 200 in JSON", response.status == 200 and response.headers["Content-Type"].startswith("application/json"),
          response.status)
records = query(source="otel-json")
check("json: one record", len(records) == 1, len(records))
if records:
    r = records[0]
    check("json: exact 64-bit timestamp", r["timestamp_ns"] == now_ns, f'{r["timestamp_ns"]} != {now_ns}')
    check("json: critical", r["level"] == "critical", r["level"])
    check("json: hex trace id", r["correlation_id"] == "5b8efff798038103d269b633813fc60c", r["correlation_id"])
    check("json: map body as JSON text with sorted keys", r["message"] == '{"a":"x","b":2}', r["message"])
    check("json: 64-bit attribute exact", r["attributes"].get("big") == 9007199254740993, r["attributes"].get("big"))
    check("json: event name", r["attributes"].get("event_name") == "checkout.failed", r["attributes"])
    check("json: span id", r["attributes"].get("span_id") == "eee19b7ec3c1b174", r["attributes"])

for name, ok, why in results:
    print(("PASS " + name) if ok else f"FAIL {name}: {why}")
sys.exit(0 if all(ok for _, ok, _ in results) else 1)
