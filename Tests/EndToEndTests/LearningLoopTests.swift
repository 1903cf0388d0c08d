import Foundation
import GRDB
import LabelWorkbench
import XCTest

/// Generated images where a small mark is the positive class: train on human
/// votes, auto-label, and check the machine labels against the truth.
final class LearningLoopTests: XCTestCase {
    func testTrainAutoLabelLabelsPartAtTargetAccuracyAndLeavesTheRest() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,no_logo", "--features", "64:64", "--target-accuracy", "0.9"]).status, 0)
        let specs = (0..<400).map { i in
            var spec = SyntheticImages.Spec(width: 128, height: 96, withMark: i % 2 == 0, seed: UInt64(5000 + i))
            spec.markScale = 0.04...0.22  // the smallest marks are a pixel or two at 64 px: left for humans
            return spec
        }
        let truth = Dictionary(uniqueKeysWithValues: zip(try lw.writePhotos("photos", prefix: "p", specs: specs),
                                                         specs.map { $0.withMark ? "logo" : "no_logo" }))
        XCTAssertEqual(try lw.run(["import", "photos", "--quiet"]).status, 0)

        // Too few labels: a clear refusal.
        let early = try lw.run(["train"])
        XCTAssertEqual(early.status, 1)
        XCTAssertTrue(early.stderr.contains("too few human labels"), early.stderr)
        XCTAssertEqual(try lw.run(["auto-label"]).status, 1)

        // Three workers vote on 300 images: two always right, one right 80% of the time.
        var csv = "worker,source,label\n"
        var rng = SeededGenerator(seed: 9)
        for name in truth.keys.sorted().prefix(300) {
            let t = truth[name]!, other = t == "logo" ? "no_logo" : "logo"
            csv += "ann1,\(name),\(t)\nann2,\(name),\(t)\nann3,\(name),\(rng.unit() < 0.8 ? t : other)\n"
        }
        try csv.write(to: lw.directory.appendingPathComponent("votes.csv"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["votes", "import", "votes.csv"]).status, 0)

        let train = try lw.run(["train", "--json"])
        XCTAssertEqual(train.status, 0, train.stderr)
        let model = try JSONSerialization.jsonObject(with: Data(train.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(model["training_size"] as? Int, 300)
        XCTAssertNotNil(model["threshold"] as? Double, "a threshold exists: \(train.stdout)")
        let certainty: [Double] = try lw.query("SELECT json_extract(metrics, '$.validation_certainty') FROM model")
        XCTAssertTrue(certainty.count == 1 && certainty[0] > 0.5 && certainty[0] <= 1, "validation certainty is recorded: \(certainty)")
        XCTAssertEqual(try lw.query("SELECT json_extract(parameters, '$.bound') FROM model") as [String], ["wilson one-sided 0.95 (z=1.645)"])
        // The default model combines the learned filters with the pretrained backbone's head, each
        // validation image scored by the fold that did not see it.
        XCTAssertEqual(try lw.query("SELECT algorithm FROM model") as [String], ["softmax-regression-l2+backbone"])
        let aucs: [Double] = try lw.query("""
            SELECT json_extract(metrics, '$.auc_filters') FROM model UNION ALL SELECT json_extract(metrics, '$.auc_backbone') FROM model
            UNION ALL SELECT json_extract(metrics, '$.auc') FROM model
            """)
        XCTAssertEqual(aucs.count, 3)
        XCTAssertTrue(aucs.allSatisfy { $0 > 0.7 && $0 <= 1 }, "filters, backbone and combined rank the mark (chance: 0.5): \(aucs)")
        let weight: [Double] = try lw.query("SELECT json_extract(metrics, '$.backbone_weight') FROM model")
        XCTAssertTrue(weight.count == 1 && BuiltinModel.backboneWeights.contains(weight[0]), "the backbone's weight is chosen and recorded: \(weight)")
        XCTAssertEqual(try lw.query("SELECT json_extract(parameters, '$.backbone.weight_chosen_by') FROM model") as [String], ["out-of-fold AUC"])
        XCTAssertEqual(try lw.query("SELECT json_extract(parameters, '$.backbone.head') FROM model") as [String], [MILHead.version])
        XCTAssertEqual(try lw.query("SELECT sha256 FROM backbone") as [String], [BackboneCache.sha256], "the checkpoint is stored once, in the job")
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM image_backbone_map"), 300, "a map per labeled image")
        XCTAssertNil(model["convnet"], "no networks unless asked for")
        let seconds = model["seconds"] as? [String: Double] ?? [:]
        for part in ["features", "backbone_maps", "backbone_head", "filters", "total"] {
            XCTAssertNotNil(seconds[part], "lw train --json times \(part): \(seconds)")
        }
        // The threshold's evidence is stored with the model: each validation image with its out-of-fold
        // prediction, and the view recounts what the search covered.
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM model_validation"), try lw.scalar("SELECT validation_size FROM model"))
        XCTAssertEqual(try lw.scalar("""
            SELECT count(*) FROM model_validation AS v JOIN consensus AS c ON c.image_id = v.image_id AND c.label_id = v.human_label_id
            """), 300, "every validation image is a human-labeled one, with its consensus label")
        let covered: [Double] = try lw.query("SELECT sum(covered_items) FROM threshold_evidence")
        let reported: [Double] = try lw.query("SELECT json_extract(metrics, '$.covered_share') * validation_size FROM model")
        XCTAssertEqual(covered.first ?? -1, reported.first ?? -2, accuracy: 0.01, "the view covers what the search covered")
        XCTAssertGreaterThan(covered.first ?? 0, 0)
        // Same labels: the model is reused.
        XCTAssertTrue(try lw.run(["train"]).stdout.contains("up to date"))
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM model"), 1)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM image_feature"), 300)

