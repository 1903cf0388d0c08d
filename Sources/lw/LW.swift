import ArgumentParser

@main
struct LW: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lw",
        abstract: "The label workbench: turn a pile of images into a trustworthy labeled training set.",
        discussion: """
            Every fact lives in one SQLite file (--db, or LW_DB, default ./lw.db).
            Data goes to stdout, progress and diagnostics to stderr.
            """,
        version: "0.1.0",
        subcommands: [InitCommand.self, ImportCommand.self, StatusCommand.self, WorkersCommand.self, AssignCommand.self,
                      AssignmentsCommand.self, ReviewCommand.self, ConsensusCommand.self, VotesCommand.self,
                      SettingsCommand.self, ReferencesCommand.self, TrainCommand.self, AutoLabelCommand.self, ModelsCommand.self, SuspectsCommand.self, DuplicatesCommand.self, PredictionsCommand.self, ExportCommand.self, ServeCommand.self]
    )
}
