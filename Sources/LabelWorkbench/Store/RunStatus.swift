/// How a run ended (`run.status`); `running` until it does, `interrupted`
/// when its process is found gone.
public enum RunStatus: String, Sendable, CaseIterable {
    case running, succeeded, partial, failed, interrupted
}
