import Foundation
import Testing
@testable import TinyGPT

@Suite("Data cursor")
struct DataCursorTests {
    private static func examples(_ n: Int) -> [Example] {
        (0..<n).map { i in Example(prompt: [Int32(10 + i % 7)], target: Array(repeating: Int32(20 + i), count: 1 + i % 4)) }
    }

    @Test("without shuffle every epoch visits the examples in index order")
    func sequentialOrder() throws {
        var cursor = try DataCursor(exampleCount: 3, seed: 9, shuffle: false)
        #expect((0..<7).map { _ in cursor.next() } == [0, 1, 2, 0, 1, 2, 0])
        #expect((cursor.epoch, cursor.position, cursor.consumed) == (2, 1, 7))
    }

    @Test("with shuffle every epoch is a permutation, epochs differ, the same seed repeats")
    func shuffledEpochs() throws {
        var a = try DataCursor(exampleCount: 50, seed: 42)
        var b = try DataCursor(exampleCount: 50, seed: 42)
        var c = try DataCursor(exampleCount: 50, seed: 43)
        let epochsA = (0..<3).map { _ in (0..<50).map { _ in a.next() } }
        let epochsB = (0..<3).map { _ in (0..<50).map { _ in b.next() } }
        let epochC = (0..<50).map { _ in c.next() }
        for epoch in epochsA { #expect(epoch.sorted() == Array(0..<50)) }
        #expect(epochsA[0] != Array(0..<50))
        #expect(epochsA[0] != epochsA[1])
        #expect(epochsA == epochsB)
        #expect(epochC != epochsA[0])
    }

    @Test("JSON form holds exactly the five fields")
    func jsonForm() throws {
        var cursor = try DataCursor(exampleCount: 3, seed: 42, shuffle: false)
        _ = cursor.next()
        #expect(try cursor.jsonString() == #"{"epoch":0,"exampleCount":3,"position":1,"seed":42,"shuffle":false}"#)
    }

    @Test("full 64-bit seeds survive JSON exactly", arguments: [UInt64.max, UInt64.max - 1, (1 << 53) + 1] as [UInt64])
    func wideSeeds(seed: UInt64) throws {
        let cursor = try DataCursor(exampleCount: 5, seed: seed)
        let json = try cursor.jsonString()
        #expect(json.contains("\"seed\":\(seed)"))
        #expect(try DataCursor.load(json: json).seed == seed)
    }

    @Test("a restored cursor produces the same future batches", arguments: Batcher.Layout.allCases)
    func saveRestore(layout: Batcher.Layout) throws {
        let batcher = try Batcher(examples: Self.examples(11), batchSize: 3, length: 8, layout: layout)
        var cursor = batcher.makeCursor(seed: 2024)
        for _ in 0..<4 { _ = try batcher.nextBatch(cursor: &cursor) }  // crosses an epoch boundary
        let saved = try cursor.jsonString()
        let uninterrupted = try (0..<6).map { _ in try batcher.nextBatch(cursor: &cursor) }

        var restored = try DataCursor.load(json: saved)
        #expect(restored != cursor)
        let resumed = try (0..<6).map { _ in try batcher.nextBatch(cursor: &restored) }
        #expect(resumed == uninterrupted)
        #expect(restored == cursor)
    }

    @Test("invalid cursor JSON is rejected with the reason", arguments: [
        (#"{"epoch":0,"exampleCount":3,"position":3,"seed":1,"shuffle":true}"#, "position 3 is outside 0..<3"),
        (#"{"epoch":-1,"exampleCount":3,"position":0,"seed":1,"shuffle":true}"#, "epoch -1"),
        (#"{"epoch":0,"exampleCount":0,"position":0,"seed":1,"shuffle":true}"#, "exampleCount must be positive"),
        (#"{"epoch":0}"#, "cannot parse"),
    ])
    func invalidJSON(json: String, expected: String) {
        do {
            _ = try DataCursor.load(json: json)
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
        }
    }
}
