"""Process set-up: the worker's memory (shared by the benchmarks that stand in for it) and the
API processes' listening sockets."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_M_ARENA_MAX = -8  # glibc's mallopt parameter number


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Ask glibc to keep at most ``arenas`` malloc arenas (as ``MALLOC_ARENA_MAX`` would).

    A matching run scores its pairs on threads; by default glibc gives each thread an arena
    of its own, whose freed blocks stay in the process: 150 MB more peak memory at 100,000
    attendees, for no speed. Returns whether the setting took (False off glibc)."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_ARENA_MAX, arenas))


CAN_SHARE_PORT = sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")
"""Linux deals connections between the sockets sharing a port; macOS and the BSDs'
``SO_REUSEPORT`` gives them all to one socket, so there the workers keep uvicorn's one queue."""


def _bound_sharing(kind: type[socket.socket], family: int, address: Any) -> socket.socket:
    """A ``kind`` of TCP socket bound to ``address`` with ``SO_REUSEPORT``, inheritable."""
    bound = kind(family, socket.SOCK_STREAM)
    try:
        bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        bound.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        bound.bind(address)
    except OSError:
        bound.close()
        raise
    bound.set_inheritable(True)
    return bound


class PortPerWorker(socket.socket):
    """The API's address, bound by the parent process with ``SO_REUSEPORT``; sent to a worker
    process (uvicorn pickles its sockets for each worker it starts, and again for one it
    restarts), it arrives as *a new socket of that worker's own* on the same address.

    So each worker listens on its own queue and the kernel deals each new connection to one
    of them by a hash of its addresses: an even share. With one queue shared by every worker
    (uvicorn's way), the worker that wakes first accepts every connection waiting: 200
    connections opened together went 146 to one worker and 54 to the other, and that worker's
    requests waited for the CPU while the other one idled (docs/benchmarks.md, booths).
    The parent only binds (it never listens), which keeps the address from anyone else."""

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return _bound_sharing, (socket.socket, self.family, self.getsockname())


def port_per_worker(host: str, port: int) -> PortPerWorker:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return _bound_sharing(PortPerWorker, family, (host, port))  # type: ignore[return-value]


YOUNG_COLLECTION_EVERY = 20_000
"""Container objects allocated (less freed) between two collections of the youngest
generation; Python's default is 700."""


def freeze_what_is_built() -> int:
    """Set the garbage collector for a process that serves requests, once it has started.

    - Every object alive now is moved out of the collector's sight for good: for an API
      process, the app, its routes and schemas, the pool — about 165,000 objects that live as
      long as the process. Without this, each full collection walked them all: 80–90 ms in
      which that process answered nobody, in the middle of a rush (the booth benchmark's
      worst rushes took 190–230 ms instead of 120).
    - The youngest generation is collected every :data:`YOUNG_COLLECTION_EVERY` allocations
      instead of 700, and the oldest after 100 collections of the middle one instead of 10:
      a request allocates thousands of short-lived objects, and the default collected about
      28 times per 100 requests (8 % of an API process's CPU in a rush, plus a 35–45 ms full
      collection every four rushes). What is collected is the same; garbage in cycles waits a
      little longer.

    Returns how many objects are frozen."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, 10, 100)
    return gc.get_freeze_count()


_pauses = 0
_was_enabled = True


@contextmanager
def cyclic_collection_paused() -> Iterator[None]:
    """The cyclic garbage collector stopped while a big batch job runs (nested or concurrent
    uses keep it stopped until the last ends; then it runs as before).

    A matching run builds about 800,000 objects that live as long as it does (the
    registrations as matching sees them, the pairs' scores, the rows to write), and the
    collector walks all of them at every full collection: ten of them cost a festival's run
    2.0 s of its 25 (measured with ``gc.callbacks``), and collections of the younger
    generations another 0.6 s. Nothing the run makes needs the collector: its objects are freed
    by reference counting when it ends. Garbage in cycles that other jobs of the worker make
    meanwhile waits until the run ends."""
    global _pauses, _was_enabled
    if _pauses == 0:
        _was_enabled = gc.isenabled()
        gc.disable()
    _pauses += 1
    try:
        yield
    finally:
        _pauses -= 1
        if _pauses == 0 and _was_enabled:
            gc.enable()
