import XCTest
@testable import LabelWorkbench

final class ConvNetTests: XCTestCase {
    /// The SIMD convolution against the definition, including the 8-channel tail.
    func testConvolutionMatchesTheDefinition() {
        var rng = SeededGenerator(seed: 3)
        for (side, cin, cout) in [(8, 3, 8), (4, 5, 24), (8, 16, 16)] {
            let pw = side + 2
            var input = [Float](repeating: 0, count: pw * pw * cin)
            for y in 1...side { for x in 1...side { for c in 0..<cin { input[(y * pw + x) * cin + c] = Float(rng.unit() - 0.5) } } }
            let w = (0..<(9 * cin * cout)).map { _ in Float(rng.unit() - 0.5) }
            var out = [Float](repeating: 0, count: side * side * cout)
            ConvKernels.conv3x3(input, side: side, cin: cin, w, cout: cout, &out)
            for y in 0..<side {
                for x in 0..<side {
                    for co in 0..<cout {
                        var sum: Float = 0
                        for dy in 0..<3 { for dx in 0..<3 { for ci in 0..<cin {
                            sum += input[((y + dy) * pw + x + dx) * cin + ci] * w[((dy * 3 + dx) * cin + ci) * cout + co]
                        } } }
                        XCTAssertEqual(out[(y * side + x) * cout + co], sum, accuracy: 1e-4)
                    }
                }
            }
        }
    }

    /// Backpropagation through convolutions, batch norm, ReLU, max pooling and
    /// the max-pooled head agrees with finite differences of the loss.
    func testGradientMatchesFiniteDifferences() {
        let net = ConvNet(side: 16, channels: [8, 8, 16], classes: 2, seed: 11)
        let batch = (0..<3).map { i -> ConvNetTraining.Example in
            var spec = SyntheticImages.Spec(width: 16, height: 12, withMark: i != 1, seed: UInt64(40 + i))
            spec.markScale = 0.4...0.5
            return .init(image: SyntheticImages.render(spec), target: i == 1 ? [0.1, 0.9] : [1, 0], weight: i == 2 ? 2 : 1)
        }
        let (_, gradient) = ConvNetTraining.lossAndGradient(net, batch)
        // Flat layout: per block weights, γ, β; then head weights and bias.
        var offsets: [(String, Int, Int)] = []  // (which, block, start)
        var offset = 0
        for l in 0..<3 {
            offsets.append(("w", l, offset)); offset += net.weights[l].count
            offsets.append(("g", l, offset)); offset += net.gamma[l].count
            offsets.append(("b", l, offset)); offset += net.beta[l].count
        }
        offsets.append(("h", 0, offset)); offset += net.headWeights.count
        offsets.append(("hb", 0, offset)); offset += net.headBias.count
        XCTAssertEqual(gradient.count, offset)
        func perturbed(_ which: String, _ l: Int, _ j: Int, by delta: Float) -> ConvNet {
            var n = net
            switch which {
            case "w": n.weights[l][j] += delta
            case "g": n.gamma[l][j] += delta
            case "b": n.beta[l][j] += delta
            case "h": n.headWeights[j] += delta
            default: n.headBias[j] += delta
            }
            return n
        }
        var analytic: [Double] = [], numeric: [Double] = []
        var rng = SeededGenerator(seed: 5)
        for (which, l, start) in offsets {
            let count = which == "w" ? net.weights[l].count : which == "g" ? net.gamma[l].count : which == "b" ? net.beta[l].count
                : which == "h" ? net.headWeights.count : net.headBias.count
            for _ in 0..<min(count, 8) {
                let j = Int(rng.next() % UInt64(count))
                let eps: Float = 2e-3
                let up = ConvNetTraining.lossAndGradient(perturbed(which, l, j, by: eps), batch).loss
                let down = ConvNetTraining.lossAndGradient(perturbed(which, l, j, by: -eps), batch).loss
                numeric.append((up - down) / Double(2 * eps))
                analytic.append(Double(gradient[start + j]))
            }
        }
        let dot = zip(analytic, numeric).reduce(0) { $0 + $1.0 * $1.1 }
        let cosine = dot / (analytic.reduce(0) { $0 + $1 * $1 }.squareRoot() * numeric.reduce(0) { $0 + $1 * $1 }.squareRoot())
        XCTAssertGreaterThan(cosine, 0.99, "analytic vs numeric gradient: cosine \(cosine)")
        let close = zip(analytic, numeric).filter { abs($0.0 - $0.1) <= 0.05 * max(abs($0.1), 1e-3) + 1e-4 }.count
        XCTAssertGreaterThan(Double(close) / Double(analytic.count), 0.9, "\(close) of \(analytic.count) partial derivatives match")
    }

