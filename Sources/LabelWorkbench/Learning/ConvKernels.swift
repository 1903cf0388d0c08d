/// The kernels of the small convolutional network (`ConvNet`), on raw
/// pointers. Activations are stored channels-last, (y, x, c), so the inner
/// loops run over output channels in SIMD registers; a convolution's input
/// carries a one-pixel zero border, so no loop tests the image's edges.
/// Output channel counts are multiples of 8 and sides multiples of 4.
enum ConvKernels {
    /// out[y][x][co] = Σ in[y+dy][x+dx][ci] · w[(dy·3 + dx)·cin + ci][co]
    /// for a padded input of (side + 2)² × cin; out is side² × cout.
    /// Four output pixels of a row share every loaded weight vector (for each
    /// kernel row dy, the 3·cin inputs under it are contiguous: one GEMM tile).
    static func conv3x3(_ input: UnsafePointer<Float>, side: Int, cin: Int,
                        _ w: UnsafePointer<Float>, cout: Int, _ out: UnsafeMutablePointer<Float>) {
        let pw = side + 2, run = 3 * cin, rowBytes = cout * 4
        let wraw = UnsafeRawPointer(w), oraw = UnsafeMutableRawPointer(out)
        for y in 0..<side {
            var x = 0
            while x < side {
                var co = 0
                while co + 16 <= cout {
                    var tile = LinearAlgebra.Tile4x16()
                    for dy in 0..<3 {
                        let a0 = input + ((y + dy) * pw + x) * cin
                        tile.accumulate(a0, a0 + cin, a0 + 2 * cin, a0 + 3 * cin, count: run, wraw, offset: (dy * run * cout + co) * 4, rowBytes: rowBytes)
                    }
                    tile.store(oraw, offset: ((y * side + x) * cout + co) * 4, rowBytes: rowBytes)
                    co += 16
                }
                if co < cout {  // eight channels left
                    var c0 = SIMD8<Float>(), c1 = SIMD8<Float>(), c2 = SIMD8<Float>(), c3 = SIMD8<Float>()
                    for dy in 0..<3 {
                        let a0 = input + ((y + dy) * pw + x) * cin, a1 = a0 + cin, a2 = a1 + cin, a3 = a2 + cin
                        var offset = (dy * run * cout + co) * 4
                        for p in 0..<run {
                            let b = wraw.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                            offset += rowBytes
                            c0 = c0.addingProduct(SIMD8<Float>(repeating: a0[p]), b)
                            c1 = c1.addingProduct(SIMD8<Float>(repeating: a1[p]), b)
                            c2 = c2.addingProduct(SIMD8<Float>(repeating: a2[p]), b)
                            c3 = c3.addingProduct(SIMD8<Float>(repeating: a3[p]), b)
                        }
                    }
                    let base = ((y * side + x) * cout + co) * 4
                    oraw.storeBytes(of: c0, toByteOffset: base, as: SIMD8<Float>.self)
                    oraw.storeBytes(of: c1, toByteOffset: base + rowBytes, as: SIMD8<Float>.self)
                    oraw.storeBytes(of: c2, toByteOffset: base + 2 * rowBytes, as: SIMD8<Float>.self)
                    oraw.storeBytes(of: c3, toByteOffset: base + 3 * rowBytes, as: SIMD8<Float>.self)
                }
                x += 4
            }
        }
    }

