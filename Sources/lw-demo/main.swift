import Foundation
import LabelWorkbench

// `make demo`: the whole loop on a generated logo-like set with a simulated
// team, through lw's public commands only. No network, no files from outside.
//   lw-demo [FOLDER]   (default /tmp/lw-demo; LW is the lw binary next to this one)

let folder = URL(fileURLWithPath: CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "/tmp/lw-demo")
let lw = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("lw").path
try? FileManager.default.removeItem(at: folder)
try FileManager.default.createDirectory(at: folder.appendingPathComponent("images"), withIntermediateDirectories: true)
let database = folder.appendingPathComponent("lw.db").path

@discardableResult
func run(_ arguments: [String], allowFailure: Bool = false) -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: lw)
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["LW_DB"] = database
    environment["USER"] = "demo"
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    try! process.run()
    let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    if process.terminationStatus != 0 && !allowFailure {
        FileHandle.standardError.write(Data("lw-demo: lw \(arguments.joined(separator: " ")) failed\n".utf8))
        exit(1)
    }
    return out
}

func say(_ text: String) { FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8)) }

// 1. A few hundred images: backgrounds with distractor shapes; half carry a small mark.
say("== generating 500 images in \(folder.path)/images")
var truth: [String: String] = [:]
for i in 0..<500 {
    var spec = SyntheticImages.Spec(width: [160, 240, 320][i % 3], height: [120, 180, 240][i % 3], withMark: i % 2 == 0, seed: UInt64(90_000 + i))
    spec.markScale = 0.3...0.45
    let image = SyntheticImages.render(spec)
    let name = String(format: "photo%03d.%@", i, i % 7 == 6 ? "png" : "jpg")
    let bytes = i % 7 == 6 ? try PNGCodec.encode(image) : try JPEGCodec.encode(image, quality: 88)
    try Data(bytes).write(to: folder.appendingPathComponent("images/\(name)"))
    truth[name] = spec.withMark ? "logo" : "no_logo"
}

// 2. A job, the images, a team of five with different accuracies.
let team: [(String, Double)] = [("ana", 0.98), ("ben", 0.96), ("chloe", 0.95), ("dev", 0.92), ("eve", 0.85)]
say("== lw init, import, workers add")
say(run(["init", "--labels", "logo,no_logo", "--job-name", "demo-logos", "--features", "96:128,128:128", "--target-accuracy", "0.9"]))
say(run(["import", "--quiet", folder.appendingPathComponent("images").path]))
say(run(["workers", "add"] + team.map(\.0)))

// A worker's answer is a fixed function of (worker, image): right with their accuracy.
@MainActor func answer(worker: String, accuracy: Double, image: String) -> String {
    var hash: UInt64 = 1469598103934665603
    for byte in (worker + "|" + image).utf8 { hash = (hash ^ UInt64(byte)) &* 1099511628211 }
    var rng = SeededGenerator(seed: hash)
    let right = truth[image]!
    return rng.unit() < accuracy ? right : (right == "logo" ? "no_logo" : "logo")
}

// 3. Rounds: assign → answer → train → auto-label, until everything is labeled.
for round in 1...12 {
    say("== round \(round)")
    say(run(["assign", "--per-image", "3", "--limit", "120"]))
    let open = run(["assignments", "--open", "--format", "csv"]).split(separator: "\n").dropFirst()
    var answers = "assignment_id,label\n"
    for line in open {
        let f = line.split(separator: ",", maxSplits: 3).map(String.init)
        let accuracy = team.first { $0.0 == f[1] }!.1
        answers += "\(f[0]),\(answer(worker: f[1], accuracy: accuracy, image: (f[3] as NSString).lastPathComponent))\n"
    }
    let file = folder.appendingPathComponent("answers\(round).csv").path
    try answers.write(toFile: file, atomically: true, encoding: .utf8)
    if !open.isEmpty { say(run(["review", "--answers", file])) }
    let trained = run(["train"], allowFailure: true)
    if !trained.isEmpty { say(trained); say(run(["auto-label"])) }
    let status = run(["status", "--json"])
    if status.contains("\"unlabeled\":0") { break }
}

// 4. Status, exports, and the truth.
say("== lw status")
say(run(["status"]))
run(["export", "--format", "folder", "--out", folder.appendingPathComponent("dataset").path, "--split", "80/10/10", "--seed", "7", "--force"])
run(["export", "--format", "manifest", "--out", folder.appendingPathComponent("labels.manifest").path, "--force"])
let csv = run(["export", "--format", "csv"])
var right = 0, total = 0, machine = 0, machineRight = 0
for line in csv.split(separator: "\n").dropFirst() {
    let f = line.split(separator: ",").map(String.init)
    let name = (f[0] as NSString).lastPathComponent
    total += 1
    if truth[name] == f[2] { right += 1 }
    if f[4] == "machine" { machine += 1; if truth[name] == f[2] { machineRight += 1 } }
}
say("== against the generator's truth: \(right)/\(total) labels right (\(String(format: "%.1f%%", 100 * Double(right) / Double(max(total, 1))))); " +
    "machine labels \(machine), \(machineRight) right")
say("== the export: \(folder.path)/dataset/{train,val,test}/{logo,no_logo}/, \(folder.path)/labels.manifest; the database: \(database)")
