import LogStore

/// A filter split into what the engine can do (`query`, so blocks are still skipped by time, level,
/// source and correlation ID) and what the caller must check on each record (`residual`).
public struct FilterPlan: Sendable {
    /// The base query narrowed by every condition that could be pushed down exactly.
    public var query: LogQuery
    /// The conditions the engine does not check; nil when `query` alone is exact.
    public var residual: FilterExpression?
    /// The top-level conditions moved into `query`.
    public var pushed: [FilterCondition]

    public init(query: LogQuery, residual: FilterExpression? = nil, pushed: [FilterCondition] = []) {
        self.query = query
        self.residual = residual
        self.pushed = pushed
    }

    /// Whether `record` (returned by `query`) passes the residual filter.
    public func matches(_ record: LogRecord) -> Bool { residual?.matches(record) ?? true }
}

extension FilterExpression {
    /// Splits the expression's top-level `and` chain: each condition the engine checks exactly is
    /// moved into a copy of `base`; the rest (`or`, `not`, `!=`, `~` on attributes, conflicts with
    /// `base`) stays as the residual. A record matches the expression and `base` exactly when the
    /// returned query returns it and the residual accepts it.
    public func plan(into base: LogQuery) -> FilterPlan {
        var q = base
        var residual: [FilterExpression] = []
        var pushed: [FilterCondition] = []
        for part in conjuncts {
            guard case .condition(let c) = part, c.push(into: &q) else { residual.append(part); continue }
            pushed.append(c)
        }
        return FilterPlan(query: q, residual: FilterExpression.all(residual), pushed: pushed)
    }
}

extension FilterCondition {
    /// Narrows `q` by this condition when the engine can check it exactly; false otherwise.
    func push(into q: inout LogQuery) -> Bool {
        switch self {
        case .time(let op, let t):
            switch op {
            case .greaterOrEqual: q.since = max(q.since ?? .min, t)
            case .greater:
                guard t < .max else { return false }
                q.since = max(q.since ?? .min, t + 1)
            case .less: q.until = min(q.until ?? .max, t)
            case .lessOrEqual:
                guard t < .max else { return false }
                q.until = min(q.until ?? .max, t + 1)
            case .equal:
                guard t < .max else { return false }
                q.since = max(q.since ?? .min, t)
                q.until = min(q.until ?? .max, t + 1)
            case .notEqual: return false
            }
            return true
        case .level(let op, let l):
            q.levels = (q.levels ?? Set(LogLevel.allCases)).filter { FilterCondition.compare($0, op, l) }
            return true
        case .levelIn(let ls):
            q.levels = (q.levels ?? Set(LogLevel.allCases)).intersection(ls)
            return true
        case .text(.source, .equal, let s):
            return narrowSources(&q, [s])
        case .textIn(.source, let ss):
            return narrowSources(&q, ss)
        case .text(.correlation, .equal, let id):
            guard q.correlationID == nil || q.correlationID == id, !id.isEmpty else { return false }
            q.correlationID = id
            return true
        case .text(.message, .contains, let text):
            guard q.messageContains == nil, !q.caseInsensitive, !text.isEmpty else { return false }
            q.messageContains = text
            return true
        case .attribute(let key, let op, let value):
            q.attributes.append(AttributeFilter(key, op, value))
            return true
        default:
            return false
        }
    }

    /// `sources` is "any of"; an empty list means all. Narrowing to a non-empty intersection is exact;
    /// an empty one (nothing can match) is left to the residual.
    private func narrowSources(_ q: inout LogQuery, _ names: [String]) -> Bool {
        guard !names.isEmpty else { return false }
        let narrowed = q.sources.isEmpty ? names : names.filter(q.sources.contains)
        guard !narrowed.isEmpty else { return false }
        q.sources = narrowed
        return true
    }
}
