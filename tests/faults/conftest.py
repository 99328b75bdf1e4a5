"""Fault injection on real processes, loopback only: a PRIVATE PostgreSQL cluster (initdb into
a temporary folder, trust auth, fsync off, a free port) and a PRIVATE Redis (no persistence),
so tests may kill, stop and restart them without touching the machine's shared servers. The
app runs as real ``fairs serve`` / ``fairs worker`` child processes against them.

These tests run with the PostgreSQL suite (``FAIRS_TEST_DATABASE_URL`` set, as in CI) and
need ``initdb``/``pg_ctl`` and ``redis-server``; elsewhere they skip. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.conftest import ENGINE

ROOT = Path(__file__).resolve().parents[2]
INITDB = shutil.which("initdb") or "/usr/local/bin/initdb"
PG_CTL = shutil.which("pg_ctl") or "/usr/local/bin/pg_ctl"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
HAVE_BINARIES = all(os.access(p, os.X_OK) for p in (INITDB, PG_CTL, REDIS_SERVER))
SECRET = "fault-tests-secret-key-that-is-long-enough-0123456789"

FAULTS = [
    pytest.mark.postgres,
    pytest.mark.skipif(ENGINE != "postgres" or not HAVE_BINARIES,
                       reason="fault tests run with the PostgreSQL suite and need initdb, pg_ctl, redis-server"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(command: list[str]) -> list[str]:
    """``initdb`` refuses to run as root: run the cluster as the ``postgres`` user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PrivatePostgres:
    """A throw-away cluster in ``folder`` on a free loopback port (its socket in the folder)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.log = folder / "postgres.log"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str, timeout: float = 60) -> None:
        done = subprocess.run(_as_postgres(list(command)), capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed: {done.stderr[-2000:]}")

    def init(self) -> None:
        self._run(INITDB, "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-locale",
                  "--no-sync", timeout=120)

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(PG_CTL, "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30", "-o", options, "start")

    def stop(self) -> None:
        self._run(PG_CTL, "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop")


class PrivateRedis:
    """``redis-server`` on a free loopback port, nothing persisted: a restart loses every key."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, database: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        log = open(self.folder / "redis.log", "ab")  # noqa: SIM115 - the child keeps it
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(64).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("the private redis-server did not start")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: every queued job and in-progress mark is lost."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[PrivatePostgres]:
    """One private cluster for the folder, with a migrated template database (``fairs migrate``)."""
    if ENGINE != "postgres" or not HAVE_BINARIES:
        pytest.skip("fault tests run with the PostgreSQL suite")
    folder = Path(tempfile.mkdtemp(prefix="fairs-faults-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    cluster = PrivatePostgres(folder)
    try:
        cluster.init()
        cluster.start()
        subprocess.run([sys.executable, "-c", "import asyncio, asyncpg, sys\n"
                        "async def main():\n c = await asyncpg.connect(sys.argv[1])\n"
                        " await c.execute('CREATE DATABASE fairs_template')\n await c.close()\n"
                        "asyncio.run(main())", cluster.url()], check=True, capture_output=True, timeout=30)
        migrated = subprocess.run([sys.executable, "-m", "fairs", "migrate"], cwd=ROOT, capture_output=True, text=True,
                                  env=app_environment(folder, cluster.url("fairs_template"), ""), timeout=120)
        assert migrated.returncode == 0, migrated.stderr[-3000:]
        yield cluster
    finally:
        try:
            cluster.stop()
        finally:
            shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def private_redis() -> Iterator[PrivateRedis]:
    if ENGINE != "postgres" or not HAVE_BINARIES:
        pytest.skip("fault tests run with the PostgreSQL suite")
    folder = Path(tempfile.mkdtemp(prefix="fairs-faults-redis-"))
    server = PrivateRedis(folder)
    try:
        server.start()
        yield server
    finally:
        server.kill()
        shutil.rmtree(folder, ignore_errors=True)


def app_environment(var_dir: Path, database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a fairs child process: only what is given here, no suite settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAIRS_", "PICCOLO_"))}
    env.update({"FAIRS_ENV": "test", "FAIRS_DATABASE_URL": database_url, "FAIRS_REDIS_URL": redis_url,
                "FAIRS_VAR_DIR": str(var_dir / "var"), "FAIRS_SECRET_KEY": SECRET,
                "FAIRS_PASSWORD_HASH_COST": "fast", "FAIRS_LOG_LEVEL": "WARNING",
                "PICCOLO_CONF": "fairs.db.piccolo_conf", **extra})
    return env


_numbers = itertools.count(1)


class Stack:
    """One test's database (a copy of the migrated template), the private Redis, and the fairs
    processes it starts; :meth:`close` ends every one of them."""

    def __init__(self, folder: Path, postgres: PrivatePostgres, redis: PrivateRedis, database: str) -> None:
        self.folder = folder
        self.postgres = postgres
        self.redis = redis
        self.database = database
        self.url = postgres.url(database)
        self.processes: list[tuple[str, subprocess.Popen[bytes]]] = []

    def environment(self, database_url: str | None = None, **extra: str) -> dict[str, str]:
        return app_environment(self.folder, database_url or self.url, self.redis.url(), **extra)

    def _start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = open(self.folder / f"{name}-{len(self.processes)}.log", "ab")  # noqa: SIM115 - the child keeps it
        process = subprocess.Popen([sys.executable, "-m", "fairs", *command], cwd=ROOT, env=env,
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.processes.append((name, process))
        return process

    def start_worker(self, **extra: str) -> subprocess.Popen[bytes]:
        return self._start("worker", ["worker"], self.environment(**extra))

    async def start_api(self, processes: int = 1, database_url: str | None = None, **extra: str) -> str:
        """``fairs serve --workers N`` on a free port; returns its base URL once /readyz is 200."""
        port = free_port()
        process = self._start("api", ["serve", "--workers", str(processes)],
                              self.environment(database_url, FAIRS_PORT=str(port), **extra))
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 40
        async with httpx.AsyncClient(timeout=3) as client:
            while True:
                try:
                    if (await client.get(f"{base}/readyz")).status_code == 200:
                        return base
                except httpx.HTTPError:
                    pass
                assert process.poll() is None, f"the API stopped: {self.log_tail('api')}"
                assert time.monotonic() < deadline, f"the API never became ready: {self.log_tail('api')}"
                await asyncio.sleep(0.2)

    def log_tail(self, name: str, characters: int = 3000) -> str:
        return "\n".join(p.read_text(errors="replace")[-characters:] for p in sorted(self.folder.glob(f"{name}-*.log")))

    async def seed(self, kind: str) -> dict[str, Any]:
        """The test's data, made through the real API by the suite's factories (tests.faults.seed)."""
        env = self.environment(FAIRS_TEST_DATABASE_URL=self.url, FAIRS_TEST_REDIS_URL=self.redis.url(15))
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.faults.seed", kind, cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(process.communicate(), 90)
        assert process.returncode == 0, err.decode()[-3000:]
        return json.loads(out.decode().strip().splitlines()[-1])

    def close(self) -> None:
        for _, process in self.processes:
            if process.poll() is None:
                with _quiet():
                    os.killpg(process.pid, signal.SIGCONT)  # a stopped process cannot act on SIGTERM
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for _, process in self.processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with _quiet():
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
        for _, process in self.processes:  # children of a killed parent (uvicorn's processes)
            with _quiet():
                os.killpg(process.pid, signal.SIGKILL)


class _quiet:
    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, error: Any, trace: Any) -> bool:
        return kind is not None and issubclass(kind, ProcessLookupError | PermissionError)


@pytest.fixture
async def stack(private_postgres: PrivatePostgres, private_redis: PrivateRedis,
                tmp_path: Path) -> AsyncIterator[Stack]:
    """A fresh database copied from the migrated template, an empty (running) private Redis."""
    if not private_redis.running:
        private_redis.start()
    database = f"faults_{next(_numbers)}"
    admin = await asyncpg.connect(private_postgres.url(), timeout=10)
    try:
        await admin.execute(f"CREATE DATABASE {database} TEMPLATE fairs_template")
    finally:
        await admin.close()
    import redis.asyncio

    client = redis.asyncio.Redis.from_url(private_redis.url())
    await client.flushall()
    await client.aclose()
    made = Stack(tmp_path, private_postgres, private_redis, database)
    try:
        yield made
    finally:
        made.close()
        if not private_redis.running:
            private_redis.start()
        admin = await asyncpg.connect(private_postgres.url(), timeout=10)
        try:
            await admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        finally:
            await admin.close()


def kill_group(process: subprocess.Popen[bytes], number: int = signal.SIGKILL) -> None:
    """Signal a fairs process and its children (each is started in a session of its own)."""
    os.killpg(process.pid, number)
