import HTTPTypes

/// Why a sign-in through a provider did not happen, said to the person signing in (and to
/// the audit log); never a secret, a code or a token.
struct SignOnFailure: Error, Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        /// The request to Playhouse was not the end of a sign-in it started (state, cookie).
        case badRequest
        /// The provider could not be reached, or answered too slowly or too much.
        case providerUnreachable
        /// The provider answered with an error, or with something OpenID Connect does not describe.
        case providerRefused
        /// The ID token is not one Playhouse may trust: signature, issuer, audience, expiry, nonce.
        case untrusted
        /// The account may not sign in to Playhouse: no group gives it a role, its name is taken.
        case notAllowed
    }

    var kind: Kind
    var message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    var status: HTTPResponse.Status {
        switch kind {
        case .badRequest: .badRequest
        case .providerUnreachable, .providerRefused: .badGateway
        case .untrusted, .notAllowed: .forbidden
        }
    }
}
