import HTTPTypes
import Hummingbird

/// Headers on every response: no sniffing, no framing, no referrer (links
/// carry secrets), and scripts, styles and images only from lw itself.
struct SecurityHeaders<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPError {
            response = API.error(error.status, error.body ?? error.status.reasonPhrase)
        }
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.referrerPolicy] = "no-referrer"
        response.headers[.contentSecurityPolicy] =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        return response
    }
}

/// Refuses cross-site POSTs: a POST must say it is JSON from lw's own page
/// (the `X-LW-Request` header, which a cross-site page cannot send without a
/// CORS preflight lw never grants) and, when the browser tells, come from the same origin.
struct CrossSiteGuard<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .post else {
            guard request.method == .get || request.method == .head else {
                return API.error(.methodNotAllowed, "only GET and POST are served")
            }
            return try await next(request, context)
        }
        if request.headers[.xLWRequest] != "1" {
            return API.error(.forbidden, "cross-site request refused: POSTs come from lw's own page (header X-LW-Request: 1)")
        }
        if let site = request.headers[.secFetchSite], site != "same-origin", site != "none" {
            return API.error(.forbidden, "cross-site request refused (Sec-Fetch-Site: \(site))")
        }
        if let origin = request.headers[.origin], let host = request.head.authority,
           origin != "http://\(host)" && origin != "https://\(host)" {
            return API.error(.forbidden, "cross-site request refused (Origin \(origin) is not this server)")
        }
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
            return API.error(.unsupportedMediaType, "send the body as application/json")
        }
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let secFetchSite = Self("Sec-Fetch-Site")!
    /// Sent by lw's own page on every POST.
    static let xLWRequest = Self("X-LW-Request")!
}
