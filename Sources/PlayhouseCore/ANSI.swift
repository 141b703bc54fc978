/// Terminal colour codes in Ansible's output.
public enum ANSI {
    /// `text` without ANSI escape sequences (colours, cursor movement).
    public static func strip(_ text: String) -> String {
        guard text.contains("\u{1B}") else { return text }
        var result = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            guard scalar == "\u{1B}" else {
                result.append(scalar)
                continue
            }
            guard let introducer = scalars.next() else { break }
            if introducer == "[" {
                // CSI: parameters and intermediates up to a final byte in @...~
                while let next = scalars.next(), !(0x40...0x7E).contains(next.value) {}
            }
        }
        return String(result)
    }
}
