import GRDB

/// A model's validation items, stored with it (`model_validation`): the
/// evidence its threshold was searched on, for audits.
enum ModelValidation {
    struct Item {
        var imageId: Int64
        /// Class indices of the model's label and of the consensus label.
        var predicted: Int
        var human: Int
        var confidence: Double
        /// The consensus posterior of the predicted label.
        var labelRight: Double
    }

    /// A model's validation sample: its calls on the human-labeled images picked at
    /// random (never the uncertainty picks, which would understate its accuracy),
    /// as threshold-search items and as the evidence stored with the model.
    struct Sample {
        var items: [ThresholdSearch.Item] = []
        var evidence: [Item] = []
        /// Index into the human labels of each item.
        var humanIndex: [Int] = []
        var predicted: [Int] { evidence.map(\.predicted) }
    }

    /// The validation sample of a model whose class probabilities for the i-th human
    /// label are `prediction(i)` (nil: the model does not predict that image).
    /// Each item counts as right with the consensus posterior of the model's label.
    static func sample(humans: [HumanLabel], classes: Int, prediction: (Int) -> [Double]?) -> Sample {
        let priors = ThresholdSearch.labelPriors(humans.map(\.posteriors), classes: classes)
        var sample = Sample()
        for (i, human) in humans.enumerated() where human.inValidationSample {
            guard let p = prediction(i) else { continue }
            let predicted = Probabilities.argmax(p)
            sample.items.append(.init(confidence: p[predicted], correct: human.posteriors[predicted], prior: priors[predicted]))
            sample.evidence.append(.init(imageId: human.imageId, predicted: predicted, human: human.label, confidence: p[predicted],
                                      labelRight: human.posteriors[predicted]))
            sample.humanIndex.append(i)
        }
        return sample
    }

    /// Inserts the items of model `modelId`, in the caller's transaction.
    static func record(_ db: Database, modelId: Int64, items: [Item]) throws {
        let labelIds = try LabelRecord.inClassOrder(db).map { $0.id! }
        let insert = try db.makeStatement(sql: """
            INSERT INTO model_validation (model_id, image_id, label_id, confidence, human_label_id, label_right)
            VALUES (?, ?, ?, ?, ?, ?)
            """)
        for item in items {
            // Clamped so a rounding error past 0 or 1 cannot fail the CHECK and with it
            // the model's whole transaction; values inside keep every bit (the
            // threshold is one of these confidences and must compare equal).
            try insert.execute(arguments: [modelId, item.imageId, labelIds[item.predicted], min(max(item.confidence, 0), 1),
                                           labelIds[item.human], min(max(item.labelRight, 0), 1)])
        }
    }
}
