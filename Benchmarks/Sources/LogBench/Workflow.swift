import LogStore
import LogStoreFormat

/// The two dataset shapes of the design documents.
///
/// - `request`: request logs (`tail_logs`: worker, request and correlation IDs, message, context JSON).
/// - `workflow`: workflow-engine logs with the columns `workflow_id, workflow_name, workflow_instance_id,
///   task_name, task_instance_id, timestamp_ms, level, payload`.
///
/// A workflow record maps onto a `LogRecord` as: `source` = workflow_name, `correlationID` =
/// workflow_instance_id, `timestamp` = timestamp_ms × 10^6 (whole milliseconds), `message` = the
/// payload's human-readable text, attributes `workflow_id`, `task_name`, `task_instance_id` (the last
/// two absent on workflow-level records), then the other payload fields as `payload.<key>`. That is
/// exactly what `logstore ingest` makes of the NDJSON line the harness writes for it (a nested
/// `payload` object becomes dotted keys). The peers get the eight columns, with `payload` as the JSON
/// text `{"message": …, <payload fields>}`.
enum DatasetShape: String, Sendable, Codable, CaseIterable {
    case request, workflow
}

/// One workflow definition: a name, a stable id and its task steps (3–30).
struct WorkflowDefinition: Sendable {
    var name: String
    var id: String
    var steps: [String]
    /// The runner pool its tasks execute on (a payload field) and the language of its stack traces.
    var pool: String
    var python: Bool
    /// Relative frequency of new instances.
    var weight: Double
    var version: String
}

enum WorkflowTemplates {
    static func numbered(_ prefix: String, _ n: Int) -> [String] {
        (0..<n).map { prefix + ($0 < 10 ? "0" : "") + String($0) }
    }

    static let definitions: [WorkflowDefinition] = {
        let specs: [(String, [String], String, Bool, Double)] = [
            ("order-fulfillment", ["validate-order", "check-fraud", "reserve-inventory", "charge-payment", "create-shipment",
                                   "print-label", "notify-warehouse", "send-confirmation-email"], "temporal-java", false, 14),
            ("user-onboarding", ["create-account", "verify-email", "provision-workspace", "seed-sample-data",
                                 "send-welcome-email"], "celery", true, 8),
            ("invoice-generation", ["load-billing-period", "aggregate-usage", "apply-discounts", "compute-tax", "render-pdf",
                                    "upload-invoice", "email-invoice"], "temporal-java", false, 6),
            ("nightly-etl", ["extract-orders", "extract-customers", "extract-events"] + numbered("transform-partition-", 16)
                + ["load-warehouse", "refresh-materialized-views", "vacuum-staging"], "airflow", true, 1.5),
            ("image-pipeline", ["download-original", "detect-faces", "generate-thumbnails", "compress-webp", "upload-cdn",
                                "purge-cdn-cache"], "celery", true, 9),
            ("refund-processing", ["load-order", "validate-refund", "reverse-charge", "restock-items", "notify-customer"],
             "temporal-java", false, 4),
            ("subscription-renewal", ["load-subscription", "charge-renewal", "extend-entitlements", "send-receipt"],
             "temporal-java", false, 7),
            ("data-export", ["snapshot-tables"] + numbered("export-shard-", 24) + ["compress-archive", "upload-archive",
                                                                                 "sign-download-url", "notify-requester"],
             "airflow", true, 1),
            ("fraud-review", ["collect-signals", "score-transaction", "check-velocity", "route-to-review"], "temporal-java", false, 6),
            ("report-generation", ["query-metrics", "build-charts", "render-report", "distribute-report"], "airflow", true, 3),
            ("ml-feature-refresh", ["read-events"] + numbered("compute-features-batch-", 10)
                + ["validate-features", "publish-feature-store"], "airflow", true, 1.5),
            ("kyc-verification", ["upload-documents", "ocr-extract", "verify-identity", "sanctions-screening", "approve-account"],
             "temporal-java", false, 4),
            ("inventory-reconciliation", ["fetch-warehouse-counts", "fetch-erp-counts", "diff-counts", "create-adjustments",
                                          "notify-ops"], "temporal-java", false, 2),
            ("account-deletion", ["revoke-sessions", "delete-files", "anonymize-orders", "purge-analytics", "confirm-deletion"],
             "celery", true, 2),
            ("email-campaign", ["build-audience", "render-templates"] + numbered("send-batch-", 20) + ["record-metrics"],
             "celery", true, 1),
            ("cache-warmup", ["list-hot-keys", "warm-product-cache", "warm-search-cache"], "temporal-java", false, 5),
            ("payout-settlement", ["collect-balances", "compute-fees", "create-transfers", "reconcile-ledger", "send-statements",
                                   "close-period"], "temporal-java", false, 2),
            ("search-reindex", ["snapshot-catalog"] + numbered("build-shard-", 26) + ["swap-alias", "warm-queries"], "airflow", true, 0.8),
            ("quarterly-close", numbered("close-ledger-region-", 28) + ["consolidate-ledgers", "publish-statements"],
             "temporal-java", false, 0.4),
        ]
        return specs.map { name, steps, pool, python, weight in
            var h: UInt64 = 1469598103934665603
            for b in name.utf8 { h = (h ^ UInt64(b)) &* 1099511628211 }
            let hex = String(h, radix: 16)
            return WorkflowDefinition(name: name, id: "wf_" + String(hex.suffix(12)), steps: steps, pool: pool, python: python,
                                      weight: weight, version: "v\(h % 7 + 1).\(h >> 8 % 20)")
        }
    }()

