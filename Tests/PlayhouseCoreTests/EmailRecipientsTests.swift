import PlayhouseCore
import Testing

@Suite struct EmailRecipientsTests {
    @Test func aMailtoURLGivesItsAddressesOnce() throws {
        let recipients = try EmailRecipients(mailto: "MAILTO:ops@example.com, dev+alerts@mail.example.org,ops@example.com")
        #expect(recipients.addresses.map(\.description) == ["ops@example.com", "dev+alerts@mail.example.org"])
        #expect(try EmailRecipients(mailto: "mailto:ops%40example.com").addresses.map(\.description) == ["ops@example.com"])
        #expect(try EmailAddress("o'neil.{x}@intranet").domain == "intranet")
    }

    @Test(arguments: [
        "", "ops", "@example.com", "ops@", "ops@@example.com", ".ops@example.com", "ops.@example.com", "o..ps@example.com",
        "ops@example..com", "ops@-example.com", "ops@example-.com", "ops@exa_mple.com", "\"ops\"@example.com", "ops@[127.0.0.1]",
        "Ops <ops@example.com>", "ops@example.com\r\nBcc: evil@example.com", "ops@example.com\n", "o ps@example.com",
        "ops@exämple.com", "ops>@example.com", String(repeating: "a", count: 65) + "@example.com",
        "ops@" + String(repeating: "a", count: 64) + ".com",
    ])
    func aMalformedAddressIsRefused(_ text: String) {
        #expect(throws: ValidationError.self) { try EmailAddress(text) }
    }

    @Test func aMailtoURLIsRefusedWithAReason() {
        func reason(_ url: String) -> String {
            do throws(ValidationError) {
                _ = try EmailRecipients(mailto: url)
                return "accepted"
            } catch {
                return error.message
            }
        }
        #expect(reason("https://example.com").hasPrefix("an email target's url is mailto:"))
        #expect(reason("mailto:ops@example.com?cc=evil@example.com").contains("without ?subject="))
        #expect(reason("mailto:ops@example.com%0D%0ABcc:evil@example.com").contains(#"\r\nBcc"#), "the escape shows, decoded")
        #expect(reason("mailto:ops@example.com%0") == #""ops@example.com%0" has a broken percent escape"#)
        #expect(reason("mailto:ops@example.com%+f") == #""ops@example.com%+f" has a broken percent escape"#)
        #expect(reason("mailto:ops@example.com%FF") == #""ops@example.com%FF" has a broken percent escape"#, "not UTF-8")
        let twentyOne = (1...21).map { "u\($0)@example.com" }.joined(separator: ",")
        #expect(reason("mailto:" + twentyOne) == "a mailto: url here holds 1 to 20 addresses; this one has 21")
        #expect(reason("mailto:" + twentyOne.split(separator: ",").dropLast().joined(separator: ",")) == "accepted")
    }
}
