import Foundation
import LemaCore
import Testing
@testable import Endpoint

@Suite("Endpoint limiters and backoff (pure)")
struct ClientLimiterUnitTests {
    @Test func bucketBurstsThenQueuesReservationsInOrder() {
        let bucket = TokenBucket(perMinute: 3)  // capacity 3, refills 1 per 20 s
        #expect([bucket.reserve(1, now: 0), bucket.reserve(1, now: 0), bucket.reserve(1, now: 0)] == [0, 0, 0])
        // Each further reservation waits one refill period longer than the one before it.
        #expect(bucket.reserve(1, now: 0) == 20)
        #expect(bucket.reserve(1, now: 0) == 40)
        // 40 s later the debt of 2 is repaid: the next token is due in 20 s.
        #expect(bucket.reserve(1, now: 40) == 20)
    }

    @Test func bucketRefillStopsAtCapacityAndOversizedCallsAreClamped() {
        let bucket = TokenBucket(perMinute: 60)  // 1 per second
        #expect(bucket.reserve(1000, now: 0) == 0)  // clamped to the capacity of 60
        #expect(bucket.reserve(30, now: 600) == 0)  // refilled to 60, not 600
        #expect(bucket.reserve(40, now: 600) == 10)
    }

    @Test func bucketAdjustGivesBackOrTakesMore() {
        let bucket = TokenBucket(perMinute: 60)
        #expect(bucket.reserve(60, now: 0) == 0)
        bucket.adjust(by: -30, now: 0)  // used 30 fewer than reserved
        #expect(bucket.reserve(30, now: 0) == 0)
        bucket.adjust(by: 15, now: 0)  // used 15 more than reserved
        #expect(bucket.reserve(5, now: 0) == 20)
    }

    @Test(arguments: 1...12)
    func backoffDoublesWithJitterUpToTheCap(attempt: Int) throws {
        let config = EndpointConfig(baseURL: "http://127.0.0.1:9/v1", model: "m", backoffBase: 0.5, backoffMax: 30)
        let client = try EndpointClient(config: config, cache: nil, environment: [:], clock: RecordingEndpointClock())
        defer { client.shutdown() }
        let nominal = min(0.5 * pow(2, Double(attempt - 1)), 30)
        for _ in 0..<50 {
            let wait = client.backoffSeconds(afterAttempt: attempt)
            #expect(wait >= nominal / 2 && wait <= nominal)
        }
    }

    @Test func gateAdmitsWidthHoldersAndWakesEveryWaiterOnRelease() async {
        let gate = AsyncGate(width: 2)
        await gate.acquire()
        await gate.acquire()
        let order = Locked([Int]())
        let waiters = (0..<3).map { index in
            Task {
                await gate.acquire()
                order.withLock { $0.append(index) }
            }
        }
        // No third holder until a release.
        try? await Task.sleep(nanoseconds: 20_000_000)
        #expect(order.current.isEmpty)
        for _ in 0..<3 { gate.release() }
        for waiter in waiters { await waiter.value }
        #expect(order.current.sorted() == [0, 1, 2])
    }
}
