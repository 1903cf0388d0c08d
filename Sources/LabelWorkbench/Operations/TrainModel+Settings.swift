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
            let job = try Row.fetchOne(db, sql: "SELECT target_accuracy, threshold_confidence, model, convnet_side, self_training, object_copies, backbone, convnet_image_steps FROM job")!
            let confidence: Double = job["threshold_confidence"], selfTraining: Bool = job["self_training"]
            return Settings(target: job["target_accuracy"], confidence: confidence, z: ThresholdSearch.zScore(confidence: confidence),
                            withConvNet: (job["model"] as String) == "filters+convnet", convnetSide: job["convnet_side"],
                            selfTraining: selfTraining, objectCopies: selfTraining && (job["object_copies"] as Bool),
                            backbone: job["backbone"], convnetImageSteps: job["convnet_image_steps"])
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
