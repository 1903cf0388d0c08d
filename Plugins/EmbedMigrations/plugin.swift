import Foundation
import PackagePlugin

/// Embeds the package's `migrations/*.sql` into the target as `EmbeddedMigrations.swift`.
/// A resource bundle would break once the `lw` binary is copied out of `.build`.
@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let migrationsDirectory = context.package.directoryURL.appending(path: "migrations")
        let sqlFiles = try FileManager.default
            .contentsOfDirectory(at: migrationsDirectory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(sqlFiles.count) migrations",
                executable: try context.tool(named: "MigrationEmbedder").url,
                arguments: [output.path()] + sqlFiles.map { $0.path() },
                inputFiles: sqlFiles,
                outputFiles: [output]
            )
        ]
    }
}
