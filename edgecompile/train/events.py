"""TensorBoard event files through the `tensorboard` package's record writer and protos.

torch.utils.tensorboard would do, but with TensorFlow installed it imports all of it (seconds)
the moment it writes; the record format is small and stable, so the writer here stays light.
"""
from __future__ import annotations

import os
import socket
import time
from pathlib import Path


class ScalarWriter:
    def __init__(self, log_dir: Path):
        from tensorboard.compat.proto import event_pb2
        from tensorboard.summary.writer.record_writer import RecordWriter

        log_dir = Path(log_dir)
        log_dir.mkdir(parents=True, exist_ok=True)
        name = f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}.{os.getpid()}"
        self._event = event_pb2.Event
        self._records = RecordWriter(open(log_dir / name, "ab"))
        self._records.write(self._event(wall_time=time.time(), file_version="brain.Event:2").SerializeToString())

    def scalar(self, tag: str, value: float, step: int) -> None:
        from tensorboard.compat.proto import summary_pb2

        summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=float(value))])
        self._records.write(self._event(wall_time=time.time(), step=step, summary=summary).SerializeToString())

    def flush(self) -> None:
        self._records.flush()

    def close(self) -> None:
        self._records.close()


def read_scalars(log_dir: Path) -> dict[str, list[tuple[int, float]]]:
    """tag -> [(step, value)] from every event file under log_dir (record: u64 length, u32 crc, data, u32 crc)."""
    import struct

    from tensorboard.compat.proto import event_pb2

    out: dict[str, list[tuple[int, float]]] = {}
    for f in sorted(Path(log_dir).glob("events.out.tfevents.*")):
        raw, pos = f.read_bytes(), 0
        while pos + 12 <= len(raw):
            (n,) = struct.unpack("<Q", raw[pos:pos + 8])
            ev = event_pb2.Event.FromString(raw[pos + 12:pos + 12 + n])
            pos += 12 + n + 4
            for v in ev.summary.value:
                out.setdefault(v.tag, []).append((ev.step, v.simple_value))
    return out
