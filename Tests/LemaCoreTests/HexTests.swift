import LemaCore
import Testing

@Suite struct HexTests {
    @Test(arguments: [
        ([], ""), ([0x00], "00"), ([0x0f, 0xa0], "0fa0"), ([0xff, 0x10, 0x01], "ff1001"),
        (Array(0...15).map(UInt8.init), "000102030405060708090a0b0c0d0e0f"),
    ] as [([UInt8], String)])
    func lowerCaseTwoDigitsPerByte(bytes: [UInt8], text: String) {
        #expect(Hex.string(bytes) == text)
    }
}
