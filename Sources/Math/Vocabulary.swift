import LemaCore

/// Words the story templates draw from. Short names and common objects keep questions short and the character
/// vocabulary small for a character-level model.
enum Vocabulary {
    static let names = [
        "Mia", "Leo", "Ava", "Sam", "Zoe", "Ben", "Ivy", "Max", "Lily", "Omar",
        "Nora", "Eli", "Ruby", "Finn", "Ana", "Jack", "Emma", "Noah", "Ella", "Luis",
    ]

    /// Countable things (singular, plural).
    static let items: [(String, String)] = [
        ("apple", "apples"), ("marble", "marbles"), ("stamp", "stamps"), ("pencil", "pencils"),
        ("sticker", "stickers"), ("cookie", "cookies"), ("shell", "shells"), ("card", "cards"),
        ("book", "books"), ("coin", "coins"), ("egg", "eggs"), ("flower", "flowers"),
        ("toy car", "toy cars"), ("button", "buttons"), ("bead", "beads"), ("candle", "candles"),
        ("cupcake", "cupcakes"), ("rock", "rocks"), ("balloon", "balloons"), ("pen", "pens"),
    ]

    /// Containers (singular, plural).
    static let containers: [(String, String)] = [
        ("box", "boxes"), ("bag", "bags"), ("jar", "jars"), ("basket", "baskets"), ("pack", "packs"), ("tray", "trays"),
    ]

    /// Things bought at a price (plural).
    static let goods = ["pens", "books", "cups", "hats", "toys", "mugs", "kites", "socks", "plates", "games"]
}

extension SeededRNG {
    /// A uniformly chosen element; `array` must not be empty.
    mutating func pick<T>(_ array: [T]) -> T { array[nextInt(below: array.count)] }

    /// `count` distinct elements in random order.
    mutating func pickDistinct<T>(_ array: [T], count: Int) -> [T] {
        var copy = array
        var out: [T] = []
        for _ in 0..<min(count, copy.count) { out.append(copy.remove(at: nextInt(below: copy.count))) }
        return out
    }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool { nextDouble() < p }
}
