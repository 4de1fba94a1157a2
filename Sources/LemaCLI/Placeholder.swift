import ArgumentParser
public struct LemaCommand: ParsableCommand {
    public init() {}
}
