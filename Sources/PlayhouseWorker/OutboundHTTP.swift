import AsyncHTTPClient

/// The one HTTP client of the worker side: HTTP inventories, survey choices, notifications.
enum OutboundHTTP {
    /// Follows no redirect: a credential's header or a notification's payload must not
    /// travel to wherever a URL points next (a 3xx is an answer, told as such). Never shut
    /// down: it lives as long as the process.
    static let client = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
}
