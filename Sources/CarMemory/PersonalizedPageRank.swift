import Foundation

/// Personalized PageRank over the fact–term graph, walked only in the neighbourhood of the
/// query so a query costs what its terms touch, not what the store holds.
///
/// The graph is bipartite: a fact links to each of its terms and each term back to each of
/// its facts, uniformly. The restart vector sits on the query's terms, weighted by inverse
/// document frequency so a term on every other fact ("project") does not outvote a rare
/// one ("typescript"). The walk is confined to seed terms → their facts → those facts'
/// terms; mass that would step from there to facts outside is dropped rather than
/// renormalised, which is the usual local (truncated) approximation: it can only lower the
/// score of facts far from the query, never raise one.
struct PersonalizedPageRank {
    /// Probability of following an edge rather than restarting at the query. Lower than the
    /// web's 0.85 because direct term matches should dominate a fact ranking; the graph
    /// still lets facts that share vocabulary with strong matches rise above loose ones.
    var damping: Double = 0.5
    var maxIterations: Int = 30
    /// Stop once an iteration moves less than this much mass (L1).
    var tolerance: Double = 1e-6
    /// A seed term on more facts than this contributes only its most recent ones...
    var maxFactsPerSeedTerm: Int = 1024
    /// ...and the whole neighbourhood stops growing here. Together they bound a query's work
    /// however common its words are; rare seeds are taken first, so what the caps leave out
    /// are facts reached only through common words, which carry the least mass anyway.
    var maxNeighbourhoodFacts: Int = 4096

