// swift-tools-version:6.1
import Foundation
import PackageDescription

// The feature extractor's inner loops are 4× wider with AVX2 (x86-64-v3, any
// x86 CPU since 2013). LW_PORTABLE=1 builds for baseline x86-64 instead.
var vectorSettings: [SwiftSetting] = []
#if arch(x86_64)
if ProcessInfo.processInfo.environment["LW_PORTABLE"] != "1" {
    vectorSettings = [.unsafeFlags(["-target-cpu", "haswell"])]
}
#endif

let package = Package(
    name: "lw",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "lw", targets: ["lw"]),
        .library(name: "LabelWorkbench", targets: ["LabelWorkbench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Debian's libturbojpeg0-dev and libpng-dev, reached through module maps.
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Debian's libopenblas-dev: the pretrained backbone's matrix products.
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        // Turns migrations/*.sql into a Swift file of string literals at build time,
        // so the binary carries its schema wherever it is copied.
        .executableTarget(name: "MigrationEmbedder"),
        .plugin(name: "EmbedMigrations", capability: .buildTool(), dependencies: ["MigrationEmbedder"]),

        .target(
            name: "LabelWorkbench",
            dependencies: [
                "CTurboJPEG", "CPNG", "CZlib", "COpenBLAS",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CSV", package: "CSV.swift"),
            ],
            // The learning and imaging loops are unusably slow unoptimised: optimise
            // this module in debug builds (and so in `swift test`) too.
            swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
                            .unsafeFlags(["-O"], .when(configuration: .debug))] + vectorSettings,
            plugins: ["EmbedMigrations"]
        ),
        // `lw serve`: the browser review pages over the same operations as `lw review`.
        .target(
            name: "ReviewServer",
            dependencies: [
                "LabelWorkbench",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "lw",
            dependencies: [
                "LabelWorkbench",
                "ReviewServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `make demo`: the whole loop on generated images with a simulated team.
        .executableTarget(name: "lw-demo", dependencies: ["LabelWorkbench"]),
        // `make bench`'s offline network measurement (bench/network_coverage.py).
        .executableTarget(name: "lw-network-bench",
                          dependencies: ["LabelWorkbench", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(
            name: "LabelWorkbenchTests",
            dependencies: ["LabelWorkbench", "CPNG", .product(name: "GRDB", package: "GRDB.swift")],
            resources: [.copy("Golden")]
        ),
        .testTarget(
            name: "ReviewServerTests",
            dependencies: ["ReviewServer", "LabelWorkbench", .product(name: "HummingbirdTesting", package: "hummingbird"),
                           .product(name: "HTTPTypes", package: "swift-http-types"),
                           .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["lw", "LabelWorkbench", .product(name: "GRDB", package: "GRDB.swift")],
            // Read from the source tree by path (#filePath), so the tests can rewrite them (LW_UPDATE_GOLDEN=1).
            exclude: ["Golden"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
