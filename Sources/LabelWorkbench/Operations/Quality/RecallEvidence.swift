import Foundation
import GRDB

/// The recall evidence stored with a model (`model_recall_band`) and what
/// `lw auto-label` estimated of each label's machine labels with it
/// (`machine_label_estimate`).
enum RecallEvidence {
    /// Inserts each label's bands for model `modelId`, in the caller's transaction.
    static func record(_ db: Database, modelId: Int64, bands: [[RecallBound.Band]]) throws {
        let labelIds = try LabelRecord.inClassOrder(db).map { $0.id! }
        let insert = try db.makeStatement(sql: """
            INSERT INTO model_recall_band (model_id, label_id, band, lowest_score, validation_items, label_items)
            VALUES (?, ?, ?, ?, ?, ?)
            """)
        for (k, labelBands) in bands.enumerated() {
            for (b, band) in labelBands.enumerated() {
                try insert.execute(arguments: [modelId, labelIds[k], b, band.lowestScore, band.items, band.labelItems])
            }
        }
    }

    /// Each label's bands of model `modelId`, in class order (nil: none stored).
    static func bands(_ db: Database, modelId: Int64, labels: [LabelRecord]) throws -> [[RecallBound.Band]?] {
        let rows = try Row.fetchAll(db, sql: """
            SELECT label_id, lowest_score, validation_items, label_items FROM model_recall_band
            WHERE model_id = ? ORDER BY label_id, band
            """, arguments: [modelId])
        var byLabel: [Int64: [RecallBound.Band]] = [:]
        for row in rows {
            byLabel[row["label_id"], default: []].append(.init(lowestScore: row["lowest_score"], items: row["validation_items"],
                                                                labelItems: row["label_items"]))
        }
        return labels.map { byLabel[$0.id!] }
    }

    /// Each label's images by human consensus: the consensus posteriors of the label summed.
    static func humanCounts(_ db: Database, labels: [LabelRecord]) throws -> [Double] {
        let names = labels.map(\.name)
        var sums = [Double](repeating: 0, count: labels.count)
        for text in try String.fetchAll(db, sql: "SELECT posteriors FROM consensus") {
            guard let posteriors = try? JSONDecoder().decode([String: Double].self, from: Data(text.utf8)) else { continue }
            for (k, name) in names.enumerated() { sums[k] += posteriors[name] ?? 0 }
        }
        return sums
    }

    /// Each label's target recall: its own, else the job's, else the job's target accuracy.
    static func targets(_ db: Database, labels: [LabelRecord]) throws -> [Double] {
        let settings = try JobSettings.load(db)
        return labels.map { settings.targetRecall.byLabel[$0.name] ?? settings.targetRecall.all ?? settings.targetAccuracy }
    }

    /// Writes each label's estimate for model `modelId` where it changed.
    static func store(_ db: Database, modelId: Int64, labels: [LabelRecord], reports: [RecallGuard.Report], targets: [Double],
                      runId: Int64) throws {
        for (k, report) in reports.enumerated() {
            let values: [DatabaseValueConvertible?] = [
                targets[k], report.threshold, report.machineLabeled, report.heldBack, rounded(report.precision), rounded(report.precisionLower),
                rounded(report.recall?.hidden), rounded(report.recall?.hiddenUpper), rounded(report.recall?.total),
                rounded(report.recall?.recall), rounded(report.recall?.recallLower),
            ]
            let same = try Bool.fetchOne(db, sql: """
                SELECT 1 FROM machine_label_estimate WHERE model_id = ? AND label_id = ? AND target_recall IS ? AND threshold IS ?
                  AND machine_labeled IS ? AND held_back IS ? AND precision IS ? AND precision_lower_bound IS ? AND hidden IS ?
                  AND hidden_upper_bound IS ? AND label_images IS ? AND recall IS ? AND recall_lower_bound IS ?
                """, arguments: StatementArguments([modelId, labels[k].id!] + values)) ?? false
            if same { continue }
            try db.execute(sql: """
                INSERT OR REPLACE INTO machine_label_estimate (model_id, label_id, target_recall, threshold, machine_labeled, held_back,
                  precision, precision_lower_bound, hidden, hidden_upper_bound, label_images, recall, recall_lower_bound, run_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: StatementArguments([modelId, labels[k].id!] + values + [runId]))
        }
    }

    private static func rounded(_ value: Double?) -> Double? { value.map { ($0 * 1e6).rounded() / 1e6 } }
}
