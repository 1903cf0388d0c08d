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
    var labels: String

    @Option(name: .customLong("job-name"), help: "The job's name (used in exported manifests).")
    var jobName: String = "lw-job"

    @Option(name: .customLong("workers-per-image"), help: "How many workers label each image.")
    var workersPerImage: Int = 3

    @Option(name: .customLong("target-accuracy"), help: "The accuracy machine labels must reach.")
    var targetAccuracy: Double = 0.95

    func run() throws {
        try Console.reportingErrors {
            let settings = JobSettings(
                name: jobName,
                labels: labels.split(separator: ",", omittingEmptySubsequences: false).map(String.init),
                workersPerImage: workersPerImage, targetAccuracy: targetAccuracy)
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
