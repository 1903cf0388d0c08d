/// How long operations report progress; the CLI draws it on a terminal and
/// passes `nil` when stderr is not one (or with --quiet).
public protocol ProgressReporter: AnyObject, Sendable {
    func start(_ title: String, total: Int)
    func advance(by count: Int)
    func finish()
}
