import Kernels

/// Per-layer key/value caches (layouts: see `Attention.decode`) plus the small activation buffers of a one-token
/// decode step, all preallocated for a batch of `batchSize` rows.
///
/// With the AVX-512 GEMM the cache also holds the model's weights packed for the decode products, as they were
/// when the cache was made (`GPT.makeKVCache`): a cache decodes with those weights, so make a new one after
/// changing the model (the sampler makes one per call).
public final class KVCache {
    /// Rows (sequences) decoded together.
    public let batchSize: Int
    /// Positions per row the cache holds, at most the model's contextLength.
    public let maxLength: Int
    let storage: FloatBuffer
    let keys: [UnsafeMutablePointer<Float>]  // per layer (B,NH,hd,maxT), transposed
    let values: [UnsafeMutablePointer<Float>]  // per layer (B,NH,maxT,hd)
    // Decode-step activations, one row per sequence.
    let x, ln, atty, tmp: UnsafeMutablePointer<Float>  // (B,C) each
    let qkv: UnsafeMutablePointer<Float>  // (B,3C)
    let fc: UnsafeMutablePointer<Float>  // (B,H)
    let mean, rstd: UnsafeMutablePointer<Float>  // (B)
    let logits: UnsafeMutablePointer<Float>  // (B,V)
    var scratch: FloatBuffer  // (threads,maxT)
    let packed: PackedWeights?

    /// The decode products' weights, packed once (see `PackedWeight`): per layer, then the tied LM head.
    struct PackedWeights {
        let qkv, proj, fc, fc2: [PackedWeight]
        let head: PackedWeight
    }

    init(config: GPTConfig, batchSize B: Int, maxLength: Int, packed: PackedWeights?) {
        self.packed = packed
        batchSize = B
        self.maxLength = maxLength
        let C = config.dModel, H = config.mlpRatio * C, V = config.vocabSize
        let perCache = B * C * maxLength  // NH·hd = C
        storage = FloatBuffer(count: 2 * config.layers * perCache + B * (4 * C + 3 * C + H + 2 + V))
        var next = storage.pointer
        func take(_ n: Int) -> UnsafeMutablePointer<Float> {
            defer { next += n }
            return next
        }
        keys = (0..<config.layers).map { _ in take(perCache) }
        values = (0..<config.layers).map { _ in take(perCache) }
        x = take(B * C)
        ln = take(B * C)
        atty = take(B * C)
        tmp = take(B * C)
        qkv = take(3 * B * C)
        fc = take(B * H)
        mean = take(B)
        rstd = take(B)
        logits = take(B * V)
        scratch = FloatBuffer(count: 0)
    }

    func scratch(threads: Int) -> UnsafeMutablePointer<Float> {
        if scratch.count < threads * maxLength { scratch = FloatBuffer(count: threads * maxLength) }
        return scratch.pointer
    }
}

extension GPT {
    /// A cache for `batchSize` sequences of up to `maxLength` positions (default and limit: contextLength); its
    /// copy of the weights is packed on up to `threads` threads.
    public func makeKVCache(batchSize: Int, maxLength: Int? = nil, threads: Int = 1) -> KVCache {
        KVCache(
            config: config, batchSize: batchSize, maxLength: min(maxLength ?? config.contextLength, config.contextLength),
            packed: packedWeights(threads: threads))
    }

    /// This model's weights packed for decoding, or nil when the GEMM backend packs per call (OpenBLAS).
    func packedWeights(threads: Int) -> KVCache.PackedWeights? {
        let p = UnsafePointer(params.pointer), C = config.dModel, H = config.mlpRatio * C
        // per layer qkv, proj, fc, fc2, then the tied LM head — in one buffer, the order decoding reads them
        var weights: [(weight: UnsafePointer<Float>, OC: Int, IC: Int)] = []
        for w in layout.blocks {
            weights.append((p + w.qkvWeight, 3 * C, C))
            weights.append((p + w.projWeight, C, C))
            weights.append((p + w.fcWeight, H, C))
            weights.append((p + w.fc2Weight, C, H))
        }
        weights.append((p + layout.wte, config.vocabSize, C))
        guard let packed = PackedWeight.packAll(weights, threads: threads), let head = packed.last else { return nil }
        let layers = 0..<layout.blocks.count
        return KVCache.PackedWeights(
            qkv: layers.map { packed[4 * $0] }, proj: layers.map { packed[4 * $0 + 1] },
            fc: layers.map { packed[4 * $0 + 2] }, fc2: layers.map { packed[4 * $0 + 3] }, head: head)
    }

