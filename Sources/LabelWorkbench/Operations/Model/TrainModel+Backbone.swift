import Foundation

/// `lw train`'s backbone expert: the multiple-instance head (`MILHead`) on
/// each human-labeled image's cached backbone map, cross-fitted on the stored
/// folds like the filters' regression.
extension TrainModel {
    static let backboneL2Candidates = [0.001, 0.01, 0.03, 0.1]

    struct BackboneFit {
        var backboneId: Int64
        var l2: Double
        var loss: Double
        /// Out-of-fold probabilities; nil where an image has no map (unreadable file).
        var oof: [[Double]?]
        var head: MILHead
        var seconds: Double
    }

    /// Maps for the labeled images (computed once per image), the L2 strength
    /// with the lowest out-of-fold log-loss against the consensus posteriors,
    /// and the head refitted on every image with a map.
    func fitBackbone(_ backbone: BackboneCache.Loaded, usable: [HumanLabel], folds: [Int], classes: Int, times: inout PartTimes,
                     settings: MILHead.Settings = MILHead.Settings()) throws -> BackboneFit? {
        let ids = usable.map(\.imageId)
        let stored = try times.measure("backbone_maps") {
            try BackboneCache.ensureMaps(store: store, backbone: backbone, imageIds: ids, progress: progress)
            return try store.pool.read { try BackboneCache.load($0, backboneId: backbone.id, imageIds: ids) }
        }
        let started = Date()
        defer { times.add("backbone_head", since: started) }
        let withMap = usable.indices.filter { stored[usable[$0].imageId] != nil }
        guard withMap.count >= HumanLabels.minimumLabels else { return nil }
        let maps = withMap.map { stored[usable[$0].imageId]! }
        let labels = withMap.map { usable[$0].label }, weights = withMap.map { usable[$0].confidence }
        let standardization = MILHead.standardization(maps)
        progress?.start("backbone head", total: Self.backboneL2Candidates.count * 5 + 1)
        let chosen = CrossFit.chooseL2(Self.backboneL2Candidates, folds: withMap.map { folds[$0] },
                                       posteriors: withMap.map { usable[$0].posteriors }, progress: progress) { l2, train, test in
            let head = MILHead.fit(train.map { maps[$0] }, labels: train.map { labels[$0] }, sampleWeights: train.map { weights[$0] },
                                   classes: classes, l2: l2, standardization: standardization, settings: settings)
            return test.map { head.probabilities(maps[$0]) }
        }
        let head = MILHead.fit(maps, labels: labels, sampleWeights: weights, classes: classes, l2: chosen.l2,
                               standardization: standardization, settings: settings)
        progress?.advance(by: 1)
        progress?.finish()
        var oof = [[Double]?](repeating: nil, count: usable.count)
        for (i, u) in withMap.enumerated() { oof[u] = chosen.oof[i] }
        return BackboneFit(backboneId: backbone.id, l2: chosen.l2, loss: chosen.loss, oof: oof, head: head,
                           seconds: Date().timeIntervalSince(started))
    }
}
