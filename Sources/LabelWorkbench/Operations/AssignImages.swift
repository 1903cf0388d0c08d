import Foundation
import GRDB

/// `lw assign`: gives images that still need human labels to distinct active
/// workers. One transaction: expire overdue assignments, refresh consensus,
/// then fill — first images already in progress that lost a worker, then
/// images whose votes disagree (dynamic overlap), then new images in the
/// strategy's order — balancing load across workers.
public struct AssignImages {
    public enum Strategy: String, Sendable, CaseIterable {
        case random, uncertain, auto
        /// A second look: the top suspects (`lw suspects`) to more workers, no new images.
        case suspects
    }

    public struct Options: Sendable {
        public var perImage: Int?
        public var maxPerImage: Int?
        /// At most this many images with open assignments after the run (in-progress images count).
        public var limit: Int?
        public var strategy: Strategy = .auto
        public var expiresAfter: TimeInterval?
        public var maxOpenPerWorker: Int?
        public var seed: UInt64 = 0
        public init() {}
    }

    public struct Summary: Sendable, Equatable {
        public var assignments = 0
        public var newImages = 0
        public var overlapImages = 0
        public var refilledImages = 0
        public var expired = 0
        public var imagesInProgress = 0
        public var imagesShortOfWorkers = 0
        public var strategyUsed = "random"
        public var budgetReached = false
        public var counts: [String: Any] {
            ["assignments": assignments, "new_images": newImages, "overlap_images": overlapImages,
             "refilled_images": refilledImages, "expired": expired, "images_in_progress": imagesInProgress,
             "images_short_of_workers": imagesShortOfWorkers, "strategy": strategyUsed, "budget_reached": budgetReached]
        }
        public static func == (a: Summary, b: Summary) -> Bool { JSON.text(a.counts) == JSON.text(b.counts) }
    }

    public var store: Store
    public var context: RunContext
    public var options: Options

    public init(store: Store, context: RunContext, options: Options) {
        self.store = store
        self.context = context
        self.options = options
    }

    public mutating func run() throws -> Summary {
        var context = self.context
        let options = self.options
        let summary: Summary = try store.pool.write { db in
            let job = try JobSettings.load(db)
            let activeWorkers = try Int64.fetchAll(db, sql: "SELECT id FROM worker WHERE active = 1 AND kind = 'human' ORDER BY id")
            let limits = try Limits(job: job, options: options, activeWorkers: activeWorkers.count)
            try RunLog.markInterruptedRuns(db)
            try context.begin(db)
            var round = try Round(db: db, context: context, limits: limits, options: options, workers: activeWorkers)
            round.summary.expired = try Assignments.expireOverdue(db, context: context)
            _ = try RefreshConsensus.run(db, context: context)
            try round.refillImagesInProgress()
            if options.strategy == .suspects {
                try round.sendSuspectsForASecondLook()
            } else {
                try round.topUpUnfinishedImages()
                try round.capByHumanBudget(job)
                try round.drawNewImages(randomShare: job.randomShare)
            }
            if let cap = round.humanCap { round.summary.budgetReached = try Self.imagesWithHumanWork(db) >= cap }
            try context.finish(db, status: .succeeded, counts: round.summary.counts)
            return round.summary
        }
        self.context = context
        return summary
    }

    /// How many workers an image gets, from the job's settings and the options.
    struct Limits {
        var perImage: Int
        var maxPerImage: Int
        var validationMaxPerImage: Int
        var threshold: Double
        var validationThreshold: Double

        init(job: JobSettings, options: Options, activeWorkers: Int) throws {
            perImage = options.perImage ?? job.workersPerImage
            maxPerImage = max(perImage, options.maxPerImage ?? job.maxWorkersPerImage)
            // An explicit --max-per-image caps the validation sample too.
            validationMaxPerImage = options.maxPerImage == nil ? max(maxPerImage, job.validationMaxWorkersPerImage) : maxPerImage
            threshold = job.extraVoteBelowConfidence
            validationThreshold = job.validationExtraVoteBelow
            if activeWorkers == 0 { throw LWError.invalidArgument("no active workers: add some with `lw workers add NAME...`") }
            if perImage > activeWorkers {
                throw LWError.invalidArgument("--per-image \(perImage) needs at least \(perImage) active workers, there are \(activeWorkers): add workers or lower --per-image")
            }
        }
    }

    /// One `lw assign` inside its transaction: the images it still may start
    /// (`budget`), the workers' load (`planner`) and what it did (`summary`).
    struct Round {
        let db: Database
        let context: RunContext
        let limits: Limits
        let options: Options
        let expiresAt: String?
        var planner: WorkerPlanner
        var summary = Summary()
        var budget = Int.max
        var humanCap: Int?

        init(db: Database, context: RunContext, limits: Limits, options: Options, workers: [Int64]) throws {
            self.db = db
            self.context = context
            self.limits = limits
            self.options = options
            expiresAt = options.expiresAfter.map { Timestamp.iso(context.clock.now().addingTimeInterval($0)) }
            planner = try WorkerPlanner(db, workers: workers, maxOpen: options.maxOpenPerWorker, seed: options.seed)
        }

