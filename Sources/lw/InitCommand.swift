import ArgumentParser
import LabelWorkbench

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the database with a job and its label set.",
        discussion: "Example: lw init --labels logo,no_logo --job-name logo-job"
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The labels, comma-separated, in class-index order.", valueName: "a,b,..."))
    var labels: String?

    @Option(name: .customLong("label-config"), help: ArgumentHelp("The labels from a Ground Truth label category file.", valueName: "file"))
    var labelConfig: String?

    @Option(name: .customLong("job-name"), help: "The job's name (used in exported manifests).")
    var jobName: String = JobSettings.defaults.name

    @Option(name: .customLong("workers-per-image"), help: "How many workers label each image.")
    var workersPerImage: Int = JobSettings.defaults.workersPerImage

    @Option(name: .customLong("target-accuracy"), help: "The accuracy machine labels must reach.")
    var targetAccuracy: Double = JobSettings.defaults.targetAccuracy

    @Option(name: .customLong("max-workers-per-image"), help: "Dynamic overlap: the most workers an image whose votes disagree may get.")
    var maxWorkersPerImage: Int = JobSettings.defaults.maxWorkersPerImage

    @Option(name: .customLong("extra-vote-below"), help: "Dynamic overlap: ask one more worker while the consensus confidence is below this (0 = never).")
    var extraVoteBelow: Double = JobSettings.defaults.extraVoteBelowConfidence

    @Option(name: .customLong("validation-extra-vote-below"),
            help: "Dynamic overlap for the validation sample (images picked at random): one more worker while its consensus confidence is below this.")
    var validationExtraVoteBelow: Double = JobSettings.defaults.validationExtraVoteBelow

    @Option(name: .customLong("validation-max-workers-per-image"),
            help: "Dynamic overlap for the validation sample: the most workers an image picked at random may get (two more at a time).")
    var validationMaxWorkersPerImage: Int = JobSettings.defaults.validationMaxWorkersPerImage

    @Option(name: .customLong("max-human"), help: "Budget: at most this many images go to humans.")
    var maxHuman: Int?

    @Option(name: .customLong("max-human-percent"), help: "Budget: at most this percentage of the images go to humans.")
    var maxHumanPercent: Double?

    @Option(help: ArgumentHelp("The built-in model's feature banks: image side and filter count per bank.", valueName: "side:filters,..."))
    var features = JobSettings.defaults.featureBanks

    @Option(name: .customLong("random-share"), help: "Share of each uncertainty-ordered round still drawn at random (the validation sample).")
    var randomShare = JobSettings.defaults.randomShare

    @Option(help: ArgumentHelp("The built-in model: learned-filter features alone, or combined with a small convolutional network (slower to train, far better at small objects).", valueName: "filters|filters+convnet"))
    var model = JobSettings.defaults.model

    @Option(name: .customLong("convnet-side"), help: "The convolutional network's input: images letterboxed to this many pixels (a multiple of 64).")
    var convnetSide = JobSettings.defaults.convnetSide

    @Option(name: .customLong("self-training"),
            help: ArgumentHelp("With filters+convnet: each network's confident calls on unlabeled images train a fresh network that replaces it (more machine labels, ~9× the training time).", valueName: "on|off"))
    var selfTraining = JobSettings.defaults.selfTraining ? "on" : "off"

    @Option(name: .customLong("threshold-confidence"),
            help: "How sure lw must be that machine labels reach --target-accuracy: the one-sided confidence of the Wilson lower bound on validation that sets each threshold (0.975 is stricter: fewer machine labels).")
    var thresholdConfidence = JobSettings.defaults.thresholdConfidence

    func validate() throws {
        if (labels == nil) == (labelConfig == nil) { throw ValidationError("give the labels with --labels a,b or --label-config FILE") }
    }

    func run() throws {
        try Console.reportingErrors {
            var settings = JobSettings(
                name: jobName,
                labels: try labelConfig.map(GroundTruthManifest.readLabelConfig)
                    ?? labels!.split(separator: ",", omittingEmptySubsequences: false).map(String.init),
                workersPerImage: workersPerImage, targetAccuracy: targetAccuracy)
            settings.maxWorkersPerImage = max(maxWorkersPerImage, workersPerImage)
            settings.extraVoteBelowConfidence = extraVoteBelow
            settings.validationExtraVoteBelow = validationExtraVoteBelow
            settings.validationMaxWorkersPerImage = max(validationMaxWorkersPerImage, workersPerImage)
            settings.maxHumanLabels = maxHuman
            settings.maxHumanPercent = maxHumanPercent
            settings.featureBanks = features
            settings.randomShare = randomShare
            settings.model = model
            settings.convnetSide = convnetSide
            settings.thresholdConfidence = thresholdConfidence
            settings.selfTraining = try JobSettings.parseSwitch(selfTraining, option: "--self-training")
            let outcome = try InitJob.run(databasePath: global.databasePath, settings: settings, context: global.context("init"))
            switch outcome {
            case .created:
                Console.out("created job '\(jobName)' with labels \(settings.labels.joined(separator: ", ")) in \(global.databasePath)")
            case .alreadyInitialized:
                Console.out("\(global.databasePath) already holds job '\(jobName)' with these settings; nothing changed")
            }
        }
    }
}
