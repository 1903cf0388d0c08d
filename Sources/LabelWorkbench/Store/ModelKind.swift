/// `model.kind`: trained by `lw train`, or imported by `lw predictions import`.
public enum ModelKind: String, Sendable, CaseIterable {
    case builtin, external
}
