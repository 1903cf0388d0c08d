import Foundation

/// Standardisation fitted on training data: (x − mean) / std.
public struct Standardizer: Codable, Sendable, Equatable {
    public var mean: [Float]
    public var scale: [Float]

    public static func fit(_ rows: [[Float]]) -> Standardizer {
        let d = rows.first?.count ?? 0
        var mean = [Double](repeating: 0, count: d), sq = [Double](repeating: 0, count: d)
        for r in rows { for j in 0..<d { mean[j] += Double(r[j]); sq[j] += Double(r[j]) * Double(r[j]) } }
        let n = Double(max(rows.count, 1))
        let m = mean.map { $0 / n }
        let s = (0..<d).map { j in Float(1 / max((sq[j] / n - m[j] * m[j]).squareRoot(), 1e-6)) }
        return Standardizer(mean: m.map { Float($0) }, scale: s)
    }

    public func apply(_ x: [Float]) -> [Float] {
        var out = x
        for j in 0..<out.count { out[j] = (out[j] - mean[j]) * scale[j] }
        return out
    }
}

/// Multinomial logistic regression with an L2 penalty, fitted by gradient
/// descent with Nesterov momentum on the mean weighted log-loss: full-batch
/// up to `Minibatches.exactUpTo` examples, on fixed-size windows of a
/// seeded order beyond (`Minibatches`), so a fit costs the same at any size.
/// Deterministic: same data, same weights.
public struct SoftmaxRegression: Codable, Sendable, Equatable {
    public var classes: Int
    public var dims: Int
    /// classes × (dims + 1), the last column the bias.
    public var weights: [Float]
    public var l2: Double

    public static func fit(_ x: [[Float]], labels: [Int], sampleWeights: [Double]? = nil, classes: Int, l2: Double,
                           iterations: Int = 400, batch: Int = Minibatches.defaultWindow,
                           exactUpTo: Int = Minibatches.exactUpTo) -> SoftmaxRegression {
        let d = x.first?.count ?? 0, cols = d + 1
        let sw = sampleWeights ?? [Double](repeating: 1, count: x.count)
        let batches = Minibatches(count: x.count, batch: batch, exactUpTo: exactUpTo)
        let b = batches.batch
        // The examples in window order, the first window repeated at the end,
        // so that every window is one contiguous block for OpenBLAS.
        let rows = batches.order + (batches.isFullBatch ? [] : Array(batches.order.prefix(b)))
        let matrix = rows.flatMap { x[$0] }
        // Step size 1/L, L bounding the loss curvature: 0.5 · λmax(XᵀWX) + l2,
        // λmax by power iteration on the first window (a constant 1 for the bias).
        let first = Array(batches.order.prefix(b))
        let firstWeight = max(first.reduce(0) { $0 + sw[$1] }, 1e-9)
        let step = 1 / (0.5 * largestEigenvalue(first.map { x[$0] }, weights: first.map { sw[$0] / firstWeight }) + l2)
        var w = [Double](repeating: 0, count: classes * cols)
        var velocity = w
        var look = [Float](repeating: 0, count: classes * d), bias = [Double](repeating: 0, count: classes)
        var scores = [Float](repeating: 0, count: b * classes), residual = [Float](repeating: 0, count: b * classes)
        var product = [Float](repeating: 0, count: classes * d)
        var gradient = [Double](repeating: 0, count: classes * cols)
        for iteration in 0..<iterations {
            for c in 0..<classes {
                for j in 0..<d { look[c * d + j] = Float(w[c * cols + j] + 0.9 * velocity[c * cols + j]) }
                bias[c] = w[c * cols + d] + 0.9 * velocity[c * cols + d]
            }
            let start = batches.start(step: iteration)
            let window = Array(rows[start..<(start + b)])
            let windowWeight = max(window.reduce(0) { $0 + sw[$1] }, 1e-9)
            matrix.withUnsafeBufferPointer { all in
                let block = UnsafeBufferPointer(rebasing: all[(start * d)..<((start + b) * d)])
                BLAS.multiply(block, rows: b, inner: d, transposed: look, columns: classes, into: &scores)
            }
            var biasGradient = [Double](repeating: 0, count: classes)
            for (r, i) in window.enumerated() {
                let top = (0..<classes).map { Double(scores[r * classes + $0]) + bias[$0] }
                let peak = top.max()!
                let e = top.map { exp($0 - peak) }, z = e.reduce(0, +)
                for c in 0..<classes {
                    let g = (e[c] / z - (labels[i] == c ? 1 : 0)) * sw[i] / windowWeight
                    residual[r * classes + c] = Float(g)
                    biasGradient[c] += g
                }
            }
            matrix.withUnsafeBufferPointer { all in
                let block = UnsafeBufferPointer(rebasing: all[(start * d)..<((start + b) * d)])
                BLAS.multiplyTransposed(residual, rows: b, columns: classes, by: block, inner: d, into: &product)
            }
            for c in 0..<classes {
                for j in 0..<d { gradient[c * cols + j] = Double(product[c * d + j]) + l2 * Double(look[c * d + j]) }
                gradient[c * cols + d] = biasGradient[c]
            }
            for i in 0..<w.count {
                velocity[i] = 0.9 * velocity[i] - step * gradient[i]
                w[i] += velocity[i]
            }
        }
        return SoftmaxRegression(classes: classes, dims: d, weights: w.map { Float($0) }, l2: l2)
    }

    static func largestEigenvalue(_ x: [[Float]], weights: [Double]) -> Double {
        let d = (x.first?.count ?? 0) + 1
        var v = [Double](repeating: 1 / Double(d).squareRoot(), count: d)
        var lambda = 1.0
        for _ in 0..<30 {
            var next = [Double](repeating: 0, count: d)
            for (i, row) in x.enumerated() {
                var dot = v[d - 1]
                for j in 0..<(d - 1) { dot += Double(row[j]) * v[j] }
                dot *= weights[i]
                for j in 0..<(d - 1) { next[j] += dot * Double(row[j]) }
                next[d - 1] += dot
            }
            let norm = next.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard norm > 0 else { return 1 }
            lambda = norm
            v = next.map { $0 / norm }
        }
        return lambda * 1.05
    }

    /// Class probabilities of one (standardised) example.
    public func probabilities(_ x: [Float]) -> [Double] {
        let cols = dims + 1
        var logits = (0..<classes).map { c -> Double in
            var s = Double(weights[c * cols + dims])
            for j in 0..<dims { s += Double(weights[c * cols + j]) * Double(x[j]) }
            return s
        }
        let top = logits.max()!
        logits = logits.map { exp($0 - top) }
        let z = logits.reduce(0, +)
        return logits.map { $0 / z }
    }
}