    static let weights = definitions.map(\.weight)

    static let upstreams = ["payments-api", "inventory-api", "crm-api", "s3", "postgres-main", "bigquery", "sendgrid",
                            "stripe", "redis-cache", "feature-store"]
    static let tables = ["orders", "order_items", "customers", "events_raw", "invoices", "subscriptions", "ledger_entries"]
    static let triggers = ["schedule", "api", "event", "manual", "retry-policy"]

    static let javaExceptions = [
        ("com.acme.payments.GatewayException", "upstream returned 502 Bad Gateway"),
        ("java.lang.IllegalStateException", "inventory reservation expired before commit"),
        ("org.postgresql.util.PSQLException", "ERROR: deadlock detected"),
        ("java.net.SocketException", "connection reset by peer"),
        ("com.acme.workflow.NonRetryableFailure", "validation failed: currency mismatch (EUR vs USD)"),
    ]
    static let pythonExceptions = [
        ("botocore.exceptions.ClientError", "An error occurred (SlowDown) when calling the PutObject operation"),
        ("psycopg2.errors.SerializationFailure", "could not serialize access due to concurrent update"),
        ("KeyError", "'customer_id'"),
        ("requests.exceptions.HTTPError", "503 Server Error: Service Unavailable for url: https://crm-api.internal/v2/contacts"),
        ("ValueError", "invalid literal for int() with base 10: 'N/A'"),
    ]

    /// A failure message with a stack trace in the runner's language.
    static func failure(task: String, attempt: Int, def: WorkflowDefinition, timeout: Bool,
                        rng: inout SplitMix64) -> (String, String) {
        if def.python {
            let (type, detail) = timeout
                ? ("requests.exceptions.ReadTimeout", "HTTPSConnectionPool(host='\(rng.pick(upstreams)).internal', port=443): Read timed out. (read timeout=30)")
                : rng.pick(pythonExceptions)
            let module = task.replacingOccurrences(of: "-", with: "_")
            let trace = "Traceback (most recent call last):\n"
                + "  File \"/app/workers/\(def.name.replacingOccurrences(of: "-", with: "_")).py\", line \(rng.int(20...400)), in \(module)\n"
                + "    result = client.call(payload, retries=0)\n"
                + "  File \"/app/lib/clients.py\", line \(rng.int(40...300)), in call\n"
                + "    response.raise_for_status()\n"
                + "\(type): \(detail)"
            return ("task \(task) failed on attempt \(attempt): \(type): \(detail)\n" + trace, type)
        }
        let (type, detail) = timeout
            ? ("java.net.SocketTimeoutException", "read timeout after 30000 ms calling \(rng.pick(upstreams))")
            : rng.pick(javaExceptions)
        let cls = task.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        let frames = [
            "com.acme.workflows.\(cls)Activity.execute(\(cls)Activity.java:\(rng.int(30...300)))",
            "io.temporal.internal.activity.ActivityTaskExecutors$BaseActivityTaskExecutor.execute(ActivityTaskExecutors.java:102)",
            "io.temporal.internal.activity.ActivityTaskHandlerImpl.handle(ActivityTaskHandlerImpl.java:\(rng.int(100...130)))",
            "java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1144)",
            "java.base/java.lang.Thread.run(Thread.java:1583)",
        ]
        let depth = rng.int(3...5)
        return ("task \(task) failed on attempt \(attempt): \(type): \(detail)\n"
                + frames.prefix(depth).map { "\tat " + $0 }.joined(separator: "\n"), type)
    }
}

/// One running workflow instance: emits its records one at a time, in order, as a state machine.
struct WorkflowRun {
    enum Phase { case workflowStart, taskStart, progress, outcome, failWorkflow, workflowComplete, done }

    var def: WorkflowDefinition
    var instanceID: String
    var trigger: String
    var phase = Phase.workflowStart
    var step = 0
    var attempt = 1
    var taskInstanceID = ""
    var runner = ""
    var progressLeft = 0
    var progressDone = 0
    var itemsTotal = 0
    var retryThisAttempt = false
    var retryIsTimeout = false
    /// The step whose last attempt fails the workflow (nil: it completes).
    var failingStep: Int?
    var failIsTimeout = false
    var startedAt: Int64 = 0
    var stepStartedAt: Int64 = 0

