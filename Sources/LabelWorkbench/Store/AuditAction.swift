/// Every `audit_event.action` lw writes: `<table>.<verb>`. A public interface
/// (audits query these strings), so cases are only ever added.
public enum AuditAction: String, Sendable, CaseIterable {
    case jobInit = "job.init", jobSettings = "job.settings", labelCreate = "label.create"
    case imageImport = "image.import"
    case importErrorRecord = "import_error.record", importErrorUpdate = "import_error.update", importErrorResolve = "import_error.resolve"
    case workerAdd = "worker.add", workerEnable = "worker.enable", workerDisable = "worker.disable", workerExpert = "worker.expert"
    case accessTokenIssue = "access_token.issue", accessTokenRevoke = "access_token.revoke"
    case assignmentCreate = "assignment.create", assignmentReopen = "assignment.reopen"
    case assignmentAnswer = "assignment.answer", assignmentSkip = "assignment.skip"
    case assignmentExpire = "assignment.expire", assignmentRelease = "assignment.release"
    case voteCast = "vote.cast", voteImport = "vote.import", voteUndo = "vote.undo"
    case consensusDecide = "consensus.decide", consensusRevise = "consensus.revise", consensusRemove = "consensus.remove"
    case featureExtractorLearn = "feature_extractor.learn", backboneAdd = "backbone.add"
    case modelTrain = "model.train", modelImport = "model.import"
    case machineLabelAdd = "machine_label.add", machineLabelRevise = "machine_label.revise", machineLabelWithdraw = "machine_label.withdraw"
    case exportStart = "export.start", exportWrite = "export.write"
    case referenceAdd = "reference.add", referenceRemove = "reference.remove"

    /// The assignment's closing action for its new status.
    static func closing(_ status: String) -> AuditAction {
        switch status {
        case "answered": return .assignmentAnswer
        case "skipped": return .assignmentSkip
        case "expired": return .assignmentExpire
        default: return .assignmentRelease
        }
    }
}
