import Testing
@testable import LogStore

/// `RingBuffer`, the queue under followers, subscriptions and the ingestor: random appends and removals
/// (wrapping around and growing many times) give the same sequence as an array used as a queue.
struct RingBufferTests {
    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func randomOperationsMatchAnArrayQueue(seed: UInt64) {
        var random = SeededRandom(seed: seed)
        var ring = RingBuffer<Int>()
        var model: [Int] = []
        var next = 0
        for _ in 0..<50_000 {
            switch random.int(0...9) {
            case 0...5:
                ring.append(next)
                model.append(next)
                next += 1
            case 6...8:
                #expect(ring.popFirst() == (model.isEmpty ? nil : model.removeFirst()))
            default:
                if random.chance(50) {
                    ring.removeAll()
                    model.removeAll()
                }
            }
            #expect(ring.count == model.count)
            #expect(ring.first == model.first)
        }
        while let x = ring.popFirst() { #expect(x == model.removeFirst()) }
        #expect(model.isEmpty && ring.isEmpty)
    }
}