    var isDone: Bool { phase == .done }

    static func start(rng: inout SplitMix64) -> WorkflowRun {
        let def = WorkflowTemplates.definitions[rng.weighted(WorkflowTemplates.weights)]
        var run = WorkflowRun(def: def, instanceID: rng.uuid(), trigger: rng.pick(WorkflowTemplates.triggers))
        if rng.chance(0.02) {
            run.failingStep = rng.below(def.steps.count)
            run.failIsTimeout = rng.chance(0.3)
        }
        return run
    }

    private mutating func beginAttempt(rng: inout SplitMix64) {
        taskInstanceID = rng.uuid()
        runner = "\(def.pool)-worker-\(rng.int(1...24))"
        progressLeft = rng.weighted([25, 35, 25, 15])
        progressDone = 0
        itemsTotal = rng.int(1...5000)
        retryThisAttempt = attempt < 3 && rng.chance(0.05)
        retryIsTimeout = rng.chance(0.6)
    }

    private func attributes(task: Bool, _ payload: [Attribute]) -> [Attribute] {
        var attrs = [Attribute("workflow_id", .string(def.id))]
        if task {
            attrs.append(Attribute("task_name", .string(def.steps[step])))
            attrs.append(Attribute("task_instance_id", .string(taskInstanceID)))
        }
        return attrs + payload
    }

    private func record(_ ts: Int64, _ level: LogLevel, _ message: String, task: Bool, _ payload: [Attribute]) -> LogRecord {
        LogRecord(timestamp: ts, level: level, source: def.name, correlationID: instanceID, message: message,
                  attributes: attributes(task: task, payload))
    }

    private static func ms(_ ns: Int64) -> Double { (Double(ns / 1000) / 1000 * 10).rounded() / 10 }