        XCTAssertEqual(try lw.run(["auto-label"]).status, 0)
        let rows: [Row] = try DatabaseQueue(path: lw.database).read { db in
            try Row.fetchAll(db, sql: "SELECT i.source, s.label, s.status FROM image_status s JOIN image i ON i.id = s.image_id WHERE s.status = 'machine_labeled'")
        }
        XCTAssertGreaterThan(rows.count, 20, "a good part of the 100 unlabeled images is machine-labeled")
        XCTAssertLessThan(rows.count, 100, "some images are left for humans")
        let correct = rows.filter { truth[($0["source"] as String).components(separatedBy: "/").last!] == $0["label"] as String }.count
        XCTAssertGreaterThanOrEqual(Double(correct) / Double(rows.count), 0.9, "machine labels meet the target")
        // The rest is ranked for humans, least confident first.
        let ranked = try lw.scalar("SELECT count(*) FROM image WHERE awaiting_label = 1 AND uncertainty_rank IS NOT NULL")
        XCTAssertEqual(ranked, 100 - rows.count)
        let assign = try lw.run(["workers", "add", "h1"])
        XCTAssertEqual(assign.status, 0)
        let next = try lw.run(["assign", "--per-image", "1", "--limit", "10", "--json"])
        XCTAssertTrue(next.stdout.contains("\"strategy\":\"uncertain\""), next.stdout)
        // One of the ten goes at random (the job's 10%), in the job's random order over every image without a human label,
        // machine-labeled ones included: the validation sample stays a prefix of that order.
        XCTAssertEqual(try lw.query("SELECT image_id FROM assignment WHERE reason = 'random' ORDER BY image_id") as [Int64],
                       try lw.query("""
                           SELECT id FROM (SELECT id FROM image WHERE id NOT IN (SELECT image_id FROM consensus)
                                           ORDER BY random_rank LIMIT 1) ORDER BY id
                           """) as [Int64])
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM assignment WHERE reason = 'uncertain'"), 9)
        // Idempotent auto-label: nothing changes the second time.
        let audit = try lw.scalar("SELECT count(*) FROM audit_event")
        XCTAssertTrue(try lw.run(["auto-label"]).stdout.contains("+0, revised 0, withdrawn 0"))
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM audit_event"), audit)
        let status = try lw.run(["status", "--json"]).stdout
        XCTAssertTrue(status.contains("\"machine_labeled\":\(rows.count)"), status)
        let models = try lw.run(["models", "list"]).stdout
        XCTAssertTrue(models.contains("builtin") && models.contains("softmax-regression-l2+backbone"), models)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM image_backbone_map"), 400, "auto-label computed the other maps")

