"""Per-model queue and the threads that form batches from it and run them (see the package doc).

Each worker thread owns its own runner (runtimes such as the TFLite interpreter are not
thread-safe) and takes batches from the one shared queue, so priorities hold across workers.
Requests resolve through `concurrent.futures.Future`s that the HTTP side awaits.
"""
from __future__ import annotations

import heapq
import itertools
import math
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

from edgecompile.serve.metrics import ModelMetrics
from edgecompile.serve.model import ServedModel


class QueueFull(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"the queue is full; retry in {retry_after} s")
        self.retry_after = retry_after


class ShuttingDown(Exception):
    """The server is stopping: it finishes what it accepted but takes nothing new."""


class DeadlineExceeded(Exception):
    """The request's timeout passed before its batch started; it was not run."""


class InferenceError(Exception):
    """The runtime raised while running this request."""


@dataclass
class Pending:
    feeds: dict[str, np.ndarray]
    rows: int  # samples (stack) or 1 (loop)
    priority: int
    deadline: float | None  # time.perf_counter() value, or None for no timeout
    enqueued: float = field(default_factory=time.perf_counter)
    future: Future = field(default_factory=Future)


class Batcher:
    def __init__(self, model: ServedModel, runners: list, max_batch: int, max_delay_s: float, max_queue: int,
                 metrics: ModelMetrics):
        self.model, self.metrics, self.max_queue = model, metrics, max_queue
        self.capacity = min(max_batch, model.batch) if model.stacks else max_batch
        self.max_delay_s = max_delay_s if model.stacks else 0.0  # looping gains nothing from waiting
        self._heap: list[tuple[int, int, Pending]] = []
        self._order = itertools.count()
        self._cond = threading.Condition()
        self._live = 0  # queued requests not cancelled (the heap may still hold cancelled ones)
        self._closing = False
        self._run_s = 0.0  # moving average of one batch's run time, for Retry-After
        self._threads = [threading.Thread(target=self._work, args=(r,), daemon=True,
                                          name=f"batcher-{model.name}-{model.version}-{i}")
                         for i, r in enumerate(runners)]

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def close(self) -> None:
        """Take nothing new, finish everything queued, stop the workers."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        for t in self._threads:
            t.join()

    def submit(self, p: Pending) -> None:
        with self._cond:
            if self._closing:
                raise ShuttingDown()
            if self._live >= self.max_queue:
                batches_ahead = self._live / (self.capacity * len(self._threads))
                raise QueueFull(max(1, math.ceil(batches_ahead * self._run_s)))
            heapq.heappush(self._heap, (-p.priority, next(self._order), p))
            self._set_live(+1)
            self._cond.notify_all()

    def cancel(self, p: Pending) -> bool:
        """Withdraw a queued request; False when its batch has already started."""
        with self._cond:
            if p.future.cancel():
                self._set_live(-1)
                return True
            return False

    def _set_live(self, delta: int) -> None:
        self._live += delta
        self.metrics.queue_depth.set(self._live)

    def _peek(self) -> Pending | None:
        """The next request to run, after dropping cancelled ones and answering expired ones 504."""
        while self._heap:
            p = self._heap[0][2]
            if p.future.cancelled():
                heapq.heappop(self._heap)
            elif p.deadline is not None and time.perf_counter() > p.deadline:
                heapq.heappop(self._heap)
                self._set_live(-1)
                p.future.set_running_or_notify_cancel()
                p.future.set_exception(DeadlineExceeded())
            else:
                return p
        return None

    def _pop(self) -> Pending:
        p = heapq.heappop(self._heap)[2]
        self._set_live(-1)
        p.future.set_running_or_notify_cancel()  # from here on cancel() fails: it will run
        self.metrics.queue_time.observe(time.perf_counter() - p.enqueued)
        return p

    def _take(self) -> list[Pending] | None:
        """The next batch: up to `capacity` samples, waiting at most max_delay_s after the first
        request arrived; None once closing and drained."""
        with self._cond:
            while self._peek() is None:
                if self._closing:
                    return None
                self._cond.wait()
            batch = [self._pop()]
            rows, close_at = batch[0].rows, batch[0].enqueued + self.max_delay_s
            while rows < self.capacity:
                nxt = self._peek()
                if nxt is not None:
                    if rows + nxt.rows > self.capacity:
                        break
                    batch.append(self._pop())
                    rows += nxt.rows
                    continue
                wait = close_at - time.perf_counter()
                if wait <= 0 or self._closing:
                    break
                self._cond.wait(wait)
            return batch

    def _work(self, runner) -> None:
        while (batch := self._take()) is not None:
            self.metrics.batch_size.observe(sum(p.rows for p in batch))
            if self.model.stacks:
                self._run_stacked(runner, batch)
            else:
                for p in batch:
                    self._run(runner, p.feeds, [p])

    def _run_stacked(self, runner, batch: list[Pending]) -> None:
        n, rows = self.model.batch, sum(p.rows for p in batch)
        feeds = {}
        for name in batch[0].feeds:
            parts = [p.feeds[name] for p in batch]
            if rows < n:  # pad with copies of a real sample; those rows are computed and dropped
                parts.append(np.repeat(parts[0][:1], n - rows, axis=0))
            feeds[name] = np.concatenate(parts) if len(parts) > 1 else parts[0]
        if not self._run(runner, feeds, batch) and len(batch) > 1:
            for p in batch:  # one bad request must not fail the others: rerun each alone
                self._run_stacked(runner, [p])

    def _run(self, runner, feeds: dict[str, np.ndarray], batch: list[Pending]) -> bool:
        start = time.perf_counter()
        names = [s.name for s in self.model.outputs]
        try:
            out = runner.run(feeds)
            if self.model.stacks:
                offsets = np.cumsum([0] + [p.rows for p in batch])
                results = [{n: out[n][a:b] for n in names} for a, b in zip(offsets, offsets[1:])]
            else:
                results = [{n: out[n] for n in names}]
        except Exception as e:  # any runtime's error: answer 500, keep serving
            if len(batch) == 1:  # a failed stack of several is retried one by one by the caller
                batch[0].future.set_exception(InferenceError(f"{type(e).__name__}: {str(e).strip()[:500]}"))
            return False
        finally:
            seconds = time.perf_counter() - start
            self.metrics.inference_time.observe(seconds)
            self._run_s = seconds if not self._run_s else 0.8 * self._run_s + 0.2 * seconds
        for p, result in zip(batch, results):
            p.future.set_result(result)
        return True
