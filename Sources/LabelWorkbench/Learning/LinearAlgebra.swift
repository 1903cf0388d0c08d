import Foundation

/// The few dense kernels the learning code needs, on raw pointers so the
/// compiler vectorises the inner loops. Row-major Float32 throughout.
public enum LinearAlgebra {
    /// C[m×n] = A[m×k] · B[k×n]. Register-blocked: four rows of A against
    /// sixteen columns of B at a time, accumulated in SIMD registers, so each
    /// loaded value of B serves four rows and C is written once.
    public static func multiply(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                                m: Int, k: Int, n: Int) {
        let braw = UnsafeRawPointer(b)
        let craw = UnsafeMutableRawPointer(c)
        let stride = MemoryLayout<Float>.stride
        var i = 0
        while i + 4 <= m {
            let a0 = a + i * k
            var j = 0
            while j + 16 <= n {
                var tile = Tile4x16()
                tile.accumulate(a0, a0 + k, a0 + 2 * k, a0 + 3 * k, count: k, braw, offset: j * stride, rowBytes: n * stride)
                tile.store(craw, offset: (i * n + j) * stride, rowBytes: n * stride)
                j += 16
            }
            for r in 0..<4 {  // columns left over
                let ar = a0 + r * k, cr = c + (i + r) * n
                for jj in j..<n {
                    var sum: Float = 0
                    for p in 0..<k { sum += ar[p] * b[p * n + jj] }
                    cr[jj] = sum
                }
            }
            i += 4
        }
        while i < m {  // rows left over
            let ai = a + i * k, ci = c + i * n
            for jj in 0..<n { ci[jj] = 0 }
            for p in 0..<k {
                let x = ai[p], row = b + p * n
                for jj in 0..<n { ci[jj] += x * row[jj] }
            }
            i += 1
        }
    }

    /// Four rows of A times sixteen columns of B, accumulated in eight SIMD
    /// registers: each loaded pair of B vectors serves four rows. The
    /// micro-kernel of `multiply` and of the network's convolutions.
    struct Tile4x16 {
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c30 = SIMD8<Float>(), c31 = SIMD8<Float>()

        /// Adds Σₚ aᵣ[p] · B[p][0..<16] for p < count, B's rows rowBytes apart from offset.
        @inline(__always)
        mutating func accumulate(_ a0: UnsafePointer<Float>, _ a1: UnsafePointer<Float>, _ a2: UnsafePointer<Float>, _ a3: UnsafePointer<Float>,
                                 count: Int, _ b: UnsafeRawPointer, offset start: Int, rowBytes: Int) {
            var offset = start
            for p in 0..<count {
                let b0 = b.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                let b1 = b.loadUnaligned(fromByteOffset: offset + 32, as: SIMD8<Float>.self)
                offset += rowBytes
                let x0 = SIMD8<Float>(repeating: a0[p]), x1 = SIMD8<Float>(repeating: a1[p])
                let x2 = SIMD8<Float>(repeating: a2[p]), x3 = SIMD8<Float>(repeating: a3[p])
                c00 = c00.addingProduct(x0, b0); c01 = c01.addingProduct(x0, b1)
                c10 = c10.addingProduct(x1, b0); c11 = c11.addingProduct(x1, b1)
                c20 = c20.addingProduct(x2, b0); c21 = c21.addingProduct(x2, b1)
                c30 = c30.addingProduct(x3, b0); c31 = c31.addingProduct(x3, b1)
            }
        }

        /// Writes the four rows of sixteen, rowBytes apart from offset.
        @inline(__always)
        func store(_ c: UnsafeMutableRawPointer, offset: Int, rowBytes: Int) {
            c.storeBytes(of: c00, toByteOffset: offset, as: SIMD8<Float>.self)
            c.storeBytes(of: c01, toByteOffset: offset + 32, as: SIMD8<Float>.self)
            c.storeBytes(of: c10, toByteOffset: offset + rowBytes, as: SIMD8<Float>.self)
            c.storeBytes(of: c11, toByteOffset: offset + rowBytes + 32, as: SIMD8<Float>.self)
            c.storeBytes(of: c20, toByteOffset: offset + 2 * rowBytes, as: SIMD8<Float>.self)
            c.storeBytes(of: c21, toByteOffset: offset + 2 * rowBytes + 32, as: SIMD8<Float>.self)
            c.storeBytes(of: c30, toByteOffset: offset + 3 * rowBytes, as: SIMD8<Float>.self)
            c.storeBytes(of: c31, toByteOffset: offset + 3 * rowBytes + 32, as: SIMD8<Float>.self)
        }
    }

    /// Eigen-decomposition of a symmetric matrix (cyclic Jacobi; fine for the
    /// 108×108 patch covariance). Returns eigenvalues and eigenvectors as columns.
    public static func symmetricEigen(_ matrix: [Double], size n: Int) -> (values: [Double], vectors: [Double]) {
        var a = matrix
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<n { for q in (p + 1)..<n { off += a[p * n + q] * a[p * n + q] } }
            if off < 1e-20 { break }
            for p in 0..<n {
                for q in (p + 1)..<n {
                    let apq = a[p * n + q]
                    if abs(apq) < 1e-300 { continue }
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
                    let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        return ((0..<n).map { a[$0 * n + $0] }, v)
    }
}