        /// Gives `image` to up to `count` workers; returns how many it got.
        mutating func give(_ image: Int64, count: Int, reason: String) throws -> Int {
            // Images whose votes disagree go to the workers consensus trusts most.
            let chosen = try planner.choose(count, for: image, db: db, preferAccurate: reason == "overlap")
            for worker in chosen {
                try db.execute(sql: """
                    INSERT INTO assignment (image_id, worker_id, reason, created_at, expires_at, run_id) VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [image, worker, reason, context.clock.iso, expiresAt, context.runId])
                try context.audit(db, action: .assignmentCreate, entity: "assignment", entityId: db.lastInsertedRowID,
                                  after: ["image_id": image, "worker_id": worker, "reason": reason, "expires_at": expiresAt as Any])
            }
            summary.assignments += chosen.count
            if chosen.count < count { summary.imagesShortOfWorkers += 1 }
            return chosen.count
        }

        /// 1. Images in progress that lost a worker (released, expired, disabled).
        mutating func refillImagesInProgress() throws {
            let inProgress = try Row.fetchAll(db, sql: """
                SELECT a.image_id, count(*) AS open, coalesce(c.votes, 0) AS votes
                FROM assignment AS a LEFT JOIN consensus AS c ON c.image_id = a.image_id
                WHERE a.status = 'open' GROUP BY a.image_id ORDER BY a.image_id
                """)
            summary.imagesInProgress = inProgress.count
            for row in inProgress {
                let have = (row["open"] as Int) + (row["votes"] as Int)
                if have < limits.perImage { _ = try give(row["image_id"], count: limits.perImage - have, reason: "refill") }
            }
            budget = options.limit.map { max(0, $0 - inProgress.count) } ?? Int.max
        }

        /// 2. Labeled images short of votes, then images whose votes disagree
        /// (dynamic overlap). The validation sample (images picked at random)
        /// has the stricter bar and more workers, two at a time: the threshold
        /// search needs labels near truth, and in a loop that assigns once a
        /// round one vote at a time would take rounds to get there.
        mutating func topUpUnfinishedImages() throws {
            guard budget > 0 else { return }
            // The cheap tests first: validation membership is looked up only for images that may need more.
            let isValidation = HumanLabels.inValidationSampleSQL(image: "c.image_id", randomRank: "i.random_rank")
            let unfinished = try Row.fetchAll(db, sql: """
                SELECT c.image_id, c.votes, c.confidence, \(isValidation) AS is_validation
                FROM consensus AS c JOIN image AS i ON i.id = c.image_id
                WHERE (c.votes < ? OR (c.votes < ? AND c.confidence < max(?, ?) AND CASE WHEN \(isValidation)
                        THEN 1 ELSE c.votes < ? AND c.confidence < ? END))
                  AND NOT \(AssignmentRecord.isOpenSQL(image: "c.image_id"))
                ORDER BY c.votes < ? DESC, c.confidence, c.image_id
                """, arguments: [limits.perImage, limits.validationMaxPerImage, limits.threshold, limits.validationThreshold,
                                 limits.maxPerImage, limits.threshold, limits.perImage])
            for row in unfinished where budget > 0 {
                let votes: Int = row["votes"]
                let isOverlap = votes >= limits.perImage
                let extra = row["is_validation"] as Bool ? min(AssignImages.validationWorkersPerOverlap, limits.validationMaxPerImage - votes) : 1
                if try give(row["image_id"], count: isOverlap ? extra : limits.perImage - votes, reason: isOverlap ? "overlap" : "refill") > 0 {
                    budget -= 1
                    if isOverlap { summary.overlapImages += 1 } else { summary.refilledImages += 1 }
                }
                if planner.exhausted { break }
            }
        }

        /// The job's budget of human labeling: no new images past it.
        mutating func capByHumanBudget(_ job: JobSettings) throws {
            humanCap = job.maxHumanLabels
            if let percent = job.maxHumanPercent {
                let images = try Int.fetchOne(db, sql: "SELECT count(*) FROM image")!
                humanCap = min(humanCap ?? Int.max, Int(Double(images) * percent / 100))
            }
            if let humanCap { budget = min(budget, max(0, humanCap - (try AssignImages.imagesWithHumanWork(db)))) }
        }

        /// 3. New images, in the strategy's order. With a model, a share of them
        /// is still drawn at random so that validation stays a random sample.
        /// 3'. A second look: each of the top suspects to `perImage` more
        /// workers (the most accurate, experts first; never one who voted on it).
        mutating func sendSuspectsForASecondLook() throws {
            summary.strategyUsed = "suspects"
            guard try Suspects.hasScores(db) else {
                throw LWError.invalidArgument("no human labels scored yet: run `lw train` first (it finds the suspects)")
            }
            guard budget > 0 else { return }
            for suspect in try Suspects.current(db, limit: budget == Int.max ? nil : budget, all: false) where !planner.exhausted {
                if try give(suspect.imageId, count: limits.perImage, reason: "overlap") > 0 {
                    summary.overlapImages += 1
                    budget -= 1
                }
            }
        }

        /// Random picks walk the job's one random order over every image without a
        /// human label, machine-labeled ones included (an audit of the machine's
        /// work), so the validation sample stays a prefix of that order: `--limit`
        /// of them, or without one as many as images await a label. With a model
        /// they are `randomShare` of the new images, the rest the least certain,
        /// then images no model has scored yet (as uncertain as can be).
        mutating func drawNewImages(randomShare: Double) throws {
            let hasModel = try Int.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM machine_label)
                    OR EXISTS (SELECT 1 FROM image WHERE awaiting_label = 1 AND uncertainty_rank IS NOT NULL)
                """)! == 1
            let useUncertain = hasModel && options.strategy != .random
            summary.strategyUsed = useUncertain ? "uncertain" : "random"
            let awaiting = try Int.fetchOne(db, sql: Queue.awaitingCount)!
            var seen = Set<Int64>()
            guard useUncertain else {
                try draw(Queue.nextRandom, reason: "random", count: budget == Int.max ? awaiting : budget, seen: &seen)
                return
            }
            let randomPicks = AssignImages.randomCount(budget: budget, awaiting: awaiting, share: randomShare)
            if let likely = try AssignImages.referenceRanking(db) {
                // Round 0: half at random (the first validation sample: no threshold without one), half the
                // likeliest by the references. Its scores are not calibrated: there is no boundary to sample.
                summary.strategyUsed = "reference"
                try draw(Queue.nextRandom, reason: "random", count: max(randomPicks, (budget == Int.max ? awaiting : budget) / 2), seen: &seen)
                try draw(likely, reason: "uncertain", count: budget, seen: &seen)
                return
            }
            // The random sample takes back what round 0 gave the likeliest images, so validation is not the smaller for it.
            try draw(Queue.nextRandom, reason: "random", count: max(randomPicks, min(try AssignImages.lentByRoundZero(db), budget)), seen: &seen)
            try draw(Queue.nextUncertain, reason: "uncertain", count: budget, seen: &seen)
            try draw(Queue.nextUnscored, reason: "uncertain", count: budget, seen: &seen)
        }

        private mutating func draw(_ sql: String, reason: String, count: Int, seen: inout Set<Int64>) throws {
            var left = count
            while left > 0 && !planner.exhausted {
                let batch = try Int64.fetchAll(db, sql: sql, arguments: [min(left, 500) + seen.count]).filter { !seen.contains($0) }
                if batch.isEmpty { return }
                for image in batch where left > 0 && !planner.exhausted {
                    seen.insert(image)
                    if try give(image, count: limits.perImage, reason: reason) > 0 {
                        left -= 1
                        budget -= 1
                        summary.newImages += 1
                    }
                }
            }
        }
    }
}

extension AssignImages {
    /// How many of a round's new images go at random: `share` of them, of the
    /// `budget` when the images awaiting a label fill it, else beside all of those.
    /// All at random without a budget: as many as images await a label.
    static func randomCount(budget: Int, awaiting: Int, share: Double) -> Int {
        guard share > 0 else { return 0 }
        guard share < 1 else { return budget == .max ? awaiting : budget }
        let besideAwaiting = Int((Double(awaiting) * share / (1 - share)).rounded(.up))
        let ofBudget = budget == Int.max ? Int.max : Int((Double(budget) * share).rounded(.up))
        return min(ofBudget, besideAwaiting)
    }

