extension AutoLabel {
    /// What the latest model does with one image's machine label.
    enum Decision: Equatable {
        /// A new machine label.
        case add
        /// The label rewritten with this model's call (`revised`: another label).
        case update(revised: Bool)
        /// The same model's same call: nothing to write.
        case keep
        /// Back to humans.
        case withdraw
        /// No machine label, none given.
        case leave

        /// Whether the image ends machine-labeled.
        var isLabeled: Bool {
            switch self {
            case .add, .update, .keep: return true
            case .withdraw, .leave: return false
            }
        }
    }

    /// The model labels an image at or above its label's threshold, unless an
    /// assignment is open for it. An earlier model's label stands only while
    /// the latest model confirms it: one it contradicts, or agrees with below
    /// its threshold, goes back to humans (kept, such labels fell below the
    /// target in the benchmark's loops: bench/README.md). A model with no threshold for the
    /// label certifies nothing and withdraws only what it contradicts.
    static func decide(current: (model: Int64, label: Int64, confidence: Double)?, modelId: Int64, labelId: Int64,
                       confidence: Double, threshold: Double?, busy: Bool) -> Decision {
        let accept = threshold.map { confidence >= $0 } ?? false
        if accept && !busy {
            guard let old = current else { return .add }
            let changed = old.label != labelId || old.model != modelId || abs(old.confidence - confidence) >= 0.0005
            return changed ? .update(revised: old.label != labelId) : .keep
        }
        let unconfirmed = threshold != nil && !accept
        if let old = current, old.label != labelId || unconfirmed { return .withdraw }
        return .leave
    }
}
