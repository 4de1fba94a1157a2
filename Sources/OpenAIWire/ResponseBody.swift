/// The envelope every completion body shares: whole responses (`CompletionResponseBody`, `ChatResponseBody`) and the
/// events of streamed ones (`CompletionChunkBody`, `ChatChunkBody`); the kind of choice names the `object`.
public struct ResponseBody<Choice: ResponseChoice>: Codable, Sendable, Equatable {
    /// A unique id of this object.
    public var id: String
    /// `Choice.object`.
    public var object: String
    /// Creation time, seconds since 1970.
    public var created: Int
    /// The model's name as clients give it.
    public var model: String
    /// The answers, one per prompt × `n`.
    public var choices: [Choice]
    /// Token counts of the request (nil when not reported).
    public var usage: Usage?

    /// A value with the given fields.
    public init(id: String, created: Int, model: String, choices: [Choice], usage: Usage? = nil) {
        self.id = id
        self.object = Choice.object
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
    }
}

/// A choice of a response or streamed chunk; its type names the body's `object`.
public protocol ResponseChoice: Codable, Sendable, Equatable {
    static var object: String { get }
}