    /// A small mark anywhere in the frame is learned from image labels alone,
    /// and training is seeded: the same data give the same network.
    func testLearnsASmallMarkAnywhereAndIsDeterministic() throws {
        func examples(_ range: Range<Int>) -> [ConvNetTraining.Example] {
            range.map { i in
                var spec = SyntheticImages.Spec(width: 64, height: 48, withMark: i % 2 == 0, seed: UInt64(500 + i))
                spec.markScale = 0.25...0.35
                return .init(image: Resize.fit(SyntheticImages.render(spec), maxWidth: 64, maxHeight: 64), target: i % 2 == 0 ? [1, 0] : [0, 1])
            }
        }
        let train = examples(0..<160), test = examples(1000..<1080)
        var settings = ConvNetTraining.Settings()
        settings.epochs = 20
        settings.batchSize = 16
        let start = ConvNet(side: 64, channels: [8, 8, 16], classes: 2, seed: 7)
        let net = ConvNetTraining.train(start, on: train, settings: settings)
        let again = ConvNetTraining.train(start, on: train, settings: settings, threads: 1)
        XCTAssertEqual(net, again, "seeded and deterministic, on any number of cores")
        let stored = try JSONDecoder().decode(ConvNet.self, from: JSONEncoder().encode(net))
        XCTAssertEqual(stored, net, "stored and read back exactly")
        let inference = ConvNet.Inference(net)
        let right = test.filter { example in
            let p = inference.probabilities(letterboxed: example.image)
            return (p[0] > 0.5) == (example.target[0] == 1)
        }.count
        XCTAssertGreaterThan(Double(right) / Double(test.count), 0.85, "\(right) of \(test.count) held-out images right")
        // Scoring with the mirror image: the geometric mean of both views, the same for an image and its mirror.
        for example in test.prefix(4) {
            let plain = inference.probabilities(letterboxed: example.image)
            let mirror = inference.probabilities(letterboxed: example.image.mirrored())
            let both = inference.probabilities(letterboxed: example.image, mirror: true)
            XCTAssertEqual(both, BuiltinModel.combine([plain, mirror]))
            XCTAssertEqual(both[0], inference.probabilities(letterboxed: example.image.mirrored(), mirror: true)[0], accuracy: 1e-9)
            XCTAssertEqual(inference.probabilities(letterboxed: example.image, mirror: false), plain)
        }
    }

    func testMirroredFlipsEachRow() {
        let image = RGBImage(width: 3, height: 2, pixels: Array(0..<18).map(UInt8.init))
        XCTAssertEqual(image.mirrored().pixels, [6, 7, 8, 3, 4, 5, 0, 1, 2, 15, 16, 17, 12, 13, 14, 9, 10, 11])
        XCTAssertEqual(image.mirrored().mirrored(), image)
    }