        // More labels: a new model from the cached maps; the checkpoint is not stored again.
        let unlabeled = truth.keys.sorted().suffix(100)
        let lines = unlabeled.prefix(20).map { "ann1,\($0),\(truth[$0]!)\nann2,\($0),\(truth[$0]!)\n" }.joined()
        try ("worker,source,label\n" + lines).write(to: lw.directory.appendingPathComponent("more.csv"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["votes", "import", "more.csv"]).status, 0)
        let second = try lw.run(["train"])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM backbone"), 1)
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM image_backbone_map"), 400)
        // Turned off, the next model is the filters alone.
        XCTAssertEqual(try lw.run(["settings", "set", "--backbone", "off"]).status, 0)
        XCTAssertEqual(try lw.run(["train"]).status, 0)
        XCTAssertEqual(try lw.query("SELECT algorithm FROM model ORDER BY id") as [String],
                       ["softmax-regression-l2+backbone", "softmax-regression-l2+backbone", "softmax-regression-l2"])
    }

    /// `lw init --model filters+convnet`: two small networks trained on the pixels
    /// join the filters; the next round's continue the last model's. A small
    /// step floor (`--convnet-steps`) keeps the test quick.
    func testNetworksWhenAskedForContinueTheLastModel() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,no_logo", "--features", "64:64", "--target-accuracy", "0.9",
                                   "--model", "filters+convnet", "--convnet-side", "64", "--convnet-steps", "3200", "--backbone", "off"]).status, 0)
        let specs = (0..<400).map { i in
            var spec = SyntheticImages.Spec(width: 128, height: 96, withMark: i % 2 == 0, seed: UInt64(5000 + i))
            spec.markScale = 0.15...0.3  // marks a small network finds within the test's few steps
            return spec
        }
        let truth = Dictionary(uniqueKeysWithValues: zip(try lw.writePhotos("photos", prefix: "p", specs: specs),
                                                         specs.map { $0.withMark ? "logo" : "no_logo" }))
        XCTAssertEqual(try lw.run(["import", "photos", "--quiet"]).status, 0)
        func addVotes(_ names: ArraySlice<String>, file: String) throws {
            let lines = names.map { "ann1,\($0),\(truth[$0]!)\nann2,\($0),\(truth[$0]!)\n" }.joined()
            try ("worker,source,label\n" + lines).write(to: lw.directory.appendingPathComponent(file), atomically: true, encoding: .utf8)
            XCTAssertEqual(try lw.run(["votes", "import", file]).status, 0)
        }
        try addVotes(truth.keys.sorted().prefix(300), file: "votes.csv")
        let train = try lw.run(["train"])
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertEqual(try lw.query("SELECT algorithm FROM model") as [String], ["softmax-regression-l2+convnet"])
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM image_backbone_map"), 0, "--backbone off: no maps")
        let aucs: [Double] = try lw.query("""
            SELECT json_extract(metrics, '$.auc_filters') FROM model UNION ALL SELECT json_extract(metrics, '$.auc_convnet') FROM model
            """)
        XCTAssertTrue(aucs.count == 2 && aucs.allSatisfy { $0 > 0.6 && $0 <= 1 }, "filters and network rank the mark: \(aucs)")
        XCTAssertEqual(try lw.scalar("SELECT json_array_length(json_extract(parameters, '$.convnet.channels')) FROM model"), 5)
        XCTAssertEqual(try lw.scalar("SELECT json_extract(parameters, '$.convnet.mirror_at_prediction') FROM model"), 1,
                       "the networks score each image with its mirror image")
        XCTAssertEqual(try lw.scalar("SELECT json_extract(parameters, '$.convnet.minimum_image_steps') FROM model"), 3200)
        // Each network is a student: trained afresh on its half's labels plus its teacher's confident
        // calls on the 100 images no human labeled (at most half of the calls of each label).
        let own: [String] = try lw.query("SELECT json_extract(parameters, '$.convnet.self_training_labels') FROM model")
        let ownCounts = (try JSONSerialization.jsonObject(with: Data(own[0].utf8)) as? [Int]) ?? []
        let outcomes: [String] = try lw.query("SELECT json_extract(parameters, '$.convnet.self_training') FROM model")
        XCTAssertTrue(ownCounts.count == 2 && ownCounts.allSatisfy { $0 >= 20 && $0 <= 50 }, "students trained on their teacher's calls: \(own) \(outcomes)")
        // 3,200 image-steps on the ~150 images of each half: about 22 epochs each.
        let epochs: [String] = try lw.query("SELECT json_extract(parameters, '$.convnet.epochs') FROM model")
        let epochCounts = (try JSONSerialization.jsonObject(with: Data(epochs[0].utf8)) as? [Int]) ?? []
        XCTAssertTrue(epochCounts.count == 2 && epochCounts.allSatisfy { (19...26).contains($0) }, "\(epochs)")
        // Each student also trained on flattened-object copies of the logo images its teacher was sure of.
        let copies: [String] = try lw.query("SELECT json_extract(parameters, '$.convnet.object_copies') FROM model")
        let copyCounts = (try JSONSerialization.jsonObject(with: Data(copies[0].utf8)) as? [Int]) ?? []
        XCTAssertTrue(copyCounts.count == 2 && copyCounts.allSatisfy { $0 <= 100 }, "copies of (at most) the half's logo images: \(copies)")
        let weight: [Double] = try lw.query("SELECT json_extract(metrics, '$.convnet_weight') FROM model")
        XCTAssertTrue(weight.count == 1 && BuiltinModel.convnetWeights.contains(weight[0]), "the networks' weight is chosen and recorded: \(weight)")
        XCTAssertEqual(try lw.query("SELECT json_extract(parameters, '$.convnet.weight_chosen_by') FROM model") as [String], ["out-of-fold AUC"])
        XCTAssertEqual(try lw.run(["auto-label"]).status, 0)

        // More labels: the next networks continue the first model's, in fewer epochs (16 at the
        // default floor of 19,200 image-steps; scaled to 3,200, 3).
        let unlabeled = truth.keys.sorted().suffix(100)
        try addVotes(unlabeled.prefix(20), file: "more.csv")
        let second = try lw.run(["train"])
        XCTAssertEqual(second.status, 0, second.stderr)
        let start: [Int] = try lw.query("SELECT coalesce(json_extract(parameters, '$.convnet.warm_start_model'), 0) FROM model ORDER BY id")
        XCTAssertEqual(start, [0, 1], "the first networks start from random weights, the second from model 1's")
        let later: [String] = try lw.query("SELECT json_extract(parameters, '$.convnet.epochs') FROM model ORDER BY id")
        XCTAssertEqual(later.last, "[3,3]", "a network that continues trains fewer epochs: \(later)")

        // The photos moved away after their features were cached: the networks have no pixels to learn
        // from, so the next model is the filters alone, and says so.
        try FileManager.default.moveItem(at: lw.directory.appendingPathComponent("photos"), to: lw.directory.appendingPathComponent("moved"))
        try addVotes(unlabeled.dropFirst(20).prefix(20), file: "more2.csv")
        let filtersOnly = try lw.run(["train"])
        XCTAssertEqual(filtersOnly.status, 0, filtersOnly.stderr)
        XCTAssertEqual(try lw.query("SELECT algorithm FROM model ORDER BY id") as [String],
                       ["softmax-regression-l2+convnet", "softmax-regression-l2+convnet", "softmax-regression-l2"])
        XCTAssertEqual(try lw.query("SELECT json_extract(parameters, '$.convnet.skipped') IS NOT NULL FROM model ORDER BY id") as [Bool],
                       [false, false, true])
    }

    /// `lw init --self-training off`: the networks are the ones trained on the
    /// human labels; no student, no unlabeled image decoded; the model says so.
    func testSelfTrainingOffKeepsTheNetworksTrainedOnHumanLabels() throws {
        let lw = try LWRunner.make()
        defer { lw.cleanUp() }
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,no_logo", "--features", "64:64", "--target-accuracy", "0.9",
                                   "--model", "filters+convnet", "--convnet-side", "64", "--convnet-steps", "3200", "--self-training", "off"]).status, 0)
        let specs = (0..<120).map { SyntheticImages.Spec(width: 128, height: 96, withMark: $0 % 2 == 0, seed: UInt64(7000 + $0)) }
        let names = try lw.writePhotos("photos", prefix: "q", specs: specs)
        var csv = "worker,source,label\n"
        for (name, spec) in zip(names, specs).prefix(80) {
            let label = spec.withMark ? "logo" : "no_logo"
            csv += "ann1,\(name),\(label)\nann2,\(name),\(label)\n"
        }
        try csv.write(to: lw.directory.appendingPathComponent("votes.csv"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try lw.run(["import", "photos", "--quiet"]).status, 0)
        XCTAssertEqual(try lw.run(["votes", "import", "votes.csv"]).status, 0)
        let train = try lw.run(["train"])
        XCTAssertEqual(train.status, 0, train.stderr)
        // All three experts: the filters, the backbone's head and the networks.
        XCTAssertEqual(try lw.query("SELECT algorithm FROM model") as [String], ["softmax-regression-l2+backbone+convnet"])
        XCTAssertEqual(try lw.query("SELECT json_extract(parameters, '$.convnet.self_training') FROM model") as [String], [#"["off","off"]"#])
        XCTAssertEqual(try lw.query("SELECT json_extract(parameters, '$.convnet.self_training_labels') FROM model") as [String], ["[0,0]"])
        XCTAssertEqual(try lw.query("SELECT json_extract(parameters, '$.convnet.self_training_epochs') FROM model") as [String], ["[0,0]"])
        XCTAssertEqual(try lw.query("SELECT json_extract(parameters, '$.convnet.object_copies') FROM model") as [String], ["[0,0]"],
                       "copies live in the student: none without self-training")
        // Without a student, --object-copies changes nothing the model is trained with: it is reused.
        XCTAssertEqual(try lw.run(["settings", "set", "--object-copies", "off"]).status, 0)
        XCTAssertTrue(try lw.run(["train"]).stdout.contains("up to date"))
        // The setting is the job's: turning it on later is refused, the model stays reused.
        XCTAssertEqual(try lw.run(["init", "--labels", "logo,no_logo", "--features", "64:64", "--target-accuracy", "0.9",
                                   "--model", "filters+convnet", "--convnet-side", "64", "--convnet-steps", "3200", "--self-training", "on"]).status, 1)
        XCTAssertTrue(try lw.run(["train"]).stdout.contains("up to date"))
        XCTAssertEqual(try lw.scalar("SELECT count(*) FROM model"), 1)
    }
}
