import Foundation
import GRDB

/// `lw train`'s networks: two per model, one per half of the human labels,
/// each optionally replaced by a self-trained student (see `trainConvNets`).
extension TrainModel {
    /// Two networks, each trained on one half of the human labels and scoring
    /// the other half (halves by the image's random rank, so an image stays in
    /// its half across rounds). Each starts from the previous model's network
    /// of its half when there is one (it saw only images of that half, so the
    /// out-of-fold scores stay honest) and otherwise from random weights; with
    /// `selfTraining`, a student trained on its calls (and, with
    /// `objectCopies`, on flattened-object copies of its human labels)
    /// replaces it. nil when a half has too few readable images.
    func trainConvNets(_ usable: [HumanLabel], classes: Int, side: Int, selfTraining: Bool, objectCopies: Bool,
                       imageSteps: Int = ConvNetTraining.Settings.minimumImageSteps) throws -> TrainedConvNets? {
        let paths = try store.pool.read { try ImageRecord.pathsById($0) }
        let inputs: [RGBImage?] = parallelMap(usable.map { paths[$0.imageId] ?? "" }) { BuiltinModel.convnetInput($0, side: side) }
        let halves = usable.map { Self.half($0.randomRank) }
        let examples = (0..<2).map { h in
            usable.indices.filter { halves[$0] == h && inputs[$0] != nil }.map {
                ConvNetTraining.Example(image: inputs[$0]!, target: usable[$0].posteriors.map { Float($0) })
            }
        }
        guard examples.allSatisfy({ $0.count >= 2 }) else { return nil }
        let previous = try previousConvNets(side: side, classes: classes)
        let unlabeled = selfTraining ? try unlabeledInputs(side: side) : []
        var trained = TrainedConvNets(warmStartModel: previous?.modelId)
        for h in 0..<2 {
            // The first run continues the previous network; a run that never leaves chance is
            // abandoned early and retried from random weights with another seed.
            let chance = ConvNetTraining.ChanceLevel(targets: examples[h].map(\.target))
            let teacher = bestRun(chance: chance) { attempt in
                var settings = ConvNetTraining.Settings()
                settings.seed = UInt64(h + 2 * attempt)
                if attempt == 0, let previous {
                    settings.epochs = ConvNetTraining.Settings.warmStartEpochs(minimumImageSteps: imageSteps)
                    return (previous.nets[h], settings, "from model \(previous.modelId)")
                }
                settings.epochs = ConvNetTraining.Settings.epochsFromScratch(examples: examples[h].count, minimumImageSteps: imageSteps)
                return (ConvNet(side: side, classes: classes, seed: UInt64(100 + h + 2 * attempt)), settings, "seed \(attempt + 1)")
            } train: { start, settings, what in
                runNetwork(start, on: examples[h], settings: settings, chance: chance, title: "train network \(h + 1) of 2, \(what)")
            }
            var record = TrainedConvNets.Network(net: teacher.net, runs: teacher.runs, epochs: teacher.epochs)
            if !selfTraining {
                record.selfTraining = "off"
            } else if chance.isStuck(loss: teacher.loss) {
                record.selfTraining = "teacher at chance"
            } else if unlabeled.isEmpty {
                record.selfTraining = "no unlabeled images"
            } else {
                let student = selfTrain(teacher: teacher.net, on: examples[h], unlabeled: unlabeled, half: h, objectCopies: objectCopies,
                                        imageSteps: imageSteps)
                record.pseudoLabels = student.pseudoLabels
                record.objectCopies = student.objectCopies
                record.studentEpochs = student.epochs
                if student.stuck {
                    record.selfTraining = String(format: "student at chance (loss %.3f): teacher kept", student.loss)
                } else {
                    record.net = student.net
                    record.selfTraining = "student"
                }
            }
            trained.networks.append(record)
        }
        let inference = trained.nets.map(ConvNet.Inference.init)
        trained.outOfFold = parallelMap(Array(usable.indices)) { i in
            inputs[i].map { inference[1 - halves[i]].probabilities(letterboxed: $0, mirror: true) }
        }
        return trained
    }

    struct TrainedConvNets {
        var warmStartModel: Int64?
        var networks: [Network] = []
        var outOfFold: [[Double]?] = []

        /// One half's network and how it came about.
        struct Network {
            var net: ConvNet
            /// Runs of the teacher (a retried seed is a new run) and the kept run's epochs.
            var runs: Int
            var epochs: Int
            /// The teacher's calls the student trained on and the student's
            /// epochs (0: no student was trained).
            var pseudoLabels = 0
            var studentEpochs = 0
            /// Flattened-object copies of human labels the student trained on.
            var objectCopies = 0
            /// "student", or why the teacher was kept ("off": the job's setting).
            var selfTraining = ""
        }

        var nets: [ConvNet] { networks.map(\.net) }
    }

    /// Images no human has labeled (the first `SelfTraining.candidateCap` by
    /// random rank), decoded for the networks; unreadable ones left out.
    private func unlabeledInputs(side: Int) throws -> [RGBImage] {
        let paths = try store.pool.read { db in
            try String.fetchAll(db, sql: """
                SELECT path FROM image AS i WHERE NOT EXISTS (SELECT 1 FROM consensus AS c WHERE c.image_id = i.id)
                ORDER BY random_rank LIMIT ?
                """, arguments: [SelfTraining.candidateCap])
        }
        return parallelMap(paths) { BuiltinModel.convnetInput($0, side: side) }.compactMap { $0 }
    }

