import Foundation
import GRDB

/// `lw init`: creates the database, the job and its label set. Rerunning with
/// the same settings changes nothing; with other settings it refuses.
public struct JobSettings: Sendable, Equatable {
    public var name: String
    public var labels: [String]
    public var workersPerImage: Int
    public var targetAccuracy: Double
    public var maxWorkersPerImage: Int = 5
    public var extraVoteBelowConfidence: Double = 0.9
    /// Dynamic overlap for the validation sample (images picked at random).
    public var validationExtraVoteBelow: Double = 0.99
    /// The most workers a validation image below that bar may get.
    public var validationMaxWorkersPerImage: Int = 7
    public var maxHumanLabels: Int?
    public var maxHumanPercent: Double?
    public var featureBanks = "128:2048"
    public var randomShare = 0.1
    /// The built-in model: 'filters' (the learned filters, with the pretrained
    /// backbone's head when `backbone` is on) or 'filters+convnet' (also two
    /// small networks trained on the pixels every round: ~10× the training time).
    public var model = "filters"
    /// The convolutional network's input side (pixels; a multiple of 64).
    public var convnetSide = 256
    /// Whether each network is replaced by a student trained on the human
    /// labels plus its confident calls on unlabeled images (see `SelfTraining`).
    public var selfTraining = true
    /// Whether each student also trains on flattened-object copies of the
    /// images its teacher is sure of (see `ObjectCopies`).
    public var objectCopies = true
    /// Whether `lw train` adds the pretrained backbone's head (when its weights are available).
    public var backbone = true
    /// The fewest image-steps a network trained from random weights gets
    /// (`ConvNetTraining.Settings.epochsFromScratch`).
    public var convnetImageSteps = ConvNetTraining.Settings.minimumImageSteps
    /// How sure the bound behind a threshold is (one-sided; 0.95 → z 1.645).
    public var thresholdConfidence = ThresholdSearch.defaultConfidence
    /// The largest image `lw import` accepts, checked on its header before decoding.
    public var maxMegapixels = 100
    /// The share of each label's images that must end with that label (unset: the target accuracy).
    public var targetRecall = TargetRecall()
    /// Plain text for the people who label (`JobInstructions`); nil: none.
    public var instructions: String?

    public init(name: String, labels: [String], workersPerImage: Int = 3, targetAccuracy: Double = 0.95) {
        self.name = name
        self.labels = labels
        self.workersPerImage = workersPerImage
        self.targetAccuracy = targetAccuracy
    }

    /// Every setting's default, in one place (`lw init`'s options show these).
    public static let defaults = JobSettings(name: "lw-job", labels: [])

    /// "on" or "off" for a switch option; anything else is a one-line error naming the option.
    public static func parseSwitch(_ value: String, option: String) throws -> Bool {
        switch value {
        case "on": return true
        case "off": return false
        default: throw LWError.invalidArgument("\(option) '\(value)' is not a switch value: use on or off")
        }
    }

    /// Checks the settings before anything is written.
    public func validate() throws {
        if name.trimmingCharacters(in: .whitespaces).isEmpty {
            throw LWError.invalidArgument("job name is empty: pass --job-name NAME")
        }
        if labels.count < 2 {
            throw LWError.invalidArgument("need at least two labels, got \(labels.count) (\(labels.joined(separator: ","))): pass --labels a,b")
        }
        for label in labels where label.trimmingCharacters(in: .whitespaces).isEmpty || label != label.trimmingCharacters(in: .whitespaces) {
            throw LWError.invalidArgument("label '\(label)' is empty or has surrounding spaces: pass --labels like logo,no_logo")
        }
        for text in [name] + labels {
            if let control = text.unicodeScalars.first(where: Text.isControl) {
                throw LWError.invalidArgument("'\(Text.abbreviated(text, limit: 60))' holds a control character (U+\(String(format: "%04X", control.value))): job and label names are one line of visible text")
            }
        }
        var seen = Set<String>()
        for label in labels where !seen.insert(label).inserted {
            throw LWError.invalidArgument("label '\(label)' is listed twice in --labels")
        }
        if workersPerImage < 1 || workersPerImage > 50 {
            throw LWError.invalidArgument("--workers-per-image \(workersPerImage) is out of range: use 1 to 50")
        }
        if maxWorkersPerImage < workersPerImage || maxWorkersPerImage > 50 {
            throw LWError.invalidArgument("--max-workers-per-image \(maxWorkersPerImage) must be between --workers-per-image (\(workersPerImage)) and 50")
        }
        if !(extraVoteBelowConfidence >= 0 && extraVoteBelowConfidence <= 1) {
            throw LWError.invalidArgument("--extra-vote-below \(extraVoteBelowConfidence) is out of range: use 0 (never) to 1")
        }
        if !(validationExtraVoteBelow >= 0 && validationExtraVoteBelow <= 1) {
            throw LWError.invalidArgument("--validation-extra-vote-below \(validationExtraVoteBelow) is out of range: use 0 (never) to 1")
        }
        if validationMaxWorkersPerImage < workersPerImage || validationMaxWorkersPerImage > 50 {
            throw LWError.invalidArgument("--validation-max-workers-per-image \(validationMaxWorkersPerImage) must be between --workers-per-image (\(workersPerImage)) and 50")
        }
        _ = try FeatureCache.parseBanks(featureBanks)
        if !BuiltinModel.kinds.contains(model) {
            throw LWError.invalidArgument("--model '\(model)' is not a built-in model: use \(BuiltinModel.kinds.joined(separator: " or "))")
        }
        if maxMegapixels < 1 || maxMegapixels > 10_000 {
            throw LWError.invalidArgument("--max-megapixels \(maxMegapixels) is out of range: use 1 to 10000 (default 100)")
        }
        if convnetImageSteps < 100 {
            throw LWError.invalidArgument("--convnet-steps \(convnetImageSteps) is too few for a network to learn anything: use at least 100 (default 19200)")
        }
        if convnetSide < 64 || convnetSide > 1024 || convnetSide % 64 != 0 {
            throw LWError.invalidArgument("--convnet-side \(convnetSide) is not usable: use a multiple of 64 from 64 to 1024, e.g. 256")
        }
        if !(randomShare >= 0 && randomShare <= 1) { throw LWError.invalidArgument("--random-share \(randomShare) must be between 0 and 1") }
        if let maxHumanLabels, maxHumanLabels < 0 { throw LWError.invalidArgument("--max-human \(maxHumanLabels) must be 0 or more") }
        if let maxHumanPercent, !(maxHumanPercent >= 0 && maxHumanPercent <= 100) {
            throw LWError.invalidArgument("--max-human-percent \(maxHumanPercent) must be between 0 and 100")
        }
        if !(targetAccuracy > 0.5 && targetAccuracy < 1) {
            throw LWError.invalidArgument("--target-accuracy \(targetAccuracy) is out of range: use a value between 0.5 and 1, e.g. 0.95")
        }
        for name in targetRecall.byLabel.keys where !labels.contains(name) {
            throw LWError.invalidArgument("--target-recall names '\(name)', not a label of the job (\(labels.joined(separator: ",")))")
        }
        try JobInstructions.validate(instructions)
        if !(thresholdConfidence > 0.5 && thresholdConfidence < 1) {
            throw LWError.invalidArgument("--threshold-confidence \(thresholdConfidence) is out of range: use a value between 0.5 and 1, e.g. 0.95 or 0.975")
        }
    }
}

