// The README's swift-log set-up ("Collectors: the Ingestor and the swift-log backend"), run for real:
// `LogStoreLoggingExample STORE TASKS LOGS_PER_TASK` bootstraps the logging system exactly as the
// README does, logs from TASKS concurrent tasks, closes the ingestor and the store, and prints the
// ingestor's counters. `LoggingBootstrapTests` runs it and queries the store. A process of its own,
// because `LoggingSystem.bootstrap` may be called only once per process.
import LogStore
import LogStorePipeline
import LogStoreLogging
import Logging
import Glibc

let arguments = CommandLine.arguments
guard arguments.count == 4, let taskCount = Int(arguments[2]), let logsPerTask = Int(arguments[3]) else {
    print("usage: LogStoreLoggingExample STORE TASKS LOGS_PER_TASK")
    exit(2)
}

let store = try LogStore.open(at: arguments[1])
var options = IngestorOptions()          // batches of 1,000 records or 1 MiB, or every 5 s
options.maxBufferedRecords = 100_000     // the memory bound (also maxBufferedBytes, 64 MiB)
options.backpressure = .dropOldest       // or .block (producers wait) or .dropNewest
options.onStatusChange = { status in print("logstore ingest: \(status)") }   // "stalled: … No space left …"
let ingestor = try Ingestor(store: store, options: options)

var handlerOptions = LogHandlerOptions()
handlerOptions.correlationIDKey = "correlation_id"   // the default; else the ServiceContext's trace ID
LoggingSystem.bootstrap(LogStoreLogHandler.factory(ingestor: ingestor, options: handlerOptions))

await withTaskGroup(of: Void.self) { group in
    for task in 0..<taskCount {
        group.addTask {
            let logger = Logger(label: "task-\(task)")               // label → source
            for i in 0..<logsPerTask {
                logger.error("log \(i) of task \(task)", metadata: ["correlation_id": "\(task)-\(i)", "i": "\(i)"])
            }
        }
    }
}

print(ingestor.counters)   // accepted, dropped by reason, written, retried, failed, buffered
await ingestor.close()     // writes what is buffered
try store.close()
print("closed")