    /// The next record of this run, stamped `ts` (whole milliseconds).
    mutating func next(_ ts: Int64, rng: inout SplitMix64) -> LogRecord {
        let task = step < def.steps.count ? def.steps[step] : ""
        switch phase {
        case .workflowStart:
            startedAt = ts
            phase = .taskStart
            attempt = 1
            beginAttempt(rng: &rng)
            return record(ts, .info, "workflow \(def.name) \(def.version) started by \(trigger) (\(def.steps.count) steps)", task: false, [
                Attribute("payload.event", .string("workflow.started")),
                Attribute("payload.trigger", .string(trigger)),
                Attribute("payload.version", .string(def.version)),
                Attribute("payload.steps_total", .int(Int64(def.steps.count))),
            ])
        case .taskStart:
            stepStartedAt = ts
            phase = progressLeft > 0 ? .progress : .outcome
            return record(ts, .info, "task \(task) started (attempt \(attempt)) on \(runner)", task: true, [
                Attribute("payload.event", .string("task.started")),
                Attribute("payload.attempt", .int(Int64(attempt))),
                Attribute("payload.runner", .string(runner)),
                Attribute("payload.queue", .string(def.pool + "-default")),
            ])
        case .progress:
            progressLeft -= 1
            progressDone += 1
            if progressLeft == 0 { phase = .outcome }
            let elapsed = Self.ms(ts - stepStartedAt)
            switch rng.weighted([30, 25, 25, 15, 5]) {
            case 0:
                let rows = rng.int(0...20_000)
                return record(ts, .debug, "fetched \(rows) rows from \(rng.pick(WorkflowTemplates.tables)) in \(elapsed) ms", task: true, [
                    Attribute("payload.event", .string("db.query")),
                    Attribute("payload.rows", .int(Int64(rows))),
                    Attribute("payload.duration_ms", .double(elapsed)),
                ])
            case 1:
                let up = rng.pick(WorkflowTemplates.upstreams)
                let status = rng.weighted([94, 3, 3]) == 0 ? 200 : (rng.chance(0.5) ? 404 : 409)
                return record(ts, .debug, "called \(up) POST /v2/\(task) -> \(status) in \(elapsed) ms", task: true, [
                    Attribute("payload.event", .string("http.call")),
                    Attribute("payload.upstream", .string(up)),
                    Attribute("payload.status", .int(Int64(status))),
                    Attribute("payload.duration_ms", .double(elapsed)),
                ])
            case 2:
                let done = min(itemsTotal, itemsTotal * progressDone / max(progressDone + progressLeft, 1) + 1)
                return record(ts, .info, "processed \(done)/\(itemsTotal) items", task: true, [
                    Attribute("payload.event", .string("task.progress")),
                    Attribute("payload.items_done", .int(Int64(done))),
                    Attribute("payload.items_total", .int(Int64(itemsTotal))),
                ])
            case 3:
                let objects = rng.int(1...400)
                return record(ts, .info, "wrote \(objects) objects to s3://acme-\(def.name)/\(instanceID.prefix(8))/\(task)/", task: true, [
                    Attribute("payload.event", .string("storage.write")),
                    Attribute("payload.objects", .int(Int64(objects))),
                    Attribute("payload.bytes", .int(Int64(objects * rng.int(2_000...900_000)))),
                ])
            default:
                return record(ts, .warning, "task \(task) is slow: \(elapsed) ms so far, over its p95 budget", task: true, [
                    Attribute("payload.event", .string("task.slow")),
                    Attribute("payload.elapsed_ms", .double(elapsed)),
                ])
            }
        case .outcome:
            // The attempt's outcome: the workflow's failure, a retry, or completion.
            let finalAttempt = attempt >= 3 || !retryThisAttempt
            if failingStep == step && (finalAttempt || attempt >= 2) {
                phase = .failWorkflow
                let (message, type) = WorkflowTemplates.failure(task: task, attempt: attempt, def: def, timeout: failIsTimeout, rng: &rng)
                return record(ts, .error, message, task: true, [
                    Attribute("payload.event", .string("task.failed")),
                    Attribute("payload.attempt", .int(Int64(attempt))),
                    Attribute("payload.error_type", .string(type)),
                    Attribute("payload.retryable", .bool(false)),
                ])
            }
            if !finalAttempt || failingStep == step {
                let backoff = 1 << attempt
                let message = retryIsTimeout
                    ? "task \(task) attempt \(attempt) failed: upstream timeout after 30000 ms calling \(rng.pick(WorkflowTemplates.upstreams)); retrying in \(backoff) s"
                    : "task \(task) attempt \(attempt) failed: \(rng.pick(["connection reset by peer", "HTTP 503 from upstream", "lock not acquired", "rate limited (429)"])); retrying in \(backoff) s"
                attempt += 1
                beginAttempt(rng: &rng)
                phase = .taskStart
                return record(ts, .warning, message, task: true, [
                    Attribute("payload.event", .string("task.retry")),
                    Attribute("payload.attempt", .int(Int64(attempt - 1))),
                    Attribute("payload.backoff_s", .int(Int64(backoff))),
                    Attribute("payload.error_code", .string(retryIsTimeout ? "UPSTREAM_DEADLINE" : "TRANSIENT")),
                ])
            }
            let duration = Self.ms(ts - stepStartedAt)
            let r = record(ts, .info, "task \(task) completed in \(duration) ms", task: true, [
                Attribute("payload.event", .string("task.completed")),
                Attribute("payload.attempt", .int(Int64(attempt))),
                Attribute("payload.duration_ms", .double(duration)),
                Attribute("payload.items", .int(Int64(itemsTotal))),
                Attribute("payload.runner", .string(runner)),
            ])
            step += 1
            attempt = 1
            if step == def.steps.count { phase = .workflowComplete } else { beginAttempt(rng: &rng); phase = .taskStart }
            return r
        case .failWorkflow:
            phase = .done
            return record(ts, .error, "workflow \(def.name) failed at step \(task) (\(step + 1)/\(def.steps.count)) after \(Self.ms(ts - startedAt)) ms", task: false, [
                Attribute("payload.event", .string("workflow.failed")),
                Attribute("payload.failed_step", .string(task)),
                Attribute("payload.steps_total", .int(Int64(def.steps.count))),
            ])
        case .workflowComplete, .done:
            phase = .done
            return record(ts, .info, "workflow \(def.name) completed in \(Self.ms(ts - startedAt)) ms (\(def.steps.count) steps)", task: false, [
                Attribute("payload.event", .string("workflow.completed")),
                Attribute("payload.duration_ms", .double(Self.ms(ts - startedAt))),
                Attribute("payload.steps_total", .int(Int64(def.steps.count))),
            ])
        }
    }
}

extension LogRecord {
    /// The workflow shape's `payload` column: `{"message": …, <payload.* attributes without the prefix>}`.
    func workflowPayloadJSON(into buffer: inout [UInt8]) {
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: #"{"message":"#.utf8)
        NDJSONWriter.appendString(message, to: &buffer)
        for a in attributes where a.key.utf8.starts(with: "payload.".utf8) {
            buffer.append(UInt8(ascii: ","))
            NDJSONWriter.appendString(String(a.key.dropFirst(8)), to: &buffer)
            buffer.append(UInt8(ascii: ":"))
            NDJSONWriter.appendValue(a.value, to: &buffer)
        }
        buffer.append(UInt8(ascii: "}"))
    }

    /// A string attribute's value.
    func stringAttribute(_ key: String) -> String? {
        for a in attributes where a.key == key { if case .string(let s) = a.value { return s } }
        return nil
    }
}