    /// Scores every fact in the neighbourhood; `slot` is the fact's position in the store.
    /// `scratch` holds the global → local numbering between calls, so a query allocates
    /// nothing that grows with the store and hashes nothing per edge.
    func scores(index: TermIndex, liveFacts: Int, queryTerms: [String], scratch: inout PageRankScratch) -> [(slot: Int32, score: Double)] {
        // Seeds, in query order; unknown and emptied terms cannot carry mass anywhere.
        var seedIDs: [TermIndex.TermID] = []
        var seedWeights: [Double] = []
        let n = Double(max(liveFacts, 1))
        for term in queryTerms {
            guard let id = index.termID(term) else { continue }
            let df = index.documentFrequency(id)
            guard df > 0 else { continue }
            seedIDs.append(id)
            seedWeights.append(log1p(n / Double(df)))
        }
        guard !seedIDs.isEmpty else { return [] }
        let seedTotal = seedWeights.reduce(0, +)
        scratch.begin(terms: index.postings.count, slots: index.factTerms.count)

        // Terms and facts get dense local numbers of their own; seeds are terms 0..<seedCount.
        var termGlobal: [TermIndex.TermID] = []
        for id in seedIDs {
            scratch.setLocalTerm(id, Int32(termGlobal.count))
            termGlobal.append(id)
        }
        var factSlots: [Int32] = []
        let rarestFirst = seedIDs.indices.sorted {
            let a = index.documentFrequency(seedIDs[$0]), b = index.documentFrequency(seedIDs[$1])
            return a != b ? a < b : $0 < $1
        }
        gather: for seed in rarestFirst {
            let posting = index.postings[Int(seedIDs[seed])]
            for slot in posting.suffix(maxFactsPerSeedTerm) where scratch.localFact(slot) == nil {
                guard factSlots.count < maxNeighbourhoodFacts else { break gather }
                scratch.setLocalFact(slot, Int32(factSlots.count))
                factSlots.append(slot)
            }
        }

        // Edges in CSR form from the fact side; each edge carries both directions' weights.
        var edgeStart: [Int32] = [0]
        var edgeTerm: [Int32] = []
        var factOutWeight: [Double] = []   // 1 / degree(fact)
        edgeStart.reserveCapacity(factSlots.count + 1)
        factOutWeight.reserveCapacity(factSlots.count)
        for slot in factSlots {
            let terms = index.factTerms[Int(slot)]
            for id in terms {
                let local: Int32
                if let known = scratch.localTerm(id) {
                    local = known
                } else {
                    local = Int32(termGlobal.count)
                    scratch.setLocalTerm(id, local)
                    termGlobal.append(id)
                }
                edgeTerm.append(local)
            }
            edgeStart.append(Int32(edgeTerm.count))
            factOutWeight.append(terms.isEmpty ? 0 : 1.0 / Double(terms.count))
        }
        // Term → fact uses the term's full degree: the share of a term's mass headed to facts
        // outside the neighbourhood is the part that leaks.
        let termOutWeight = termGlobal.map { 1.0 / Double(max(index.documentFrequency($0), 1)) }

        let restart = 1.0 - damping
        var seed = [Double](repeating: 0, count: termGlobal.count)
        for (i, w) in seedWeights.enumerated() { seed[i] = w / seedTotal }
        var termMass = seed
        var factMass = [Double](repeating: 0, count: factSlots.count)
        var nextTerm = [Double](repeating: 0, count: termGlobal.count)
        var nextFact = [Double](repeating: 0, count: factSlots.count)
        // What one unit of a term's mass sends along each of its edges, this iteration.
        var termShare = [Double](repeating: 0, count: termGlobal.count)

        for _ in 0..<maxIterations {
            // Raw buffers: the inner loop runs once per edge per iteration, and array
            // uniqueness and bounds checks there cost as much as the arithmetic.
            let change = edgeStart.withUnsafeBufferPointer { edgeStart in
                edgeTerm.withUnsafeBufferPointer { edgeTerm in
                    factOutWeight.withUnsafeBufferPointer { factOut in
                        termOutWeight.withUnsafeBufferPointer { termOut in
                            seed.withUnsafeBufferPointer { seed in
                                termMass.withUnsafeBufferPointer { termMass in
                                    factMass.withUnsafeBufferPointer { factMass in
                                        nextTerm.withUnsafeMutableBufferPointer { nextTerm in
                                            nextFact.withUnsafeMutableBufferPointer { nextFact in
                                                termShare.withUnsafeMutableBufferPointer { termShare in
                                                    Self.step(damping: damping, restart: restart, edgeStart: edgeStart, edgeTerm: edgeTerm,
                                                              factOut: factOut, termOut: termOut, seed: seed, termMass: termMass,
                                                              factMass: factMass, nextTerm: nextTerm, nextFact: nextFact, termShare: termShare)
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            swap(&termMass, &nextTerm)
            swap(&factMass, &nextFact)
            if change < tolerance { break }
        }
        return factSlots.indices.map { (factSlots[$0], factMass[$0]) }
    }

    /// One power iteration; answers the L1 change. The sums are taken in the same order as
    /// the plain loop over edges, so scores are the same to the last bit.
    private static func step(damping: Double, restart: Double, edgeStart: UnsafeBufferPointer<Int32>, edgeTerm: UnsafeBufferPointer<Int32>,
                             factOut: UnsafeBufferPointer<Double>, termOut: UnsafeBufferPointer<Double>, seed: UnsafeBufferPointer<Double>,
                             termMass: UnsafeBufferPointer<Double>, factMass: UnsafeBufferPointer<Double>,
                             nextTerm: UnsafeMutableBufferPointer<Double>, nextFact: UnsafeMutableBufferPointer<Double>,
                             termShare: UnsafeMutableBufferPointer<Double>) -> Double {
        for t in 0..<nextTerm.count {
            nextTerm[t] = restart * seed[t]
            termShare[t] = termMass[t] * termOut[t]
        }
        for f in 0..<nextFact.count {
            var gathered = 0.0
            let out = damping * factMass[f] * factOut[f]
            for e in Int(edgeStart[f])..<Int(edgeStart[f + 1]) {
                let t = Int(edgeTerm[e])
                gathered += termShare[t]
                nextTerm[t] += out
            }
            nextFact[f] = damping * gathered
        }
        var change = 0.0
        for t in 0..<nextTerm.count { change += abs(nextTerm[t] - termMass[t]) }
        for f in 0..<nextFact.count { change += abs(nextFact[f] - factMass[f]) }
        return change
    }
}

/// The walk's global → local numbering, kept between queries: one slot per term and per fact
/// of the store, valid only where its stamp is the current query's, so nothing is cleared
/// between queries and nothing is hashed.
struct PageRankScratch {
    private var termLocal: [Int32] = []
    private var termStamp: [UInt32] = []
    private var factLocal: [Int32] = []
    private var factStamp: [UInt32] = []
    private var generation: UInt32 = 0

    mutating func begin(terms: Int, slots: Int) {
        if termLocal.count < terms {
            termLocal.append(contentsOf: repeatElement(0, count: terms - termLocal.count))
            termStamp.append(contentsOf: repeatElement(0, count: terms - termStamp.count))
        }
        if factLocal.count < slots {
            factLocal.append(contentsOf: repeatElement(0, count: slots - factLocal.count))
            factStamp.append(contentsOf: repeatElement(0, count: slots - factStamp.count))
        }
        generation &+= 1
        if generation == 0 {
            // Wrapped: old stamps could match again.
            for i in termStamp.indices { termStamp[i] = 0 }
            for i in factStamp.indices { factStamp[i] = 0 }
            generation = 1
        }
    }

    func localTerm(_ id: TermIndex.TermID) -> Int32? {
        termStamp[Int(id)] == generation ? termLocal[Int(id)] : nil
    }

    mutating func setLocalTerm(_ id: TermIndex.TermID, _ local: Int32) {
        termStamp[Int(id)] = generation
        termLocal[Int(id)] = local
    }

    func localFact(_ slot: Int32) -> Int32? {
        factStamp[Int(slot)] == generation ? factLocal[Int(slot)] : nil
    }

    mutating func setLocalFact(_ slot: Int32, _ local: Int32) {
        factStamp[Int(slot)] = generation
        factLocal[Int(slot)] = local
    }
}
