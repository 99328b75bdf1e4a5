"""What every benchmark reports about the machine it ran on, and the database it may wipe."""

from __future__ import annotations

import os
import platform
from typing import Any


def machine() -> dict[str, Any]:
    return {"machine": platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version()}


def wipeable_postgres(benchmark: str, url: str) -> str:
    """``url`` if it is PostgreSQL and may be rebuilt from scratch (its name says "bench" or
    "test", or ``FAIRS_BENCH_MAY_WIPE=1``); otherwise stop with one line saying why. Points
    the settings at it."""
    if not url.startswith(("postgresql://", "postgres://")):
        raise SystemExit(f"fairs: the {benchmark} benchmark runs on PostgreSQL (FAIRS_DATABASE_URL=postgresql://…)")
    name = url.rsplit("/", 1)[-1].split("?")[0]
    if not any(word in name for word in ("bench", "test")) and os.environ.get("FAIRS_BENCH_MAY_WIPE") != "1":
        raise SystemExit(f"fairs: the {benchmark} benchmark rebuilds database {name!r} from scratch; use a "
                         "database whose name contains 'bench' or 'test', or set FAIRS_BENCH_MAY_WIPE=1")
    os.environ["FAIRS_DATABASE_URL"] = url
    os.environ.setdefault("PICCOLO_CONF", "fairs.db.piccolo_conf")
    from fairs.settings import reset_settings

    reset_settings()
    return url
