import ArgumentParser
import Foundation
import LabelWorkbench

extension AssignImages.Strategy: ExpressibleByArgument {}

struct AssignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "assign",
        abstract: "Give images that need human labels to distinct workers.",
        discussion: """
            Each image goes to --per-image distinct active workers, least-loaded first.
            --limit caps the images with open assignments (those already in progress
            count), so rerunning while assignments are open creates nothing new.
            Images whose votes disagree (consensus below the job's
            extra_vote_below_confidence, 0.9) get one more worker, up to --max-per-image
            (the job's max_workers_per_image, 5); images in the validation sample get two
            more while below validation_extra_vote_below (0.99), up to the job's
            validation_max_workers_per_image (7), so models are judged on labels near
            truth. An explicit --max-per-image caps both.
            Strategy: random (the job's one random order over every image without a human
            label, machine-labeled ones included: the validation sample is its start),
            uncertain (least confident prediction first, the job's random_share, 10%, of
            the new images still at random), auto (random until a model has predicted,
            then uncertain; in a job with references and no model yet it first trains the
            round-0 reference model and ranks every image, then sends half of the round at
            random and half the likeliest; later rounds give the random sample those back),
            suspects (a second look: each of the top --limit suspects of `lw suspects` to
            --per-image more workers, the most accurate first, experts before all; no
            new images).
            Examples:
              lw assign --per-image 3 --limit 500
              lw assign --strategy uncertain --expire 6h --max-open 100
              lw assign --strategy suspects --per-image 2 --limit 100
            """
    )

    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("per-image"), help: "Workers per image (default: the job's, 3).") var perImage: Int?
    @Option(name: .customLong("max-per-image"), help: "Most workers an image may get through dynamic overlap (default: the job's, 5).") var maxPerImage: Int?
    @Option(help: "At most this many images with open assignments.") var limit: Int?
    @Option(help: "random, uncertain, auto or suspects.") var strategy: AssignImages.Strategy = .auto
    @Option(help: ArgumentHelp("Assignments not answered within this time are released (e.g. 30m, 6h, 2d).", valueName: "duration")) var expire: String?
    @Option(name: .customLong("max-open"), help: "At most this many open assignments per worker.") var maxOpen: Int?
    @Option(help: "Seed for breaking load ties between workers.") var seed: UInt64 = 0
    @Flag(help: "Print the summary as one JSON object.") var json = false

    func validate() throws {
        if let perImage, perImage < 1 { throw ValidationError("--per-image must be at least 1") }
        if let maxPerImage, maxPerImage < 1 { throw ValidationError("--max-per-image must be at least 1") }
        if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more") }
        if let maxOpen, maxOpen < 1 { throw ValidationError("--max-open must be at least 1") }
    }

    func run() throws {
        try Console.reportingErrors {
            var options = AssignImages.Options()
            options.perImage = perImage
            options.maxPerImage = maxPerImage
            options.limit = limit
            options.strategy = strategy
            options.expiresAfter = try expire.map(DurationText.seconds)
            options.maxOpenPerWorker = maxOpen
            options.seed = seed
            let store = try global.openStore()
            if strategy != .random && strategy != .suspects, try RoundZero.isDue(store) {
                let zero = try RoundZero.run(store: store, train: global.context("train"), autoLabel: global.context("auto-label"),
                                             progress: global.progressBar())
                Console.err("round 0: model \(zero.modelId) ranked \(zero.ranked.grouped) images by the job's references")
            }
            var operation = AssignImages(store: store, context: global.context("assign"), options: options)
            let s = try operation.run()
            if json { Console.out(JSON.text(s.counts)); return }
            var line = "created \(s.assignments.grouped) assignments: \(s.newImages.grouped) new images (\(s.strategyUsed))"
            if s.overlapImages > 0 {
                line += strategy == .suspects ? ", \(s.overlapImages.grouped) suspects get a second look"
                    : ", \(s.overlapImages.grouped) uncertain labels get more workers"
            }
            if s.refilledImages > 0 { line += ", \(s.refilledImages.grouped) images topped up" }
            if s.expired > 0 { line += "; \(s.expired.grouped) expired assignments released" }
            if s.budgetReached { line += "; the human-labeling budget is reached (raise it with lw settings set --max-human N or --max-human-percent P)" }
            if s.imagesShortOfWorkers > 0 { line += "; \(s.imagesShortOfWorkers.grouped) images got fewer workers than asked (add workers or raise --max-open)" }
            Console.out(line)
        }
    }
}
