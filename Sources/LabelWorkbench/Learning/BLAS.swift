import COpenBLAS

/// The two matrix products the linear models need, on OpenBLAS (row-major,
/// single precision). Each call runs on one thread: lw spreads its own work
/// over the cores (folds, images).
enum BLAS {
    /// out (rows × columns) = a (rows × inner) · bᵀ, b being columns × inner;
    /// with `adding`, the product is added to what `out` holds (e.g. biases).
    static func multiply(_ a: [Float], rows: Int, inner: Int, transposed b: [Float], columns: Int, into out: inout [Float],
                         adding: Bool = false) {
        a.withUnsafeBufferPointer { multiply($0, rows: rows, inner: inner, transposed: b, columns: columns, into: &out, adding: adding) }
    }

    /// The same, reading `a` in place (e.g. a block of a larger matrix).
    static func multiply(_ pa: UnsafeBufferPointer<Float>, rows: Int, inner: Int, transposed b: [Float], columns: Int,
                         into out: inout [Float], adding: Bool = false) {
        _ = BLASThreads.single
        guard rows > 0, columns > 0, inner > 0 else { return }
        b.withUnsafeBufferPointer { pb in
            out.withUnsafeMutableBufferPointer { po in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(columns), Int32(inner),
                            1, pa.baseAddress, Int32(inner), pb.baseAddress, Int32(inner), adding ? 1 : 0, po.baseAddress, Int32(columns))
            }
        }
    }

    /// out (columns × inner) = aᵀ · b, a being rows × columns and b rows × inner.
    static func multiplyTransposed(_ a: [Float], rows: Int, columns: Int, by b: [Float], inner: Int, into out: inout [Float]) {
        b.withUnsafeBufferPointer { multiplyTransposed(a, rows: rows, columns: columns, by: $0, inner: inner, into: &out) }
    }

    /// The same, reading `b` in place (e.g. a block of a larger matrix).
    static func multiplyTransposed(_ a: [Float], rows: Int, columns: Int, by pb: UnsafeBufferPointer<Float>, inner: Int,
                                   into out: inout [Float]) {
        _ = BLASThreads.single
        guard rows > 0, columns > 0, inner > 0 else { return }
        a.withUnsafeBufferPointer { pa in
            out.withUnsafeMutableBufferPointer { po in
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(columns), Int32(inner), Int32(rows),
                            1, pa.baseAddress, Int32(columns), pb.baseAddress, Int32(inner), 0, po.baseAddress, Int32(inner))
            }
        }
    }
}

/// Keeps OpenBLAS to one thread per call: lw runs one image per core itself.
enum BLASThreads {
    static let single: Void = { openblas_set_num_threads(1) }()
}