    /// The teacher labels the unlabeled images; a student trains from random
    /// weights on the half's human labels plus the teacher's confident calls
    /// (and, with `objectCopies`, the teacher's flattened-object copies of
    /// the human labels it is sure of).
    private func selfTrain(teacher: ConvNet, on examples: [ConvNetTraining.Example], unlabeled: [RGBImage], half h: Int,
                           objectCopies: Bool, imageSteps: Int) -> (net: ConvNet, loss: Double, stuck: Bool, epochs: Int, pseudoLabels: Int, objectCopies: Int) {
        let inference = ConvNet.Inference(teacher)
        var scores: [[Double]] = []
        progress?.start("network \(h + 1) of 2 labels \(unlabeled.count) unlabeled images", total: unlabeled.count)
        for start in stride(from: 0, to: unlabeled.count, by: 256) {
            let chunk = Array(unlabeled[start..<min(unlabeled.count, start + 256)])
            scores += parallelMap(chunk) { inference.probabilities(letterboxed: $0, mirror: true) }
            progress?.advance(by: chunk.count)
        }
        progress?.finish()
        let picked = SelfTraining.pseudoLabels(scores)
        let classes = teacher.classes
        let copies = objectCopies ? ObjectCopies.make(from: examples, teacher: teacher, seed: UInt64(70 + h)) : []
        let all = examples + copies + picked.map { call in
            ConvNetTraining.Example(image: unlabeled[call.index], target: (0..<classes).map { $0 == call.label ? 1 : 0 })
        }
        var settings = ConvNetTraining.Settings()
        settings.epochs = ConvNetTraining.Settings.epochsFromScratch(examples: all.count, minimumImageSteps: imageSteps)
        let chance = ConvNetTraining.ChanceLevel(targets: all.map(\.target))
        // Like the teacher's first runs, a student from random weights can stay at chance: another seed.
        let student = bestRun(chance: chance) { attempt in
            settings.seed = UInt64(50 + h + 2 * attempt)
            return (ConvNet(side: teacher.side, classes: classes, seed: UInt64(150 + h + 2 * attempt)), settings, "seed \(attempt + 1)")
        } train: { start, settings, what in
            runNetwork(start, on: all, settings: settings, chance: chance,
                       title: "train network \(h + 1) of 2 on \(examples.count) human labels, \(copies.count) flattened copies and \(picked.count) of its own, \(what)")
        }
        return (student.net, student.loss, chance.isStuck(loss: student.loss), student.epochs, picked.count, copies.count)
    }

    /// Up to `convnetAttempts` runs, each set up by `setUp(attempt)`: stops at
    /// the first run that leaves chance; when all stay stuck, keeps the one
    /// with the lowest loss (`ChanceLevel.prefers`).
    private func bestRun(chance: ConvNetTraining.ChanceLevel,
                         setUp: (Int) -> (start: ConvNet, settings: ConvNetTraining.Settings, what: String),
                         train: (ConvNet, ConvNetTraining.Settings, String) -> (net: ConvNet, loss: Double))
        -> (net: ConvNet, loss: Double, epochs: Int, runs: Int) {
        var kept: (net: ConvNet, loss: Double, epochs: Int)?
        var runs = 0
        while runs < Self.convnetAttempts && (kept == nil || chance.isStuck(loss: kept!.loss)) {
            let (start, settings, what) = setUp(runs)
            let run = train(start, settings, what)
            if chance.prefers(run.loss, over: kept?.loss) { kept = (run.net, run.loss, settings.epochs) }
            runs += 1
        }
        return (kept!.net, kept!.loss, kept!.epochs, runs)
    }

    /// One training run with its progress bar, given up early when it stays at chance.
    private func runNetwork(_ start: ConvNet, on examples: [ConvNetTraining.Example], settings: ConvNetTraining.Settings,
                       chance: ConvNetTraining.ChanceLevel, title: String) -> (net: ConvNet, loss: Double) {
        let giveUpEpoch = Int(Double(settings.epochs) * ConvNetTraining.giveUpShare)
        var done = 0
        let progress = self.progress
        // One bar per run: a retried seed is a new run, not more of the old one.
        progress?.start(title, total: settings.epochs * ((examples.count + settings.batchSize - 1) / settings.batchSize))
        defer { progress?.finish() }
        return ConvNetTraining.train(start, on: examples, settings: settings, progress: { step, _ in
            progress?.advance(by: step - done)
            done = step
        }, keepGoing: { epoch, loss in
            epoch + 1 < giveUpEpoch || !chance.isStuck(loss: loss, shareOfChance: ConvNetTraining.giveUpShareOfChance)
        })
    }

    /// The latest built-in model's networks, when they fit this job's
    /// network (same side, labels and layers): where this round's networks start.
    private func previousConvNets(side: Int, classes: Int) throws -> (modelId: Int64, nets: [ConvNet])? {
        guard let row = try store.pool.read({ db in
            try Row.fetchOne(db, sql: "SELECT id, weights FROM model WHERE kind = ? AND algorithm LIKE '%+convnet' ORDER BY id DESC LIMIT 1",
                           arguments: [ModelKind.builtin.rawValue])
        }), let weights: Data = row["weights"], let nets = (try? JSONDecoder().decode(BuiltinModel.self, from: weights))?.convnets,
              nets.count == 2, nets.allSatisfy({ $0.side == side && $0.classes == classes && $0.channels == ConvNet.defaultChannels })
        else { return nil }
        return (row["id"], nets)
    }

    /// Runs per network (the first may continue the previous model's) before keeping one that did not learn (its weight will be 0).
    static let convnetAttempts = 3

    /// Which network trains on an image: a bit of its random rank other than
    /// the ones its fold uses.
    static func half(_ randomRank: Double) -> Int { (Int(randomRank * 1_000_000) / 5) % 2 }
}