    /// Logits (B,T,V) of a full forward pass without a cache (the reference path). Rows may be right-padded, with
    /// `validLengths` giving each row's real length.
    public func logits(
        tokens: [Int32], batchSize B: Int, length T: Int, validLengths: [Int32]? = nil, threads: Int
    ) throws(GPTError) -> [Float] {
        try forwardLogits(tokens: tokens, B: B, T: T, validLengths: validLengths, cache: nil, threads: threads)
    }

    /// Runs the prompt (B,T) (right-padded; `validLengths` per row) through the model, stores keys and values of
    /// positions 0..<T in `cache`, and returns the logits (B,T,V).
    public func prefill(
        cache: KVCache, tokens: [Int32], length T: Int, validLengths: [Int32]? = nil, threads: Int
    ) throws(GPTError) -> [Float] {
        let B = cache.batchSize
        guard T <= cache.maxLength else {
            throw .invalidSampling("prompt length \(T) exceeds the cache length \(cache.maxLength)")
        }
        return try forwardLogits(tokens: tokens, B: B, T: T, validLengths: validLengths, cache: cache, threads: threads)
    }

    /// The shared body of `logits` and `prefill`: validate, forward (storing K/V when a cache is given), copy logits.
    private func forwardLogits(
        tokens: [Int32], B: Int, T: Int, validLengths: [Int32]?, cache: KVCache?, threads: Int
    ) throws(GPTError) -> [Float] {
        try Batch(tokens: tokens, targets: tokens, lossMask: [Float](repeating: 0, count: tokens.count),
                  batchSize: B, length: T, validLengths: validLengths).validate(for: config)
        reserve(batchSize: B, length: T)
        tokens.withUnsafeBufferPointer { t in
            optionalPointer(validLengths) { lengths in
                runForward(tokens: t.baseAddress!, lengths: lengths, B: B, T: T, cache: cache, threads: threads)
            }
        }
        return Array(UnsafeBufferPointer(start: acts!.logits, count: B * T * config.vocabSize))
    }

    /// One decode step: token b is placed at position positions[b] of row b (overwriting whatever the cache held
    /// there) and attends to positions 0...positions[b]. Returns the logits (B,V).
    public func decode(cache: KVCache, tokens: [Int32], positions: [Int32], threads: Int) throws(GPTError) -> [Float] {
        let B = cache.batchSize
        guard tokens.count == B, positions.count == B else {
            throw .invalidSampling("decode needs \(B) tokens and positions, got \(tokens.count) and \(positions.count)")
        }
        guard tokens.allSatisfy({ $0 >= 0 && Int($0) < config.vocabSize }) else {
            throw .invalidSampling("a token id is outside the vocabulary 0..<\(config.vocabSize)")
        }
        guard positions.allSatisfy({ $0 >= 0 && Int($0) < cache.maxLength }) else {
            throw .invalidSampling("a position is outside the cache 0..<\(cache.maxLength)")
        }
        tokens.withUnsafeBufferPointer { t in
            positions.withUnsafeBufferPointer { p in
                decodeStep(cache: cache, tokens: t.baseAddress!, positions: p.baseAddress!, threads: threads)
            }
        }
        return Array(UnsafeBufferPointer(start: cache.logits, count: B * config.vocabSize))
    }

    /// Rows per group of a decode step: for models up to `groupedDecodeMaxWidth` wide, batches of at least two
    /// groups run each group's whole step on one thread (one hand-off per step instead of one per kernel, which
    /// cost more than the small kernels themselves: M sampling −12% CPU); otherwise each kernel is split over the
    /// threads (wider models: every group would read all weights again — and, with OpenBLAS, pack them again: L
    /// sampling +20% CPU, measured before the AVX-512 GEMM's once-per-cache packing). Chosen by the
    /// config and batch size only, so results never depend on the thread count.
    static let decodeRowGroup = 16
    static let groupedDecodeMaxWidth = 128

