/// A first-in-first-out queue over a ring of array slots that grows by doubling: appending and
/// removing at the ends cost O(1) and nothing is copied when the front moves. The one queue of the
/// package: a follower's buffer, a subscription's inbox and the ingestor's record queue.
package struct RingBuffer<Element> {
    @usableFromInline var slots: [Element?] = []
    @usableFromInline var head = 0
    /// How many elements it holds.
    @usableFromInline package private(set) var count = 0

    @inlinable package init() {}

    /// Whether it holds nothing.
    @inlinable package var isEmpty: Bool { count == 0 }

    /// The oldest element, or nil when empty.
    @inlinable package var first: Element? { count == 0 ? nil : slots[head] }

    /// Adds `element` at the back.
    @inlinable package mutating func append(_ element: Element) {
        if count == slots.count { grow() }
        slots[(head + count) % slots.count] = element
        count += 1
    }

    /// Removes and returns the oldest element, or nil when empty.
    @inlinable package mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        let element = slots[head]
        slots[head] = nil
        head = (head + 1) % slots.count
        count -= 1
        return element
    }

    /// Removes everything (the slots are released).
    @inlinable package mutating func removeAll() {
        slots = []
        head = 0
        count = 0
    }

    @usableFromInline mutating func grow() {
        var grown = [Element?](repeating: nil, count: max(16, slots.count * 2))
        for k in 0..<count { grown[k] = slots[(head + k) % slots.count] }
        slots = grown
        head = 0
    }
}

extension RingBuffer: Sendable where Element: Sendable {}
