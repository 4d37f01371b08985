// The Node flags `dnc serve` runs with: the bin's shebang and `npm start`
// spell them out (neither can import this), the benchmark's sidecar
// processes take them from here, and a test keeps the three the same.
//
// Why: the index lives outside V8's heap, so a serving sidecar's heap is
// small, and V8 sizes its collection limits from it. Every gRPC call leaves
// tens of KB of garbage (grpc-js, node:http2); with limits that tight,
// young collections took milliseconds and full ones came every few hundred
// ms under load, and they were the tail of the latency figures. A 256 MB
// initial old space lets cheap young collections take the garbage. The
// cost: the heap may hold up to that much garbage before a full collection.
// An import's rows outlive young collections, so an import asks for major
// ones itself (import/import-heap.ts): --expose-gc lets it. A 32 MB young
// generation (the default tops at 16) lets most of an import's batches die
// there instead: a batch lives while it commits, which spanned two young
// collections at 16 MB, and everything it held was then marked and moved by
// full ones (20-30 ms pauses, a couple a second, the filter waiting on each).
export const SERVE_NODE_FLAGS: readonly string[] = ["--initial-old-space-size=256", "--max-semi-space-size=32", "--expose-gc"];
