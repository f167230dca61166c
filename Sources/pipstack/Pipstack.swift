@main
struct Pipstack { static func main() {} }