    /// `decode` on raw buffers (no checks, no allocation); logits land in `cache.logits` (B,V).
    func decodeStep(cache: KVCache, tokens: UnsafePointer<Int32>, positions: UnsafePointer<Int32>, threads: Int) {
        let B = cache.batchSize, group = GPT.decodeRowGroup
        let scratch = cache.scratch(threads: threads)
        guard B >= 2 * group, config.dModel <= GPT.groupedDecodeMaxWidth else {
            decodeRows(cache: cache, rows: 0..<B, tokens: tokens, positions: positions, scratch: scratch, threads: threads)
            return
        }
        Parallel.forEachChunkIndexed(count: (B + group - 1) / group, threads: threads) { chunk, groups in
            for g in groups {
                decodeRows(
                    cache: cache, rows: (g * group)..<min(B, (g + 1) * group), tokens: tokens, positions: positions,
                    scratch: scratch + chunk * cache.maxLength, threads: 1)
            }
        }
    }

    /// One decode step for cache rows `rows` (their activations, caches, tokens and positions are offset views).
    private func decodeRows(
        cache: KVCache, rows: Range<Int>, tokens: UnsafePointer<Int32>, positions: UnsafePointer<Int32>,
        scratch: UnsafeMutablePointer<Float>, threads: Int
    ) {
        let B = rows.count, r0 = rows.lowerBound
        let C = config.dModel, V = config.vocabSize, NH = config.heads, H = config.mlpRatio * C
        let p = params.pointer
        let x = cache.x + r0 * C, ln = cache.ln + r0 * C, atty = cache.atty + r0 * C, tmp = cache.tmp + r0 * C  // (B,C)
        let qkv = cache.qkv + r0 * 3 * C, fc = cache.fc + r0 * H  // (B,3C) (B,H)
        let mean = cache.mean + r0, rstd = cache.rstd + r0, logits = cache.logits + r0 * V  // (B) (B) (B,V)
        let pos = positions + r0, cacheRows = r0 * C * cache.maxLength  // per layer: (B,NH,hd,maxT), (B,NH,maxT,hd)
        Encoder.forward(
            out: x, tokens: tokens + r0, positionOffsets: pos, wte: p + layout.wte, wpe: p + layout.wpe,
            B: B, T: 1, C: C, threads: threads)
        for (l, w) in layout.blocks.enumerated() {
            LayerNorm.forward(
                out: ln, mean: mean, rstd: rstd, inp: x, weight: p + w.ln1Weight, bias: p + w.ln1Bias, N: B, C: C,
                threads: threads)
            Matmul.forward(
                out: qkv, inp: ln, weight: p + w.qkvWeight, bias: p + w.qkvBias, N: B, IC: C, OC: 3 * C,
                packed: cache.packed?.qkv[l], threads: threads)
            Attention.decode(
                out: atty, qkv: qkv, kCache: cache.keys[l] + cacheRows, vCache: cache.values[l] + cacheRows,
                positions: pos, scratch: scratch, B: B, C: C, NH: NH, maxT: cache.maxLength, threads: threads)
            Matmul.forward(
                out: tmp, inp: atty, weight: p + w.projWeight, bias: p + w.projBias, N: B, IC: C, OC: C,
                packed: cache.packed?.proj[l], threads: threads)
            Residual.forward(out: x, a: x, b: tmp, count: B * C, threads: threads)
            LayerNorm.forward(
                out: ln, mean: mean, rstd: rstd, inp: x, weight: p + w.ln2Weight, bias: p + w.ln2Bias, N: B, C: C,
                threads: threads)
            Matmul.forward(
                out: fc, inp: ln, weight: p + w.fcWeight, bias: p + w.fcBias, N: B, IC: C, OC: H,
                packed: cache.packed?.fc[l], threads: threads)
            GELU.forward(out: fc, inp: fc, count: B * H, threads: threads)
            Matmul.forward(
                out: tmp, inp: fc, weight: p + w.fc2Weight, bias: p + w.fc2Bias, N: B, IC: H, OC: C,
                packed: cache.packed?.fc2[l], threads: threads)
            Residual.forward(out: x, a: x, b: tmp, count: B * C, threads: threads)
        }
        LayerNorm.forward(
            out: ln, mean: mean, rstd: rstd, inp: x, weight: p + layout.lnfWeight, bias: p + layout.lnfBias, N: B,
            C: C, threads: threads)
        Matmul.forward(
            out: logits, inp: ln, weight: p + layout.wte, bias: nil, N: B, IC: C, OC: V, packed: cache.packed?.head,
            threads: threads)
    }
}
