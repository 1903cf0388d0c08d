import GRDB

extension TrainModel {
    /// The job's settings `lw train` depends on, read once per run.
    struct Settings {
        var target: Double
        /// The bound's one-sided confidence and its z.
        var confidence: Double
        var z: Double
        var withConvNet: Bool
        var convnetSide: Int
        var selfTraining: Bool
        /// Copies live in the self-training student: without self-training there are none.
        var objectCopies: Bool
        /// Whether the pretrained backbone's head joins the model (when its weights are available).
        var backbone: Bool
        /// The networks' fewest image-steps from scratch (`convnet_image_steps`).
        var convnetImageSteps: Int

        static func load(_ db: Database) throws -> Settings {
            let job = try JobSettings.load(db)
            return Settings(target: job.targetAccuracy, confidence: job.thresholdConfidence,
                            z: ThresholdSearch.zScore(confidence: job.thresholdConfidence),
                            withConvNet: job.model == "filters+convnet", convnetSide: job.convnetSide,
                            selfTraining: job.selfTraining, objectCopies: job.selfTraining && job.objectCopies,
                            backbone: job.backbone, convnetImageSteps: job.convnetImageSteps)
        }

        /// What, besides the labels, makes a different model: part of the model's key.
        /// Models trained before the self-training switch existed had it on: their key stays the same.
        func modelVersion(extractor: String, backbone: String? = nil) -> String {
            extractor + (backbone.map { "|backbone:\($0):\(MILHead.version)" } ?? "") + (withConvNet ? "|convnet:\(convnetSide):\(ConvNetTraining.version)" : "")
                + (withConvNet && !selfTraining ? "|self-training:off" : "")
                + (withConvNet && objectCopies ? "|object-copies:\(ObjectCopies.version)" : "")
                + (withConvNet && convnetImageSteps != ConvNetTraining.Settings.minimumImageSteps ? "|convnet-steps:\(convnetImageSteps)" : "")
        }
    }
}