public enum InitJob {
    public enum Outcome: Equatable { case created, alreadyInitialized }

    /// `references` (files) are stored in the same run, as references of the first label.
    public static func run(databasePath: String, settings: JobSettings, references: [String] = [], context: RunContext) throws -> Outcome {
        try settings.validate()
        let referenceFiles = try ReferenceFile.checkAll(references, maxPixels: settings.maxMegapixels * 1_000_000)
        let store = try Store(path: databasePath)
        var context = context
        return try store.pool.write { db in
            if let job = try JobRecord.fetchOne(db) {
                let differences = try storedSettingsDiffering(db, from: settings)
                    + AddReferences.newFiles(referenceFiles, db).map { "--reference \($0.source) is not stored; add it with `lw references add`" }
                if differences.isEmpty { return .alreadyInitialized }
                throw LWError.alreadyInitialized(database: databasePath,
                    detail: "job '\(job.name)' with other settings: " + differences.joined(separator: ", "))
            }
            try context.begin(db)
            let job = JobRecord(name: settings.name, workersPerImage: settings.workersPerImage,
                                targetAccuracy: settings.targetAccuracy, createdAt: context.clock.iso)
            try job.insert(db)
            var initial: [String: Any] = [
                "name": job.name, "workers_per_image": job.workersPerImage, "target_accuracy": job.targetAccuracy,
                "max_workers_per_image": settings.maxWorkersPerImage, "extra_vote_below_confidence": settings.extraVoteBelowConfidence,
                "validation_extra_vote_below": settings.validationExtraVoteBelow,
                "validation_max_workers_per_image": settings.validationMaxWorkersPerImage, "model": settings.model, "convnet_side": settings.convnetSide,
                "self_training": settings.selfTraining, "object_copies": settings.objectCopies, "backbone": settings.backbone, "convnet_image_steps": settings.convnetImageSteps, "max_megapixels": settings.maxMegapixels, "threshold_confidence": settings.thresholdConfidence,
                "target_recall": settings.targetRecall.text(labels: settings.labels),
            ]
            if let instructions = settings.instructions { initial["instructions"] = instructions }
            try context.audit(db, action: .jobInit, entity: "job", entityId: 1, after: initial)
            for (index, name) in settings.labels.enumerated() {
                var label = LabelRecord(name: name, classIndex: index)
                try label.insert(db)
                try context.audit(db, action: .labelCreate, entity: "label", entityId: label.id,
                                  after: ["name": name, "class_index": index])
            }
            try settings.save(db)
            let stored = try AddReferences.insert(referenceFiles, labelId: try LabelRecord.inClassOrder(db)[0].id!, db: db, context: context)
            try context.finish(db, status: .succeeded, counts: ["labels": settings.labels.count, "references": stored.added.count])
            return .created
        }
    }

    /// Every stored setting that differs from `settings`, as "--option stored (this run: given)":
    /// a rerun of `lw init` with other settings is refused and told which ones.
    static func storedSettingsDiffering(_ db: Database, from settings: JobSettings) throws -> [String] {
        let stored = try JobSettings.load(db)
        return zip(stored.options, settings.options).filter { $0.value != $1.value }.map {
            "\($0.option) \(JobSettings.shown($0)) (this run: \(JobSettings.shown($1)))"
        }
    }
}
