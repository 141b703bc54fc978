import ArgumentParser
import Foundation
import PlayhouseCore
import PlayhouseServer

/// How people sign in to `serve`: OpenID Connect providers from a configuration file
/// (``OIDCProviderSettings/load(yaml:environment:readFile:)``), and whether passwords are
/// still taken.
struct SignInOptions: ParsableArguments {
    @Option(
        name: .customLong("oidc-config"),
        help: """
            YAML file of OpenID Connect providers to sign in through, with the mapping of their groups to teams and roles \
            (see the README); client secrets come from files or environment variables it names (env PLAYHOUSE_OIDC_CONFIG).
            """)
    var oidcConfig: String = ProcessInfo.processInfo.environment["PLAYHOUSE_OIDC_CONFIG"] ?? ""

    @Flag(
        name: .long, inversion: .prefixedNo,
        help: """
            Take names and passwords on the sign-in page; --no-local-sign-in leaves only the providers, and the \
            --break-glass-admin (env PLAYHOUSE_LOCAL_SIGN_IN=0).
            """)
    var localSignIn: Bool = ProcessInfo.processInfo.environment["PLAYHOUSE_LOCAL_SIGN_IN"] != "0"

    @Option(
        name: .long,
        help: """
            The local admin who may still sign in with a password when local sign-in is off, for when the providers are \
            away (env PLAYHOUSE_BREAK_GLASS_ADMIN).
            """)
    var breakGlassAdmin: String = ProcessInfo.processInfo.environment["PLAYHOUSE_BREAK_GLASS_ADMIN"] ?? ""

    func validate() throws {
        _ = try policy()
        guard localSignIn || !oidcConfig.isEmpty else {
            throw ArgumentParser.ValidationError("--no-local-sign-in needs --oidc-config: without providers no one could sign in")
        }
    }

    /// The providers of the file, and the password rules.
    func policy() throws -> SignInPolicy {
        var providers: [OIDCProviderSettings] = []
        if !oidcConfig.isEmpty {
            let path = CommonOptions.absolute(oidcConfig)
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ArgumentParser.ValidationError("--oidc-config: cannot read \(oidcConfig)")
            }
            do {
                providers = try OIDCProviderSettings.load(yaml: text, environment: ProcessInfo.processInfo.environment) { file in
                    try String(contentsOfFile: CommonOptions.absolute(file), encoding: .utf8)
                }
            } catch {
                throw ArgumentParser.ValidationError("--oidc-config \(oidcConfig): \(error.message)")
            }
            guard !providers.isEmpty else {
                throw ArgumentParser.ValidationError("--oidc-config \(oidcConfig) names no provider")
            }
        }
        return SignInPolicy(
            providers: providers, localSignIn: localSignIn, breakGlassAdmin: breakGlassAdmin.isEmpty ? nil : breakGlassAdmin)
    }
}
