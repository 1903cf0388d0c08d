/// A model's probabilities over the labels, in class order.
public enum Probabilities {
    /// The most probable label; ties go to the lower class index (as
    /// consensus breaks them, so a model and the humans read scores alike).
    public static func argmax(_ p: [Double]) -> Int {
        DawidSkene.decide(p).label
    }
}
