import GRDB

/// The job's settings as stored (`job` and `label`), and as `lw init` options.
extension JobSettings {
    /// The stored job's settings; `LWError.invalidArgument` when the database has no job.
    public static func load(_ db: Database) throws -> JobSettings {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT name, workers_per_image, target_accuracy, max_workers_per_image, extra_vote_below_confidence,
                   validation_extra_vote_below, validation_max_workers_per_image, random_share, feature_banks,
                   max_human_labels, max_human_percent, model, convnet_side, self_training, object_copies, threshold_confidence, backbone, convnet_image_steps,
                   max_megapixels, instructions FROM job
            """) else { throw LWError.invalidArgument("the database has no job: run `lw init --labels a,b` first") }
        var settings = JobSettings(name: row["name"], labels: try LabelRecord.names(db),
                                   workersPerImage: row["workers_per_image"], targetAccuracy: row["target_accuracy"])
        settings.maxWorkersPerImage = row["max_workers_per_image"]
        settings.extraVoteBelowConfidence = row["extra_vote_below_confidence"]
        settings.validationExtraVoteBelow = row["validation_extra_vote_below"]
        settings.validationMaxWorkersPerImage = row["validation_max_workers_per_image"]
        settings.randomShare = row["random_share"]
        settings.featureBanks = row["feature_banks"]
        settings.maxHumanLabels = row["max_human_labels"]
        settings.maxHumanPercent = row["max_human_percent"]
        settings.model = row["model"]
        settings.convnetSide = row["convnet_side"]
        settings.selfTraining = row["self_training"]
        settings.objectCopies = row["object_copies"]
        settings.backbone = row["backbone"]
        settings.convnetImageSteps = row["convnet_image_steps"]
        settings.thresholdConfidence = row["threshold_confidence"]
        settings.maxMegapixels = row["max_megapixels"]
        settings.targetRecall = try TargetRecall.load(db)
        settings.instructions = row["instructions"]
        return settings
    }

    /// Writes every setting but the name and the labels into the job row, in the
    /// caller's transaction (`lw init` after creating it, `lw settings set`).
    func save(_ db: Database) throws {
        try db.execute(sql: """
            UPDATE job SET workers_per_image = ?, target_accuracy = ?, max_workers_per_image = ?, extra_vote_below_confidence = ?,
                           validation_extra_vote_below = ?, validation_max_workers_per_image = ?, random_share = ?, feature_banks = ?,
                           max_human_labels = ?, max_human_percent = ?, model = ?, convnet_side = ?, self_training = ?,
                           object_copies = ?, threshold_confidence = ?, backbone = ?, convnet_image_steps = ?, max_megapixels = ?,
                           instructions = ?
            """, arguments: [workersPerImage, targetAccuracy, maxWorkersPerImage, extraVoteBelowConfidence, validationExtraVoteBelow,
                             validationMaxWorkersPerImage, randomShare, featureBanks, maxHumanLabels, maxHumanPercent, model,
                             convnetSide, selfTraining, objectCopies, thresholdConfidence, backbone, convnetImageSteps, maxMegapixels,
                             instructions])
        try targetRecall.save(db)
    }

    /// Every setting as its `lw init` option and value text ("none" for no budget,
    /// on/off for switches). Doubles print their shortest exact form, so equal
    /// texts mean equal values.
    public var options: [(option: String, value: String)] {
        func text(_ value: Any?) -> String {
            switch value {
            case nil: return "none"
            case let flag as Bool: return flag ? "on" : "off"
            case let some?: return "\(some)"
            }
        }
        return [
            ("--job-name", name),
            ("--labels", labels.joined(separator: ",")),
            ("--workers-per-image", text(workersPerImage)),
            ("--target-accuracy", text(targetAccuracy)),
            ("--max-workers-per-image", text(maxWorkersPerImage)),
            ("--extra-vote-below", text(extraVoteBelowConfidence)),
            ("--validation-extra-vote-below", text(validationExtraVoteBelow)),
            ("--random-share", text(randomShare)),
            ("--features", featureBanks),
            ("--max-human", text(maxHumanLabels)),
            ("--max-human-percent", text(maxHumanPercent)),
            ("--model", model),
            ("--convnet-side", text(convnetSide)),
            ("--validation-max-workers-per-image", text(validationMaxWorkersPerImage)),
            ("--self-training", text(selfTraining)),
            ("--object-copies", text(objectCopies)),
            ("--threshold-confidence", text(thresholdConfidence)),
            ("--backbone", text(backbone)),
            ("--convnet-steps", text(convnetImageSteps)),
            ("--max-megapixels", text(maxMegapixels)),
            ("--target-recall", targetRecall.text(labels: labels)),
            ("--instructions", text(instructions)),
        ]
    }

    /// A setting's value for one line of text: the instructions by their first
    /// line and length, every other value as it is.
    public static func shown(_ setting: (option: String, value: String)) -> String {
        guard setting.option == "--instructions", setting.value != "none" else { return setting.value }
        let lines = setting.value.split(separator: "\n", omittingEmptySubsequences: false)
        let first = Text.abbreviated(String(lines[0]), limit: 60)
        return lines.count > 1 ? "\(first) (+\(lines.count - 1) lines)" : first
    }
}
