import Foundation
import LemaCore

/// Where training is in its data: epoch, position within the epoch, and the seed that fixes every epoch's
/// order. Epoch `e` visits the examples in the order of a Fisher–Yates shuffle driven by
/// `SeededRNG(seed: SeededRNG.derive(seed, "data-cursor-epoch", "e"))` (or in index order with `shuffle: false`),
/// so the whole infinite stream of examples is a pure function of (seed, example count) and a cursor restored from
/// its JSON continues exactly where the saved one stopped. Only the five fields are stored; the permutation is
/// recomputed.
public struct DataCursor: Sendable, Codable, Equatable {
    /// Seed of every epoch's shuffle.
    public let seed: UInt64
    /// Examples per epoch; must match the batcher's.
    public let exampleCount: Int
    /// Whether epochs are shuffled (false: index order every epoch).
    public let shuffle: Bool
    /// Completed passes over the data.
    public private(set) var epoch: Int
    /// Examples already taken in the current epoch.
    public private(set) var position: Int
    /// This epoch's visiting order (derived, not stored).
    private var order: [Int]

    /// A cursor at the start of epoch 0.
    public init(exampleCount: Int, seed: UInt64, shuffle: Bool = true) throws(DataError) {
        guard exampleCount > 0 else { throw .noExamples }
        try self.init(exampleCount: exampleCount, seed: seed, shuffle: shuffle, epoch: 0, position: 0)
    }

    private init(exampleCount: Int, seed: UInt64, shuffle: Bool, epoch: Int, position: Int) throws(DataError) {
        guard exampleCount > 0 else { throw .invalidCursor("exampleCount must be positive, found \(exampleCount)") }
        guard epoch >= 0, position >= 0, position < exampleCount else {
            throw .invalidCursor("epoch \(epoch), position \(position) is outside 0..<\(exampleCount)")
        }
        self.seed = seed
        self.exampleCount = exampleCount
        self.shuffle = shuffle
        self.epoch = epoch
        self.position = position
        order = Self.order(epoch: epoch, exampleCount: exampleCount, seed: seed, shuffle: shuffle)
    }

    /// The visiting order of one epoch.
    public static func order(epoch: Int, exampleCount: Int, seed: UInt64, shuffle: Bool) -> [Int] {
        var order = Array(0..<exampleCount)
        if shuffle {
            var rng = SeededRNG(seed: SeededRNG.derive(seed, "data-cursor-epoch", String(epoch)))
            rng.shuffle(&order)
        }
        return order
    }

    /// Examples taken since the start (all epochs).
    public var consumed: Int { epoch * exampleCount + position }

    /// The index of the next example, without taking it.
    public func peek() -> Int { order[position] }

    /// Takes the next example, moving to the next epoch (and its new order) after the last one.
    public mutating func advance() {
        position += 1
        if position == exampleCount {
            epoch += 1
            position = 0
            order = Self.order(epoch: epoch, exampleCount: exampleCount, seed: seed, shuffle: shuffle)
        }
    }

    /// Takes and returns the next example index.
    public mutating func next() -> Int {
        let index = peek()
        advance()
        return index
    }

    /// Same five stored fields (the order follows from them).
    public static func == (a: DataCursor, b: DataCursor) -> Bool {
        a.seed == b.seed && a.exampleCount == b.exampleCount && a.shuffle == b.shuffle && a.epoch == b.epoch
            && a.position == b.position
    }

    // MARK: Codable (the five fields; the order is recomputed and the values validated)

    private enum CodingKeys: String, CodingKey { case seed, exampleCount, shuffle, epoch, position }

    /// Decodes the five fields and recomputes the order; throws `DecodingError` for a missing field and
    /// `DataError.invalidCursor` when they are inconsistent (no examples, negative epoch, position ≥ count).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(exampleCount: c.decode(Int.self, forKey: .exampleCount), seed: c.decode(UInt64.self, forKey: .seed),
                      shuffle: c.decode(Bool.self, forKey: .shuffle), epoch: c.decode(Int.self, forKey: .epoch),
                      position: c.decode(Int.self, forKey: .position))
    }

    /// Encodes the five fields, not the order.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(seed, forKey: .seed)
        try c.encode(exampleCount, forKey: .exampleCount)
        try c.encode(shuffle, forKey: .shuffle)
        try c.encode(epoch, forKey: .epoch)
        try c.encode(position, forKey: .position)
    }

    /// Compact JSON with sorted keys, e.g. `{"epoch":2,"exampleCount":500,"position":17,"seed":42,"shuffle":true}`.
    public func jsonString() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// Restores a cursor from `jsonString()`.
    public static func load(json: String) throws(DataError) -> DataCursor {
        do {
            return try JSONDecoder().decode(DataCursor.self, from: Data(json.utf8))
        } catch let error as DataError {
            throw error
        } catch {
            throw .invalidCursor("cannot parse \(json.prefix(200)): \(error)")
        }
    }
}
