"""Read the next batches in a thread while this one is written: an export on two cores.

SQLite's and psycopg's fetches and Arrow's kernels let go of the GIL for their C work, so reading
batch N+1 runs beside writing batch N.  The batches come in their order; at most ``depth`` wait
(memory stays a few batches).  The source runs wholly in the reading thread (its database
connection opens and closes there), and an error on either side ends both: the reader's is raised
to the writer, and a writer that stops early (a closed pipe) stops the reader.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_END = object()


def read_ahead(source: Iterable[T], depth: int = 2) -> Iterator[T]:
    """``source``'s items in order, produced by a thread of their own up to ``depth`` ahead."""
    ready: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        items = iter(source)
        try:
            for item in items:
                if not offer(item):
                    break
            else:
                offer(_END)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            offer(_Failure(exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # a generator's connection closes in the thread that opened it

    reader = threading.Thread(target=produce, name="export-read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            item = ready.get()
            if item is _END:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        reader.join()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error
