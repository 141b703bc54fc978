@main struct Playhouse { static func main() {} }
