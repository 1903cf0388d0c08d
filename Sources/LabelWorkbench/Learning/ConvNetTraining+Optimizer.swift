import Foundation

extension ConvNetTraining {
    /// PyTorch's OneCycleLR (cosine; 15% warm-up from max/25, down to max/25/10⁴;
    /// Adam's β1 cycles 0.95 → 0.85 → 0.95).
    struct OneCycle {
        var totalSteps: Int
        var maxRate: Double

        func at(_ step: Int) -> (rate: Double, beta1: Double) {
            let start = maxRate / 25, end = start / 1e4
            let warm = Double(totalSteps) * 0.15 - 1
            func cosine(_ a: Double, _ b: Double, _ pct: Double) -> Double { b + (a - b) / 2 * (cos(Double.pi * pct) + 1) }
            if Double(step) <= warm {
                let pct = warm > 0 ? Double(step) / warm : 1
                return (cosine(start, maxRate, pct), cosine(0.95, 0.85, pct))
            }
            let pct = (Double(step) - warm) / max(1, Double(totalSteps - 1) - warm)
            return (cosine(maxRate, end, min(1, pct)), cosine(0.85, 0.95, min(1, pct)))
        }
    }

    /// AdamW (decoupled weight decay), as PyTorch's.
    struct AdamW {
        var m: [Float], v: [Float]
        var weightDecay: Double
        var t = 0
        var beta2 = 0.999, epsilon = 1e-8

        init(count: Int, weightDecay: Double) {
            m = [Float](repeating: 0, count: count)
            v = m
            self.weightDecay = weightDecay
        }

        mutating func update(_ p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>, rate: Double, beta1: Double) {
            t += 1
            let c1 = 1 - pow(beta1, Double(t)), c2 = 1 - pow(beta2, Double(t))
            let decay = Float(1 - rate * weightDecay), b1 = Float(beta1), b2 = Float(beta2)
            let stepSize = Float(rate / c1), root2 = Float(c2.squareRoot()), eps = Float(epsilon)
            m.withUnsafeMutableBufferPointer { m in
                v.withUnsafeMutableBufferPointer { v in
                    for i in 0..<m.count {
                        p[i] *= decay
                        m[i] = b1 * m[i] + (1 - b1) * g[i]
                        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                        p[i] -= stepSize * m[i] / (v[i].squareRoot() / root2 + eps)
                    }
                }
            }
        }
    }
}
