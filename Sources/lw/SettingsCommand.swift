import ArgumentParser
import LabelWorkbench

struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings",
        abstract: "Show or change the job's settings after lw init.",
        subcommands: [Show.self, Change.self],
        defaultSubcommand: Show.self
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every setting as its lw init option and value.",
            discussion: "Example: lw settings show --json"
        )
        @OptionGroup var global: GlobalOptions
        @Flag(help: "One JSON object: option name (without --) → value text.") var json = false

        func run() throws {
            try Console.reportingErrors {
                let settings = try global.openReadOnlyStore().pool.read { try JobSettings.load($0) }
                if json {
                    Console.out(JSON.text(Dictionary(uniqueKeysWithValues: settings.options.map { (String($0.option.dropFirst(2)), $0.value) })))
                    return
                }
                for (option, value) in settings.options {
                    Console.out("\(option) \(JobSettings.shown((option, value)))" + (ChangeSettings.fixedOptions.contains(option) ? "   (fixed)" : ""))
                }
            }
        }
    }

    struct Change: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Change settings; the options and their meaning are lw init's.",
            discussion: """
                Workforce and budget settings apply to the next lw assign; the model's
                (--target-accuracy, --threshold-confidence, --model, --convnet-side,
                --self-training, --object-copies, --backbone) to the next lw train, which makes a new model. The job
                name, labels and feature banks are fixed. Audited (action job.settings);
                the same values again change nothing.
                Examples: lw settings set --max-human 2000
                          lw settings set --max-human-percent none --random-share 0.3
                          lw settings set --instructions guide.txt
                """
        )
        @OptionGroup var global: GlobalOptions

        @Option(name: .customLong("workers-per-image"), help: SettingHelp.workersPerImage) var workersPerImage: Int?
        @Option(name: .customLong("target-accuracy"), help: SettingHelp.targetAccuracy) var targetAccuracy: Double?
        @Option(name: .customLong("target-recall"), help: SettingHelp.targetRecall) var targetRecall: String?
        @Option(name: .customLong("max-workers-per-image"), help: SettingHelp.maxWorkersPerImage) var maxWorkersPerImage: Int?
        @Option(name: .customLong("extra-vote-below"), help: SettingHelp.extraVoteBelow) var extraVoteBelow: Double?
        @Option(name: .customLong("validation-extra-vote-below"), help: SettingHelp.validationExtraVoteBelow) var validationExtraVoteBelow: Double?
        @Option(name: .customLong("validation-max-workers-per-image"), help: SettingHelp.validationMaxWorkersPerImage) var validationMaxWorkersPerImage: Int?
        @Option(name: .customLong("max-human"), help: ArgumentHelp(SettingHelp.maxHuman.abstract + " Or none: no budget.", valueName: "N|none")) var maxHuman: String?
        @Option(name: .customLong("max-human-percent"), help: ArgumentHelp(SettingHelp.maxHumanPercent.abstract + " Or none: no budget.", valueName: "P|none"))
        var maxHumanPercent: String?
        @Option(name: .customLong("random-share"), help: SettingHelp.randomShare) var randomShare: Double?
        @Option(help: SettingHelp.model) var model: String?
        @Option(name: .customLong("convnet-side"), help: SettingHelp.convnetSide) var convnetSide: Int?
        @Option(name: .customLong("self-training"), help: SettingHelp.selfTraining) var selfTraining: String?
        @Option(name: .customLong("object-copies"), help: SettingHelp.objectCopies) var objectCopies: String?
        @Option(name: .customLong("threshold-confidence"), help: SettingHelp.thresholdConfidence) var thresholdConfidence: Double?
        @Option(help: SettingHelp.backbone) var backbone: String?
        @Option(name: .customLong("convnet-steps"), help: SettingHelp.convnetSteps) var convnetSteps: Int?
        @Option(name: .customLong("max-megapixels"), help: SettingHelp.maxMegapixels) var maxMegapixels: Int?
        @Option(help: ArgumentHelp("Instructions for the people who label, from a plain UTF-8 text file (an empty file removes them).", valueName: "file"))
        var instructions: String?

        func run() throws {
            try Console.reportingErrors {
                let newInstructions = try instructions.map(JobInstructions.read)  // read before the transaction
                let changed = try ChangeSettings.run(store: try global.openStore(), context: global.context("settings set")) { s in
                    if let workersPerImage { s.workersPerImage = workersPerImage }
                    if let targetAccuracy { s.targetAccuracy = targetAccuracy }
                    if let targetRecall { s.targetRecall = try TargetRecall.parse(targetRecall, labels: s.labels) }
                    if let maxWorkersPerImage { s.maxWorkersPerImage = maxWorkersPerImage }
                    if let extraVoteBelow { s.extraVoteBelowConfidence = extraVoteBelow }
                    if let validationExtraVoteBelow { s.validationExtraVoteBelow = validationExtraVoteBelow }
                    if let validationMaxWorkersPerImage { s.validationMaxWorkersPerImage = validationMaxWorkersPerImage }
                    if let maxHuman { s.maxHumanLabels = try Self.budget(maxHuman, option: "--max-human", parse: Int.init) }
                    if let maxHumanPercent { s.maxHumanPercent = try Self.budget(maxHumanPercent, option: "--max-human-percent", parse: Double.init) }
                    if let randomShare { s.randomShare = randomShare }
                    if let model { s.model = model }
                    if let convnetSide { s.convnetSide = convnetSide }
                    if let selfTraining { s.selfTraining = try JobSettings.parseSwitch(selfTraining, option: "--self-training") }
                    if let objectCopies { s.objectCopies = try JobSettings.parseSwitch(objectCopies, option: "--object-copies") }
                    if let thresholdConfidence { s.thresholdConfidence = thresholdConfidence }
                    if let backbone { s.backbone = try JobSettings.parseSwitch(backbone, option: "--backbone") }
                    if let convnetSteps { s.convnetImageSteps = convnetSteps }
                    if let maxMegapixels { s.maxMegapixels = maxMegapixels }
                    if let newInstructions { s.instructions = newInstructions }
                }
                if changed.isEmpty { Console.out("the job already has these settings; nothing changed"); return }
                for line in changed { Console.out(line) }
            }
        }

        /// A budget value: a number, or "none" for no budget.
        static func budget<T>(_ text: String, option: String, parse: (String) -> T?) throws -> T? {
            if text == "none" { return nil }
            guard let value = parse(text) else {
                throw LWError.invalidArgument("\(option) '\(text)' is not a number: give one, e.g. \(option) 2000, or none for no budget")
            }
            return value
        }
    }
}
