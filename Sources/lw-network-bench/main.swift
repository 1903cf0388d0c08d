import ArgumentParser
import Foundation
import LabelWorkbench

/// `make bench` companion: one network of lw's recipe on N random pool labels
/// of a ../shared/bench data set, scored on its test images — the offline
/// measurement behind lw's network choices (flattened-object copies among
/// them). Writes `variant,label,score` per test image (label 1: the first
/// label, score: its probability); `bench/network_coverage.py` turns that into
/// AUC per logo variant and the test images covered at 97% accuracy.
@main
struct NetworkBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lw-network-bench",
        abstract: "Train one network on random pool labels of a benchmark set; score its test images.",
        discussion: "Example: lw-network-bench /tmp/lwbench/public --copies on --labels 800 --seed 1 --out scores.csv")

    @Argument(help: "The data set: ground_truth.csv (path,label,split), meta.csv (target_variant) and the images.")
    var data: String
    @Option(help: "Human labels: this many pool images, picked at random by --seed.") var labels = 800
    @Option(help: "Seed of the pick, the network and its training.") var seed: UInt64 = 1
    @Option(help: "on: a teacher network, then a fresh one on the labels plus its flattened-object copies (lw's student without pseudo-labels); off: the network alone.")
    var copies = "off"
    @Option(help: "Pasted-object copies per located object (ObjectPastes), into human-labeled negatives; 0: none.")
    var pastes = 0
    @Option(help: "Write the first 12 copies and pastes as PNG files into this folder, to look at.") var showCopies: String?
    @Option(help: "Network input side (pixels).") var side = 256
    @Option(help: "Scores CSV to write.") var out: String

    func validate() throws {
        guard labels >= 2 else { throw ValidationError("--labels \(labels): the network needs at least 2 labeled images") }
        guard pastes >= 0 else { throw ValidationError("--pastes \(pastes): use 0 or more") }
        guard side >= 64, side % 64 == 0 else { throw ValidationError("--side \(side): use a multiple of 64, as lw's --convnet-side") }
    }

    func run() throws {
        let flatten = try JobSettings.parseSwitch(copies, option: "--copies")
        if showCopies != nil && !flatten && pastes == 0 {
            throw ValidationError("--show-copies: there are none to show with --copies off and --pastes 0; turn one on")
        }
        let root = URL(fileURLWithPath: data)
        let truth = try CSVText.read(root.appendingPathComponent("ground_truth.csv").path).records.map(\.fields)
        let variants = Dictionary(try CSVText.read(root.appendingPathComponent("meta.csv").path).records.map {
            ($0.fields["path"] ?? "", $0.fields["target_variant"] ?? "")
        }, uniquingKeysWith: { first, _ in first })
        let labelNames = Array(Set(truth.compactMap { $0["label"] })).sorted { ($0 == "logo" ? 0 : 1, $0) < ($1 == "logo" ? 0 : 1, $1) }
        guard labelNames.count == 2 else { throw ValidationError("\(data)/ground_truth.csv: expected two labels, found \(labelNames)") }
        func image(_ path: String) throws -> RGBImage {
            let bytes = try Data(contentsOf: root.appendingPathComponent(path))
            return try bytes.withUnsafeBytes { try ScaledDecode.images($0, longSides: [side]) }[0]
        }
        var pool = truth.filter { $0["split"] == "pool" }.compactMap { $0["path"] }.sorted()
        var rng = SeededGenerator(seed: seed)
        pool.shuffle(using: &rng)
        let picked = Array(pool.prefix(labels))
        let labelOf = Dictionary(truth.map { ($0["path"] ?? "", $0["label"] ?? "") }, uniquingKeysWith: { first, _ in first })
        let started = Date()
        var examples = try picked.map { path in
            ConvNetTraining.Example(image: try image(path), target: labelOf[path] == labelNames[0] ? [1, 0] : [0, 1])
        }
        var settings = ConvNetTraining.Settings()
        settings.seed = seed
        settings.epochs = ConvNetTraining.Settings.epochsFromScratch(examples: examples.count)
        var net = ConvNetTraining.train(ConvNet(side: side, classes: 2, seed: 100 + seed), on: examples, settings: settings)
        if flatten || pastes > 0 {
            let made = flatten ? ObjectCopies.make(from: examples, teacher: net, seed: 70 + seed) : []
            let pasted = ObjectPastes.make(from: examples, teacher: net, perObject: pastes, seed: 90 + seed)
            print("\(made.count) flattened-object copies and \(pasted.count) pasted objects of \(examples.count) labels")
            if let folder = showCopies {
                do {
                    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                    for (i, copy) in (made.prefix(12) + pasted.prefix(12)).enumerated() {
                        try Data(PNGCodec.encode(copy.image)).write(to: URL(fileURLWithPath: folder).appendingPathComponent("copy\(i).png"))
                    }
                } catch {
                    throw ValidationError("--show-copies \(folder): cannot write the PNG files there; check the path and its permissions")
                }
            }
            examples += made + pasted
            settings.epochs = ConvNetTraining.Settings.epochsFromScratch(examples: examples.count)
            net = ConvNetTraining.train(ConvNet(side: side, classes: 2, seed: 100 + seed), on: examples, settings: settings)
        }
        let inference = ConvNet.Inference(net)
        let test = truth.filter { $0["split"] == "test" }.compactMap { $0["path"] }
        var csv = "variant,label,score\n"
        for path in test {
            let score = inference.probabilities(letterboxed: try image(path), mirror: true)[0]
            csv += "\(variants[path] ?? ""),\(labelOf[path] == labelNames[0] ? 1 : 0),\(score)\n"
        }
        try csv.write(toFile: out, atomically: true, encoding: .utf8)
        print(String(format: "%d labels, copies %@, pastes %d, seed %d: %d test images scored in %.0f s → %@",
                     labels, copies, pastes, Int(seed), test.count, Date().timeIntervalSince(started), out))
    }
}
