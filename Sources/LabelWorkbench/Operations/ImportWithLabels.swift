/// `lw import … --manifest FILE --labels-from ATTRIBUTE`: the images, then
/// the manifest's human labels as votes of one worker. Two runs, images
/// first: a rerun after a kill imports nothing twice and finishes the votes.
public struct ImportWithLabels {
    public struct Summary: Sendable {
        public var images: ImportSummary
        /// Nil when the manifest gave no label to record.
        public var votes: ImportVotes.Summary?
    }

    public var images: ImportImages
    public var votesContext: RunContext

    public init(images: ImportImages, votesContext: RunContext) {
        self.images = images
        self.votesContext = votesContext
    }

    public mutating func run(_ candidates: [ImportCandidate], labels: [ImportVotes.Line], manifest: String?) throws -> Summary {
        let imported = try images.run(candidates)
        guard let manifest, !labels.isEmpty else { return Summary(images: imported, votes: nil) }
        let votes = try ImportVotes.apply(labels, file: manifest, skipInvalid: true, store: images.store, context: votesContext)
        return Summary(images: imported, votes: votes)
    }
}
