"""The real processes: `fairs up` becomes ready on the embedded defaults and stops cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.e2e import as_admin, database_beside_the_suites


def clean_environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAIRS_", "PICCOLO_"))}
    env.update({"FAIRS_VAR_DIR": str(tmp_path / "var"), **extra})
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_an_invalid_setting_stops_start_up_with_one_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "fairs", "serve"], env=clean_environment(tmp_path, FAIRS_PORT="x"),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr == "fairs: FAIRS_PORT must be an integer, got 'x'\n"


def test_up_serves_a_ready_system_on_the_embedded_defaults_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    env = clean_environment(tmp_path, FAIRS_PORT=str(port), FAIRS_DATABASE_URL=f"sqlite:///{tmp_path}/var/f.sqlite3")
    process = subprocess.Popen([sys.executable, "-m", "fairs", "up"], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 90
        status, body = 0, {}
        while time.monotonic() < deadline:
            try:
                status, body = get_json(f"http://127.0.0.1:{port}/readyz")
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        assert status == 200, body
        assert body == {"status": "ready", "checks": {"database": {"ok": True},
                                                      "migrations": {"ok": True, "pending": []},
                                                      "redis": {"ok": True}}}
        assert get_json(f"http://127.0.0.1:{port}/healthz") == (200, {"status": "ok"})
        assert (tmp_path / "var" / "secret_key").exists()
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "fairs: stopped (exit codes [0, 0])" in output
    assert not (tmp_path / "var" / "redis.socket").exists() or _socket_is_dead(tmp_path / "var" / "redis.socket")


def _socket_is_dead(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX) as s:
        try:
            s.connect(str(path))
        except OSError:
            return True
    return False


def test_the_first_city_and_its_organizer_come_from_the_command_line(tmp_path):
    env = clean_environment(tmp_path, FAIRS_DATABASE_URL=f"sqlite:///{tmp_path}/f.sqlite3",
                            FAIRS_PASSWORD_HASH_COST="fast", FAIRS_NEW_PASSWORD="a-long-password")
    areas = tmp_path / "areas.csv"
    areas.write_text("code,name,level,parent_code\n430200000000,株洲市,city,\n430211000000,天元区,county,430200000000\n",
                     encoding="utf-8")

    def fairs(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "fairs", *args], env=env, cwd=tmp_path, capture_output=True,
                              text=True, timeout=120)

    assert fairs("migrate").returncode == 0
    done = fairs("import-areas", str(areas))
    assert (done.returncode, done.stdout) == (0, '{"created": 2, "updated": 0}\n')
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,level,parent_code\n4302,短码,county,430200000000\n", encoding="utf-8")
    refused = fairs("import-areas", str(bad))
    assert refused.returncode == 2
    assert refused.stderr.splitlines()[0] == "fairs: rows[0].code: must be 12 digits"
    created = fairs("create-organizer", "boss", "--area", "430200000000")
    assert created.returncode == 0, created.stderr
    assert "organizer account 1 (boss) created" in created.stdout
    again = fairs("create-organizer", "boss", "--area", "430200000000")
    assert (again.returncode, again.stderr) == (2, "fairs: login: this login is taken\n")
    nowhere = fairs("create-organizer", "other", "--area", "999999999999")
    assert nowhere.returncode == 2
    assert "no area with code 999999999999" in nowhere.stderr


@pytest.mark.postgres
def test_two_migrations_started_at_once_apply_everything_once(tmp_path):
    """Two deploys (or a retried Job) run `fairs migrate` together on a new database: the
    second waits for the first's advisory lock, then finds nothing to do; both succeed."""
    import asyncio

    import asyncpg

    database = "fairs_migrate_race_test"
    as_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    as_admin(f'CREATE DATABASE "{database}"')
    env = clean_environment(tmp_path, FAIRS_DATABASE_URL=database_beside_the_suites(database))
    try:
        both = [subprocess.Popen([sys.executable, "-m", "fairs", "migrate"], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
        answers = [p.communicate(timeout=120) for p in both]
        assert [p.returncode for p in both] == [0, 0], answers
        assert all("fairs: migrations applied" in out for out, _ in answers)

        async def applied() -> list[str]:
            connection = await asyncpg.connect(env["FAIRS_DATABASE_URL"], timeout=5)
            try:
                return [r["name"] for r in await connection.fetch(
                    "SELECT name FROM migration WHERE app_name = 'fairs' ORDER BY id")]
            finally:
                await connection.close()

        names = asyncio.run(applied())
        modules = list((Path(__file__).resolve().parents[2] / "fairs" / "db" / "migrations").glob("m[0-9]*.py"))
        assert len(names) == len(set(names)) == len(modules)
    finally:
        as_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == pid:  # after the name: state, ppid
                found.append(int(entry.name))
    return found


def _sockets_on(port: int, state: str) -> set[int]:
    """Inodes of the IPv4 TCP sockets on local ``port`` in ``state`` (0A listening, 01 established)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rpartition(":")[2], 16) == port and fields[3] == state:
            inodes.add(int(fields[9]))
    return inodes


def _socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; SO_REUSEPORT dealing is Linux's")
def test_each_api_worker_listens_on_its_own_socket_and_connections_are_dealt_evenly(tmp_path):
    """With one listening queue shared by the workers, whichever wakes first accepted every
    connection waiting (146 of 200 in a rush): each worker has its own socket now."""
    import asyncio

    port = free_port()
    env = clean_environment(tmp_path, FAIRS_PORT=str(port), FAIRS_DATABASE_URL=f"sqlite:///{tmp_path}/f.sqlite3",
                            FAIRS_LOG_LEVEL="WARNING")
    process = subprocess.Popen([sys.executable, "-m", "fairs", "serve", "--workers", "2"], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)

    async def connect_all(count: int) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
        async def one() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n")
            await writer.drain()
            assert (await reader.readuntil(b"\r\n")).startswith(b"HTTP/1.1 200")
            return reader, writer

        return await asyncio.gather(*[one() for _ in range(count)])

    async def dealt(count: int) -> list[int]:
        streams = await connect_all(count)
        try:
            return [len(_socket_inodes(pid) & _sockets_on(port, "01")) for pid in workers]
        finally:
            for _, writer in streams:
                writer.close()

    try:
        deadline = time.monotonic() + 60
        workers: list[int] = []  # the children listening on the port (not the resource tracker)
        while time.monotonic() < deadline and len(workers) < 2:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            time.sleep(0.2)
            workers = [pid for pid in _children(process.pid) if _socket_inodes(pid) & _sockets_on(port, "0A")]
        listening = [_socket_inodes(pid) & _sockets_on(port, "0A") for pid in workers]
        assert [len(own) for own in listening] == [1, 1], listening
        assert listening[0] != listening[1]  # two queues, not one shared
        served = asyncio.run(dealt(400))
        assert sum(served) == 400
        assert min(served) >= 120, served  # an even share is 200 ± 10 (binomial)
    finally:
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
