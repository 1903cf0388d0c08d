import Foundation
import Hummingbird
import LabelWorkbench

/// JSON and HTML responses, and the JSON request bodies of the worker page.
enum API {
    static func json(_ object: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: JSON.text(object))))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(["error": message], status: status)
    }

    /// Decodes a small JSON body; a malformed one is a 400 naming what is wrong.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw HTTPError(.badRequest, message: "the request body is not the JSON this endpoint takes (\(error))")
        }
    }
}

/// HTML pages: every value that comes from the database or a file goes through `escape`.
enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func page(title: String, body: String, status: HTTPResponse.Status = .ok, attributes: String = "", script: String? = nil) -> Response {
        let text = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(title))</title><link rel="stylesheet" href="/assets/style.css"></head>
            <body\(attributes)>\(body)\(script.map { "<script src=\"/assets/\($0)\"></script>" } ?? "")</body></html>
            """
        return Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func refusal(_ status: HTTPResponse.Status, _ message: String) -> Response {
        page(title: "lw", body: "<main class=\"notice\"><h1>\(escape(status.reasonPhrase))</h1><p>\(escape(message))</p></main>", status: status)
    }
}