    /// A model stored before mirroring existed reads back as not mirroring
    /// (its threshold was found on plain scores).
    func testOlderModelsDoNotMirror() throws {
        let model = BuiltinModel(standardizer: Standardizer(mean: [], scale: []), regression: SoftmaxRegression(classes: 2, dims: 0, weights: [0, 0], l2: 0),
                                 convnets: nil, convnetWeight: 0.5, mirrorsImages: true)
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(model)) as! [String: Any]
        XCTAssertEqual(json["mirrorsImages"] as? Bool, true)
        json.removeValue(forKey: "mirrorsImages")
        let older = try JSONDecoder().decode(BuiltinModel.self, from: JSONSerialization.data(withJSONObject: json))
        XCTAssertNil(older.mirrorsImages)
        XCTAssertEqual(older.convnetWeight, 0.5)
    }

    /// The filters' and the networks' probabilities combine as a product of
    /// experts: for two labels, the filters' logit plus w times the networks'.
    func testCombinationAddsTheNetworksWeightedLogit() {
        let filters = [0.9, 0.1], network = [0.6, 0.4]
        func logit(_ p: [Double]) -> Double { log(p[0] / p[1]) }
        for w in BuiltinModel.convnetWeights {
            let combined = BuiltinModel.combine([filters, network], weights: [1, w])
            XCTAssertEqual(combined.reduce(0, +), 1, accuracy: 1e-12)
            XCTAssertEqual(logit(combined), logit(filters) + w * logit(network), accuracy: 1e-9)
        }
        XCTAssertEqual(BuiltinModel.combine([filters, network], weights: [1, 0])[0], 0.9, accuracy: 1e-12, "weight 0: the filters alone")
        XCTAssertEqual(logit(BuiltinModel.combine([filters, network])), (logit(filters) + logit(network)) / 2, accuracy: 1e-9,
                       "no weights: the geometric mean")
        let model = BuiltinModel(standardizer: Standardizer(mean: [], scale: []), regression: SoftmaxRegression(classes: 2, dims: 0, weights: [0, 0], l2: 0),
                                 convnets: nil, convnetWeight: 0.25)
        XCTAssertEqual(model.combined(filters: filters, convnet: network), BuiltinModel.combine([filters, network], weights: [1, 0.25]))
    }

    /// The networks' weight is the one whose combination ranks the labels
    /// best: an informative network gets weight, a useless one none, and an
    /// informative but overconfident one keeps its weight (log-loss, which
    /// chose the weight before, punished its confident mistakes).
    func testTheNetworksWeightIsChosenByRanking() {
        var rng = SeededGenerator(seed: 7)
        func gaussian() -> Double { (-2 * log(max(rng.unit(), 1e-12))).squareRoot() * cos(2 * Double.pi * rng.unit()) }
        func probabilities(_ logit: Double) -> [Double] { let p = 1 / (1 + exp(-logit)); return [p, 1 - p] }
        let labels = (0..<400).map { $0 % 2 }
        let sign = labels.map { $0 == 0 ? 1.0 : -1.0 }
        let filters = sign.map { probabilities($0 + 1.5 * gaussian()) }
        let informative = sign.map { probabilities(8 * ($0 + 1.2 * gaussian())) }
        let useless = sign.map { _ in probabilities(gaussian()) }
        let chooseWith = { (net: [[Double]?]) in BuiltinModel.chooseConvnetWeight(filters: filters, convnet: net, labels: labels, classes: 2) }
        XCTAssertEqual(chooseWith(useless), 0, "a network that ranks nothing gets no weight")
        XCTAssertGreaterThanOrEqual(chooseWith(informative), 0.25, "an overconfident but informative network gets weight")
        var logLoss = [Double: Double]()
        for w in BuiltinModel.convnetWeights {
            logLoss[w] = zip(filters, informative).enumerated().reduce(0) { sum, item in
                sum - log(BuiltinModel.combine([item.element.0, item.element.1], weights: [1, w])[labels[item.offset]])
            }
        }
        XCTAssertLessThan(logLoss[0.25]!, logLoss[1]!, "log-loss prefers less of the overconfident network")
        XCTAssertEqual(chooseWith(informative.map { _ in nil }), 0, "no network scores: the filters alone")
    }

    /// A network from random weights gets 32 epochs, more on a small set (at
    /// least `minimumImageSteps` image-steps); the cost stays bounded.
    func testASmallSetGetsMoreEpochs() {
        XCTAssertEqual(ConvNetTraining.Settings.epochsFromScratch(examples: 200), 96)
        XCTAssertEqual(ConvNetTraining.Settings.epochsFromScratch(examples: 250), 77, "rounded up")
        XCTAssertEqual(ConvNetTraining.Settings.epochsFromScratch(examples: 600), 32)
        XCTAssertEqual(ConvNetTraining.Settings.epochsFromScratch(examples: 5_000), 32, "never fewer than 32")
        XCTAssertEqual(ConvNetTraining.Settings.epochsFromScratch(examples: 0), ConvNetTraining.Settings.minimumImageSteps, "no division by zero")
        for n in [2, 37, 200, 599] {
            let steps = n * ConvNetTraining.Settings.epochsFromScratch(examples: n)
            XCTAssertTrue(steps >= ConvNetTraining.Settings.minimumImageSteps && steps < ConvNetTraining.Settings.minimumImageSteps + n, "\(n): \(steps)")
        }
    }

    /// A run whose loss has not left chance level is recognised (and retried
    /// by `lw train` with another seed); one that learned is not.
    func testARunStuckAtChanceIsRecognised() {
        let twoLabels = ConvNetTraining.ChanceLevel(balancedClasses: 2)
        XCTAssertTrue(twoLabels.isStuck(loss: 0.69))
        XCTAssertTrue(twoLabels.isStuck(loss: 0.64))
        XCTAssertFalse(twoLabels.isStuck(loss: 0.51))
        XCTAssertTrue(twoLabels.isStuck(loss: .nan), "no loss: nothing was learned")
        XCTAssertFalse(ConvNetTraining.ChanceLevel(balancedClasses: 3).isStuck(loss: 0.9), "chance for three labels is ln 3 = 1.10")
        // Early on, only a loss still at chance gives up: a run at 0.63 after 60% of its epochs was learning.
        XCTAssertFalse(twoLabels.isStuck(loss: 0.63, shareOfChance: ConvNetTraining.giveUpShareOfChance))
        XCTAssertTrue(twoLabels.isStuck(loss: 0.69, shareOfChance: ConvNetTraining.giveUpShareOfChance))
    }

    /// Chance level comes from the targets: balanced one-hot labels give ln 2
    /// and a floor of 0; soft targets (a noisy team's consensus) raise the
    /// floor, so a run that learned is not taken for stuck; imbalanced labels
    /// lower chance, so a network predicting the label shares is.
    func testChanceLevelFollowsTheTargets() {
        let hard = ConvNetTraining.ChanceLevel(targets: [[1, 0], [0, 1], [1, 0], [0, 1]])
        XCTAssertEqual(hard.chance, log(2), accuracy: 1e-9)
        XCTAssertEqual(hard.floor, 0, accuracy: 1e-9)
        XCTAssertEqual(hard, ConvNetTraining.ChanceLevel(balancedClasses: 2))

        let soft = ConvNetTraining.ChanceLevel(targets: [[0.9, 0.1], [0.1, 0.9]])
        XCTAssertEqual(soft.chance, log(2), accuracy: 1e-6)
        XCTAssertEqual(soft.floor, -(0.9 * log(0.9) + 0.1 * log(0.1)), accuracy: 1e-6)
        XCTAssertFalse(soft.isStuck(loss: 0.63), "0.63 is 83% of the way from the floor 0.33 to chance 0.69")
        XCTAssertTrue(ConvNetTraining.ChanceLevel(balancedClasses: 2).isStuck(loss: 0.63))
        XCTAssertTrue(soft.isStuck(loss: 0.68))

        let imbalanced = ConvNetTraining.ChanceLevel(targets: Array(repeating: [1, 0], count: 8) + Array(repeating: [0, 1], count: 2))
        XCTAssertEqual(imbalanced.chance, -(0.8 * log(0.8) + 0.2 * log(0.2)), accuracy: 1e-6)
        XCTAssertTrue(imbalanced.isStuck(loss: 0.49), "predicting 80/20 for every image scores 0.50")
        XCTAssertFalse(ConvNetTraining.ChanceLevel(balancedClasses: 2).isStuck(loss: 0.49))

        XCTAssertFalse(ConvNetTraining.ChanceLevel(targets: [[0.7, 0.3], [0.7, 0.3]]).isStuck(loss: 0.61), "nothing to learn: no retry")
    }

    /// Retrying keeps the best run, not the last: a run that learned wins, and
    /// among runs that all stayed at chance the lowest loss does.
    func testRetriesKeepTheLowestStuckLoss() {
        let balanced = ConvNetTraining.ChanceLevel(balancedClasses: 2)
        XCTAssertTrue(balanced.prefers(0.69, over: nil), "the first run is kept")
        XCTAssertTrue(balanced.prefers(0.66, over: 0.69), "stuck, but lower")
        XCTAssertFalse(balanced.prefers(0.692, over: 0.66), "stuck and higher: the earlier run stays")
        XCTAssertTrue(balanced.prefers(0.40, over: 0.30), "a run that learned ends the retries and is kept")
    }
}

extension ConvNetTraining.ChanceLevel {
    /// Balanced one-hot labels of `classes` labels: chance ln(classes), floor 0.
    init(balancedClasses classes: Int) {
        self.init(targets: (0..<classes).map { c in (0..<classes).map { $0 == c ? 1 : 0 } })
    }
}
