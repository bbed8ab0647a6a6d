"""`edgecompile serve`: artifacts behind HTTP (KServe v2 JSON), with dynamic batching.

Pieces, one per file: `protocol` (KServe v2 JSON in and out, every check that answers 400),
`model` (one served artifact and how it batches), `batcher` (per-model priority queue and the
threads that form and run batches), `metrics` (Prometheus), `app` (FastAPI routes, auth,
status codes), `server` (loads the artifacts, says how each batches, runs uvicorn).

How a batch is formed and run. edgecompile artifacts have fixed shapes (the frontends fix a
dynamic batch to 1; `build --input-shape x=8x...` fixes it to 8), so:

- **stack**: when every input and output of the artifact shares a leading dimension N >= 2, that
  dimension is the batch. A request carries k <= N samples along it (shape [k, ...rest]); the
  batcher concatenates queued requests up to min(--max-batch, N) samples, pads the rest of the N
  rows with copies of the first sample (real values, so no NaN or overflow can appear in rows
  nobody reads), runs once, and answers each request with its own rows. Padding costs compute:
  an artifact built for N runs N rows whether 1 or N arrived.
- **loop**: otherwise (batch 1, or no dimension shared by all tensors), a request carries exactly
  the artifact's shapes; the batcher takes up to --max-batch queued requests and runs them one
  after another. It never waits --max-delay-ms for more, since looping gains nothing from waiting.

`edgecompile serve` prints which one each model uses when it starts. Priorities: higher levels
are served first, FIFO within a level (a heap on (-priority, arrival number)); a request past its
timeout is answered 504 without being run, whether it is still queued when its time runs out or
reaches the head of the queue late.
"""
