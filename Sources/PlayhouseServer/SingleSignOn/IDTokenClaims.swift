import Foundation
import JWTKit
import PlayhouseCore

/// The claims of an ID token: those Playhouse checks by name, and every claim as JSON for
/// the configured name and groups claims.
struct IDTokenClaims: JWTIdentityToken, Sendable {
    /// Clocks differ: a token is taken up to this long after its expiry, and this long
    /// before it says it was issued.
    static let leeway: TimeInterval = 60

    var issuer: IssuerClaim
    var subject: SubjectClaim
    var audience: AudienceClaim
    var expiration: ExpirationClaim
    var issuedAt: IssuedAtClaim
    var nonce: String?
    var authorizedParty: String?
    var all: [String: JSONValue]

    enum CodingKeys: String, CodingKey {
        case issuer = "iss"
        case subject = "sub"
        case audience = "aud"
        case expiration = "exp"
        case issuedAt = "iat"
        case nonce
        case authorizedParty = "azp"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        issuer = try container.decode(IssuerClaim.self, forKey: .issuer)
        subject = try container.decode(SubjectClaim.self, forKey: .subject)
        audience = try container.decode(AudienceClaim.self, forKey: .audience)
        expiration = try container.decode(ExpirationClaim.self, forKey: .expiration)
        issuedAt = try container.decode(IssuedAtClaim.self, forKey: .issuedAt)
        nonce = try container.decodeIfPresent(String.self, forKey: .nonce)
        authorizedParty = try container.decodeIfPresent(String.self, forKey: .authorizedParty)
        all = try [String: JSONValue](from: decoder)
    }

    func encode(to encoder: any Encoder) throws {
        try all.encode(to: encoder)
    }

    /// Called by jwt-kit once the signature holds: the token has not expired and was not
    /// issued in the future.
    func verify(using algorithm: some JWTAlgorithm) async throws {
        let now = Date()
        try expiration.verifyNotExpired(currentDate: now.addingTimeInterval(-Self.leeway))
        guard issuedAt.value <= now.addingTimeInterval(Self.leeway) else {
            throw JWTError.claimVerificationFailure(failedClaim: issuedAt, reason: "issued in the future")
        }
    }
}
