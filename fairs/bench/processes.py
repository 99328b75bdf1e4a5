"""How fast the whole system becomes ready, and stops."""

from __future__ import annotations

import os
import time
from typing import Any

from fairs.bench.common import machine


def bench_up_ready(size: int) -> dict[str, Any]:
    """Seconds from starting ``fairs up`` on a fresh, empty ``var/`` (embedded SQLite and
    Redis, migrations included) until ``/readyz`` answers 200, then until Ctrl-C has stopped
    everything. ``size`` is ignored."""
    import signal
    import socket
    import subprocess
    import sys
    import tempfile
    import urllib.error
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="fairs-bench-") as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FAIRS_", "PICCOLO_"))}
        env.update({"FAIRS_VAR_DIR": f"{folder}/var", "FAIRS_PORT": str(port)})
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "fairs", "up"], env=env, cwd=folder,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ready = None
        try:
            while time.perf_counter() - started < 120 and process.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as answer:
                        if answer.status == 200:
                            ready = time.perf_counter() - started
                            break
                except (OSError, urllib.error.URLError):
                    time.sleep(0.1)
        finally:
            stopping = time.perf_counter()
            process.send_signal(signal.SIGINT)
            code = process.wait(timeout=60)
            stopped = time.perf_counter() - stopping
    return {"benchmark": "up-ready", "ready_seconds": None if ready is None else round(ready, 2),
            "stop_seconds": round(stopped, 2), "exit_code": code, **machine()}
