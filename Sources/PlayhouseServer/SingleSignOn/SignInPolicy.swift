import PlayhouseCore

/// How people sign in: with a name and password (unless turned off, but for a break-glass
/// admin), and through the OpenID Connect providers of the sign-in configuration.
public struct SignInPolicy: Sendable {
    /// Passwords are taken; off, only `breakGlassAdmin` signs in with one.
    public var localSignIn: Bool
    /// The one local admin who may sign in with a password while local sign-in is off, for
    /// when the providers are away.
    public var breakGlassAdmin: String?
    /// The providers, in the order of the configuration (the sign-in page's buttons).
    let providers: [OIDCProvider]

    public init(providers: [OIDCProviderSettings] = [], localSignIn: Bool = true, breakGlassAdmin: String? = nil) {
        self.providers = providers.map(OIDCProvider.init)
        self.localSignIn = localSignIn
        self.breakGlassAdmin = breakGlassAdmin
    }

    func provider(named name: String) -> OIDCProvider? {
        providers.first { $0.settings.name == name }
    }

    /// Whether `name` may sign in with a password.
    func allowsPassword(for name: String) -> Bool {
        localSignIn || name == breakGlassAdmin
    }
}
