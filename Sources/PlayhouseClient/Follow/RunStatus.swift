/// How a followed run's end becomes the command's exit status, so a CI step is one line:
/// 0 successful, 2 failed, 3 error, 4 canceled (1 is left to the command's own failures:
/// a server that cannot be reached, a refusal).
enum RunStatus {
    static func exitCode(_ status: String) -> Int32 {
        switch status {
        case "successful": 0
        case "failed": 2
        case "canceled": 4
        default: 3
        }
    }
}
