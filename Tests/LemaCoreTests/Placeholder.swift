import Testing
import LemaCore
@Test func rngDeterministic() {
    var a = SeededRNG(seed: 1), b = SeededRNG(seed: 1)
    #expect(a.next() == b.next())
}
