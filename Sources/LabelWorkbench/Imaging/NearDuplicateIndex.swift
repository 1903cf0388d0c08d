/// Groups of near-duplicate hashes, found through an index: with the 64 bits
/// cut into `radius + 1` chunks, two hashes within `radius` bits agree
/// exactly on at least one chunk (pigeonhole), so only hashes sharing a chunk
/// value are compared. Groups are single-linkage (a near-duplicate of a
/// near-duplicate joins the group). Pure.
public enum NearDuplicateIndex {
    /// `colours`: each item's colour signature; a pair counts only when its
    /// colours agree too (`PerceptualHash.sameColours`). Nil: hashes alone.
    public static func groups(_ hashes: [UInt64], colours: [UInt64]? = nil, radius: Int = PerceptualHash.radius) -> [[Int]] {
        var parent = Array(hashes.indices)
        func root(_ i: Int) -> Int {
            var i = i
            while parent[i] != i { parent[i] = parent[parent[i]]; i = parent[i] }
            return i
        }
        let chunks = radius + 1
        for chunk in 0..<chunks {
            let low = 64 * chunk / chunks, high = 64 * (chunk + 1) / chunks
            let mask: UInt64 = high - low == 64 ? ~0 : ((1 << UInt64(high - low)) - 1) << UInt64(low)
            var buckets: [UInt64: [Int]] = [:]
            for (i, h) in hashes.enumerated() { buckets[h & mask, default: []].append(i) }
            for members in buckets.values where members.count > 1 {
                for a in 0..<members.count {
                    for b in (a + 1)..<members.count where PerceptualHash.distance(hashes[members[a]], hashes[members[b]]) <= radius
                        && colours.map({ PerceptualHash.sameColours($0[members[a]], $0[members[b]]) }) ?? true {
                        let ra = root(members[a]), rb = root(members[b])
                        if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
                    }
                }
            }
        }
        var byRoot: [Int: [Int]] = [:]
        for i in hashes.indices { byRoot[root(i), default: []].append(i) }
        return byRoot.values.filter { $0.count > 1 }.sorted { $0[0] < $1[0] }
    }
}