    /// dw[(dy·3 + dx)·cin + ci][co] += Σ over pixels of in[y+dy][x+dx][ci] · g[y][x][co]
    /// (the weight gradient; padded input as in `conv3x3`, g is side² × cout).
    /// Four weight rows at a time accumulate over every pixel in registers.
    static func conv3x3WeightGradient(_ input: UnsafePointer<Float>, side: Int, cin: Int,
                                      _ g: UnsafePointer<Float>, cout: Int, _ dw: UnsafeMutablePointer<Float>) {
        let pw = side + 2, run = 3 * cin
        let graw = UnsafeRawPointer(g), draw = UnsafeMutableRawPointer(dw)
        for dy in 0..<3 {
            var co = 0
            while co < cout {
                let wide = co + 16 <= cout
                var p = 0
                while p < run {
                    let rows = min(4, run - p)
                    var c00 = SIMD8<Float>(), c01 = SIMD8<Float>(), c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
                    var c20 = SIMD8<Float>(), c21 = SIMD8<Float>(), c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
                    for y in 0..<side {
                        var a = input + ((y + dy) * pw) * cin + p
                        var offset = ((y * side) * cout + co) * 4
                        if rows == 4 && wide {
                            for _ in 0..<side {
                                let b0 = graw.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                                let b1 = graw.loadUnaligned(fromByteOffset: offset + 32, as: SIMD8<Float>.self)
                                let x0 = SIMD8<Float>(repeating: a[0]), x1 = SIMD8<Float>(repeating: a[1])
                                let x2 = SIMD8<Float>(repeating: a[2]), x3 = SIMD8<Float>(repeating: a[3])
                                c00 = c00.addingProduct(x0, b0); c01 = c01.addingProduct(x0, b1)
                                c10 = c10.addingProduct(x1, b0); c11 = c11.addingProduct(x1, b1)
                                c20 = c20.addingProduct(x2, b0); c21 = c21.addingProduct(x2, b1)
                                c30 = c30.addingProduct(x3, b0); c31 = c31.addingProduct(x3, b1)
                                a += cin
                                offset += cout * 4
                            }
                        } else {
                            for _ in 0..<side {
                                let b0 = graw.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self)
                                let b1 = wide ? graw.loadUnaligned(fromByteOffset: offset + 32, as: SIMD8<Float>.self) : SIMD8<Float>()
                                let x0 = SIMD8<Float>(repeating: a[0])
                                c00 = c00.addingProduct(x0, b0); c01 = c01.addingProduct(x0, b1)
                                if rows > 1 { let x1 = SIMD8<Float>(repeating: a[1]); c10 = c10.addingProduct(x1, b0); c11 = c11.addingProduct(x1, b1) }
                                if rows > 2 { let x2 = SIMD8<Float>(repeating: a[2]); c20 = c20.addingProduct(x2, b0); c21 = c21.addingProduct(x2, b1) }
                                if rows > 3 { let x3 = SIMD8<Float>(repeating: a[3]); c30 = c30.addingProduct(x3, b0); c31 = c31.addingProduct(x3, b1) }
                                a += cin
                                offset += cout * 4
                            }
                        }
                    }
                    let sums = [(c00, c01), (c10, c11), (c20, c21), (c30, c31)]
                    for r in 0..<rows {
                        let base = ((dy * run + p + r) * cout + co) * 4
                        draw.storeBytes(of: draw.loadUnaligned(fromByteOffset: base, as: SIMD8<Float>.self) + sums[r].0,
                                        toByteOffset: base, as: SIMD8<Float>.self)
                        if wide {
                            draw.storeBytes(of: draw.loadUnaligned(fromByteOffset: base + 32, as: SIMD8<Float>.self) + sums[r].1,
                                            toByteOffset: base + 32, as: SIMD8<Float>.self)
                        }
                    }
                    p += rows
                }
                co += wide ? 16 : 8
            }
        }
    }

    /// The weights that turn `conv3x3` into its own input gradient: the
    /// kernel rotated by 180° with input and output channels swapped.
    static func flipped(_ w: UnsafePointer<Float>, cin: Int, cout: Int, into f: UnsafeMutablePointer<Float>) {
        for t in 0..<9 {
            for ci in 0..<cin {
                for co in 0..<cout { f[((8 - t) * cout + co) * cin + ci] = w[(t * cin + ci) * cout + co] }
            }
        }
    }

    /// Copies a side² × c map into the interior of a (side + 2)² × c buffer
    /// whose border is zero.
    static func pad(_ source: UnsafePointer<Float>, side: Int, channels c: Int, into padded: UnsafeMutablePointer<Float>) {
        let pw = side + 2
        padded.update(repeating: 0, count: pw * c)
        (padded + (pw * pw - pw) * c).update(repeating: 0, count: pw * c)
        for y in 0..<side {
            let row = padded + ((y + 1) * pw) * c
            row.update(repeating: 0, count: c)
            (row + c).update(from: source + y * side * c, count: side * c)
            (row + (side + 1) * c).update(repeating: 0, count: c)
        }
    }

    /// 2×2 max pooling of a side² × c map into the interior of the next
    /// layer's padded input ((side/2 + 2)² × c).
    static func maxPool(_ a: UnsafePointer<Float>, side: Int, channels c: Int, into padded: UnsafeMutablePointer<Float>) {
        let half = side / 2, pw = half + 2
        padded.update(repeating: 0, count: pw * pw * c)
        for y in 0..<half {
            for x in 0..<half {
                let p00 = a + ((2 * y) * side + 2 * x) * c, p01 = p00 + c, p10 = p00 + side * c, p11 = p10 + c
                let o = padded + ((y + 1) * pw + x + 1) * c
                for ch in 0..<c { o[ch] = max(max(p00[ch], p01[ch]), max(p10[ch], p11[ch])) }
            }
        }
    }

    /// Routes the gradient of each pooled value (g, (side/2)² × c) to the
    /// position that held the maximum (the first, on ties); every other
    /// position gets zero.
    static func maxPoolGradient(_ a: UnsafePointer<Float>, side: Int, channels c: Int,
                                pooledGradient g: UnsafePointer<Float>, into da: UnsafeMutablePointer<Float>) {
        let half = side / 2
        da.update(repeating: 0, count: side * side * c)
        for y in 0..<half {
            for x in 0..<half {
                let i00 = ((2 * y) * side + 2 * x) * c, i01 = i00 + c, i10 = i00 + side * c, i11 = i10 + c
                let gi = (y * half + x) * c
                for ch in 0..<c {
                    let v00 = a[i00 + ch], v01 = a[i01 + ch], v10 = a[i10 + ch], v11 = a[i11 + ch]
                    let m = max(max(v00, v01), max(v10, v11))
                    let target = v00 == m ? i00 : v01 == m ? i01 : v10 == m ? i10 : i11
                    da[target + ch] = g[gi + ch]
                }
            }
        }
    }
}
