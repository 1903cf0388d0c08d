import ArgumentParser
import LabelWorkbench

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the database with a job and its label set.",
        discussion: """
            Example: lw init --labels logo,no_logo --job-name logo-job
            Example: lw init --labels logo,no_logo --instructions guide.txt --reference logo.png
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The labels, comma-separated, in class-index order.", valueName: "a,b,..."))
    var labels: String?

    @Option(name: .customLong("label-config"), help: ArgumentHelp("The labels from a Ground Truth label category file.", valueName: "file"))
    var labelConfig: String?

    @Option(name: .customLong("job-name"), help: "The job's name (used in exported manifests).")
    var jobName: String = JobSettings.defaults.name

    @Option(name: .customLong("workers-per-image"), help: SettingHelp.workersPerImage)
    var workersPerImage: Int = JobSettings.defaults.workersPerImage

    @Option(name: .customLong("target-accuracy"), help: SettingHelp.targetAccuracy)
    var targetAccuracy: Double = JobSettings.defaults.targetAccuracy

    @Option(name: .customLong("target-recall"), help: SettingHelp.targetRecall)
    var targetRecall: String?

    @Option(name: .customLong("max-workers-per-image"), help: SettingHelp.maxWorkersPerImage)
    var maxWorkersPerImage: Int = JobSettings.defaults.maxWorkersPerImage

    @Option(name: .customLong("extra-vote-below"), help: SettingHelp.extraVoteBelow)
    var extraVoteBelow: Double = JobSettings.defaults.extraVoteBelowConfidence

    @Option(name: .customLong("validation-extra-vote-below"),
            help: SettingHelp.validationExtraVoteBelow)
    var validationExtraVoteBelow: Double = JobSettings.defaults.validationExtraVoteBelow

    @Option(name: .customLong("validation-max-workers-per-image"),
            help: SettingHelp.validationMaxWorkersPerImage)
    var validationMaxWorkersPerImage: Int = JobSettings.defaults.validationMaxWorkersPerImage

    @Option(name: .customLong("max-human"), help: SettingHelp.maxHuman)
    var maxHuman: Int?

    @Option(name: .customLong("max-human-percent"), help: SettingHelp.maxHumanPercent)
    var maxHumanPercent: Double?

    @Option(help: ArgumentHelp("The built-in model's feature banks: image side and filter count per bank.", valueName: "side:filters,..."))
    var features = JobSettings.defaults.featureBanks

    @Option(name: .customLong("random-share"), help: SettingHelp.randomShare)
    var randomShare = JobSettings.defaults.randomShare

    @Option(help: SettingHelp.model)
    var model = JobSettings.defaults.model

    @Option(name: .customLong("convnet-side"), help: SettingHelp.convnetSide)
    var convnetSide = JobSettings.defaults.convnetSide

    @Option(name: .customLong("self-training"),
            help: SettingHelp.selfTraining)
    var selfTraining = JobSettings.defaults.selfTraining ? "on" : "off"

    @Option(name: .customLong("object-copies"), help: SettingHelp.objectCopies)
    var objectCopies = JobSettings.defaults.objectCopies ? "on" : "off"

    @Option(help: SettingHelp.backbone)
    var backbone = JobSettings.defaults.backbone ? "on" : "off"

    @Option(name: .customLong("convnet-steps"), help: SettingHelp.convnetSteps)
    var convnetSteps = JobSettings.defaults.convnetImageSteps

    @Option(name: .customLong("max-megapixels"), help: SettingHelp.maxMegapixels)
    var maxMegapixels = JobSettings.defaults.maxMegapixels

    @Option(name: .customLong("threshold-confidence"),
            help: SettingHelp.thresholdConfidence)
    var thresholdConfidence = JobSettings.defaults.thresholdConfidence

    @Option(help: ArgumentHelp("Instructions for the people who label: a plain UTF-8 text file (at most 64 KB).", valueName: "file"))
    var instructions: String?

    @Option(help: ArgumentHelp("A picture of what the first label looks like (JPEG or PNG; repeatable). More with `lw references add`.", valueName: "file"))
    var reference: [String] = []

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
            settings.objectCopies = try JobSettings.parseSwitch(objectCopies, option: "--object-copies")
            settings.backbone = try JobSettings.parseSwitch(backbone, option: "--backbone")
            settings.convnetImageSteps = convnetSteps
            settings.maxMegapixels = maxMegapixels
            if let targetRecall { settings.targetRecall = try TargetRecall.parse(targetRecall, labels: settings.labels) }
            settings.instructions = try instructions.flatMap(JobInstructions.read)
            let outcome = try InitJob.run(databasePath: global.databasePath, settings: settings, references: reference,
                                          context: global.context("init"))
            switch outcome {
            case .created:
                Console.out("created job '\(jobName)' with labels \(settings.labels.joined(separator: ", ")) in \(global.databasePath)"
                            + (reference.isEmpty ? "" : "; stored \(reference.count) references of \(settings.labels[0])"))
            case .alreadyInitialized:
                Console.out("\(global.databasePath) already holds job '\(jobName)' with these settings; nothing changed")
            }
        }
    }
}