    /// The likeliest-first queue when the latest model is a round-0 reference model; nil otherwise.
    static func referenceRanking(_ db: Database) throws -> String? {
        guard let model = try ModelRecord.latest(db), model.algorithm == TrainModel.referenceAlgorithm,
              let absence = try LabelRecord.inClassOrder(db).last?.id else { return nil }
        return Queue.nextLikely(modelId: model.id!, absenceLabelId: absence)
    }

    /// Images round 0 sent to people as the likeliest (instead of at random), less the random
    /// picks of the rounds since: what the random sample has yet to take back.
    static func lentByRoundZero(_ db: Database) throws -> Int {
        let picks = """
            SELECT count(DISTINCT a.image_id) FROM assignment AS a JOIN run AS r ON r.id = a.run_id
            WHERE a.reason = ? AND (coalesce(json_extract(r.counts, '$.strategy'), '') = 'reference') = ?
            """
        let lent = try Int.fetchOne(db, sql: picks, arguments: ["uncertain", true]) ?? 0
        guard lent > 0 else { return 0 }
        return max(0, lent - (try Int.fetchOne(db, sql: picks, arguments: ["random", false]) ?? 0))
    }

    /// Workers a validation image below its bar gets at once (other images: one).
    static let validationWorkersPerOverlap = 2

    /// Images that used human work: labeled by consensus or with an open assignment.
    static func imagesWithHumanWork(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: """
            SELECT count(*) FROM image AS i WHERE EXISTS (SELECT 1 FROM consensus AS c WHERE c.image_id = i.id)
               OR \(AssignmentRecord.isOpenSQL(image: "i.id"))
            """)!
    }
}
