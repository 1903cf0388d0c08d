import ArgumentParser

/// The help of each job setting, shared by `lw init` and `lw settings set` so both say the same.
enum SettingHelp {
    static let workersPerImage: ArgumentHelp = "How many workers label each image."
    static let targetAccuracy: ArgumentHelp = "The accuracy machine labels must reach."
    static let targetRecall = ArgumentHelp(
        "The share of each label's images that must end with that label (machine labels of other labels are held back until its bound is met): one value, and/or per label. Default: the target accuracy.",
        valueName: "R|label=R,...")
    static let maxWorkersPerImage: ArgumentHelp = "Dynamic overlap: the most workers an image whose votes disagree may get."
    static let extraVoteBelow: ArgumentHelp = "Dynamic overlap: ask one more worker while the consensus confidence is below this (0 = never)."
    static let validationExtraVoteBelow: ArgumentHelp = "Dynamic overlap for the validation sample (the start of the job's random order): one more worker while its consensus confidence is below this."
    static let validationMaxWorkersPerImage: ArgumentHelp = "Dynamic overlap for the validation sample: the most workers one of its images may get (two more at a time)."
    static let maxHuman: ArgumentHelp = "Budget: at most this many images go to humans."
    static let maxHumanPercent: ArgumentHelp = "Budget: at most this percentage of the images go to humans."
    static let randomShare: ArgumentHelp = "Share of each uncertainty-ordered round's new images still drawn at random, machine-labeled ones included (the validation sample grows with them)."
    static let convnetSide: ArgumentHelp = "The convolutional network's input: images letterboxed to this many pixels (a multiple of 64)."
    static let selfTraining: ArgumentHelp = ArgumentHelp("With filters+convnet: each network's confident calls on unlabeled images train a fresh network that replaces it (more machine labels, ~9× the training time).", valueName: "on|off")
    static let objectCopies: ArgumentHelp = ArgumentHelp("With self-training: each student also learns from copies of the images its network is sure of, the object it found there painted one flat colour, so objects are found by shape in any colour. Off where the colour defines the label. Copies are made of every label but the last: name the 'none' label last.", valueName: "on|off")
    static let thresholdConfidence: ArgumentHelp = "How sure lw must be that machine labels reach --target-accuracy: the one-sided confidence of the Wilson lower bound on validation that sets each threshold (0.975 is stricter: fewer machine labels)."
    static let backbone: ArgumentHelp = ArgumentHelp("lw train adds a pretrained image network (EfficientNet-Lite0, run once per image and cached) and a head that scores every part of the image: finds small objects anywhere, trains in seconds per round. Needs its weights (make weights); without them lw trains without it and says so.", valueName: "on|off")
    static let convnetSteps: ArgumentHelp = ArgumentHelp("With filters+convnet: the fewest image-steps a network trained from scratch gets (at least 100); fewer is faster and weaker.", valueName: "N")
    static let maxMegapixels: ArgumentHelp = ArgumentHelp("The largest image lw import accepts, in megapixels, checked on the header before decoding (a decompression bomb is recorded as an import error).", valueName: "N")
    static let model: ArgumentHelp = ArgumentHelp("The built-in model: the learned-filter features (with the pretrained backbone's head when --backbone is on), or also two small convolutional networks trained on the pixels every round (~10x the training time).", valueName: "filters|filters+convnet")
}
