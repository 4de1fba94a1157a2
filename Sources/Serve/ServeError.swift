import Foundation
import Hummingbird
import OpenAIWire

/// An error a client caused (or the server state), answered as `ErrorResponseBody` JSON with an HTTP status.
/// Messages name the offending field and say what would be accepted.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// HTTP status of the response (400, 404, 413, 500, …).
    public var status: Int
    /// What went wrong, for a person; names the field and what would be accepted.
    public var message: String
    /// OpenAI's error `type`: "invalid_request_error", "not_found_error", "server_error", ….
    public var type: String
    /// The request field at fault, if any (OpenAI's `param`; returned as `code` here).
    public var field: String?

    /// An error answered with `status`; `field` is reported as the body's `code`.
    public init(status: Int, message: String, type: String, field: String? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.field = field
    }

    /// 400: a field has the wrong type or value.
    static func badField(_ field: String, _ message: String) -> APIError {
        APIError(status: 400, message: "'\(field)' \(message)", type: "invalid_request_error", field: field)
    }

    /// 400: the body as a whole is unusable.
    static func badBody(_ message: String) -> APIError {
        APIError(status: 400, message: message, type: "invalid_request_error")
    }

    /// "status: message", for logs and test failures.
    public var description: String { "\(status): \(message)" }

    var body: ErrorResponseBody { ErrorResponseBody(message: message, type: type, code: field) }
}

/// Why `lema serve` could not start or load its model (reported by the CLI, not over HTTP).
public enum ServeError: Error, Sendable, CustomStringConvertible {
    /// No file at the path given.
    case missingCheckpoint(String)
    /// The file exists but is not a model `InferenceModel` can load: (path, why).
    case unreadableCheckpoint(String, String)
    /// Another socket already holds host:port.
    case addressInUse(host: String, port: Int)
    /// Binding failed for another reason, given as text.
    case cannotListen(host: String, port: Int, String)
    /// The server shut down before its socket accepted connections.
    case stopped

    /// One line for the CLI: what failed and, where there is one, how to fix it.
    public var description: String {
        switch self {
        case .missingCheckpoint(let path):
            "no model file at '\(path)'; pass a .safetensors file written by a train stage "
                + "(e.g. runs/<pipeline>/<stage>/model.safetensors) or use --spec/--stage"
        case .unreadableCheckpoint(let path, let why):
            "cannot load model '\(path)': \(why)"
        case .addressInUse(let host, let port):
            "cannot listen on \(host):\(port): the address is already in use; pick another --port (0 = any free port)"
        case .cannotListen(let host, let port, let why):
            "cannot listen on \(host):\(port): \(why)"
        case .stopped:
            "the server stopped before it was listening"
        }
    }
}

/// Turns every error a handler or the router throws into `ErrorResponseBody` JSON, so clients never see an empty
/// or HTML error page.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return JSONBody.response(error.body, status: error.status)
        } catch let error as any HTTPResponseError {
            let status = Int(error.status.code)
            let message: String
            switch status {
            case 404:
                message = "no route \(request.method) \(request.uri.path); this server has POST /v1/completions, "
                    + "POST /v1/chat/completions, GET /v1/models and GET /health"
            case 413:
                message = "the request body is larger than \(maxBodyBytes) bytes"
            default:
                message = (error as? HTTPError)?.body ?? error.status.reasonPhrase
            }
            let type = status == 404 ? "not_found_error" : status < 500 ? "invalid_request_error" : "server_error"
            return JSONBody.response(ErrorResponseBody(message: message, type: type), status: status)
        } catch {
            return JSONBody.response(ErrorResponseBody(message: "internal error: \(error)", type: "server_error"),
                                     status: 500)
        }
    }
}

/// JSON responses and request decoding.
enum JSONBody {
    static func response(_ value: some Encodable, status: Int = 200) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let fallback = #"{"error":{"message":"cannot encode response","type":"server_error"}}"#
        let data = (try? encoder.encode(value)) ?? Data(fallback.utf8)
        var buffer = ByteBuffer()
        buffer.writeBytes(data)
        return Response(status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: buffer))
    }
}
