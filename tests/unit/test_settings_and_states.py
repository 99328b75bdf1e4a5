from __future__ import annotations

import socket
import sys

import pytest

from fairs.core import states
from fairs.core.errors import Conflict
from fairs.settings import Settings, SettingsError


def test_defaults_need_no_environment():
    s = Settings.from_environment({})
    assert (s.database_url, s.redis_url, s.timezone, s.host, s.port) == (
        "sqlite:///var/fairs.sqlite3", "", "Asia/Shanghai", "127.0.0.1", 8000)


@pytest.mark.parametrize(("env", "variable"), [
    ({"FAIRS_PORT": "eighty"}, "FAIRS_PORT"),
    ({"FAIRS_PORT": "70000"}, "FAIRS_PORT"),
    ({"FAIRS_DATABASE_URL": "mysql://x"}, "FAIRS_DATABASE_URL"),
    ({"FAIRS_REDIS_URL": "http://x"}, "FAIRS_REDIS_URL"),
    ({"FAIRS_TIMEZONE": "Asia/Beijing"}, "FAIRS_TIMEZONE"),
    ({"FAIRS_LOG_LEVEL": "LOUD"}, "FAIRS_LOG_LEVEL"),
    ({"FAIRS_ENV": "production"}, "FAIRS_SECRET_KEY"),
    ({"FAIRS_SECRET_KEY": "short"}, "FAIRS_SECRET_KEY"),
    ({"FAIRS_ENV": "staging"}, "FAIRS_ENV"),
    ({"FAIRS_DB_TIMEOUT_SECONDS": "0"}, "FAIRS_DB_TIMEOUT_SECONDS"),
    ({"FAIRS_DB_TIMEOUT_SECONDS": "nan"}, "FAIRS_DB_TIMEOUT_SECONDS"),
    ({"FAIRS_STALE_RUN_AFTER_SECONDS": "soon"}, "FAIRS_STALE_RUN_AFTER_SECONDS"),
    ({"FAIRS_OUTBOX_LEASE_SECONDS": "0"}, "FAIRS_OUTBOX_LEASE_SECONDS"),
    ({"FAIRS_DB_STATEMENT_CACHE_SIZE": "-1"}, "FAIRS_DB_STATEMENT_CACHE_SIZE"),
])
def test_an_invalid_setting_is_one_line_naming_the_variable(env, variable):
    with pytest.raises(SettingsError) as error:
        Settings.from_environment(env)
    assert str(error.value).startswith(variable)
    assert "\n" not in str(error.value)


def test_the_fault_timings_have_production_defaults_and_can_be_shortened():
    s = Settings.from_environment({})
    assert (s.db_timeout_seconds, s.stale_run_after_seconds, s.outbox_lease_seconds) == (10.0, 120, 300)
    short = Settings.from_environment({"FAIRS_DB_TIMEOUT_SECONDS": "1.5", "FAIRS_STALE_RUN_AFTER_SECONDS": "2",
                                       "FAIRS_OUTBOX_LEASE_SECONDS": "3"})
    assert (short.db_timeout_seconds, short.stale_run_after_seconds, short.outbox_lease_seconds) == (1.5, 2, 3)


def test_behind_pgbouncer_the_statement_cache_can_be_switched_off():
    from fairs.db.engine import engine_for

    assert Settings.from_environment({}).db_statement_cache_size == 100
    assert Settings.from_environment({"FAIRS_DB_STATEMENT_CACHE_SIZE": "0"}).db_statement_cache_size == 0
    engine = engine_for("postgresql://fairs@pgbouncer:6432/fairs", statement_cache_size=0)
    assert engine.config["statement_cache_size"] == 0  # what Piccolo hands to asyncpg.create_pool
    assert engine.config["server_settings"] == {"lock_timeout": "3000"}


def test_the_worker_starts_again_when_redis_goes_away_and_stops_on_a_signal(monkeypatch):
    import redis.exceptions

    from fairs import cli

    monkeypatch.setattr(cli.time, "sleep", lambda seconds: waits.append(seconds))
    waits: list[float] = []
    runs: list[int] = []

    def run() -> None:
        runs.append(1)
        if len(runs) <= 3:
            raise redis.exceptions.ConnectionError("Connection refused")

    cli._run_worker_until_stopped(run, most_delay=3)
    assert len(runs) == 4 and waits == [1, 2, 3]


def test_the_secret_key_is_generated_once_and_kept(tmp_path):
    s = Settings.from_environment({"FAIRS_VAR_DIR": str(tmp_path)})
    first = s.with_secret_key().secret_key
    assert len(first) >= 32
    assert s.with_secret_key().secret_key == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_a_confirmed_reservation_cannot_go_back_to_held():
    with pytest.raises(Conflict) as error:
        states.move("booth_reservation", "confirmed", "held")
    assert error.value.field == "status"


def test_every_state_machine_only_names_its_own_states():
    for machine in states.MACHINES.values():
        for targets in machine.values():
            assert targets <= set(machine)


def test_the_malloc_arena_limit_takes_on_glibc():
    import platform

    from fairs.runtime import limit_malloc_arenas

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("mallopt is glibc's")
    assert limit_malloc_arenas(2) is True


def test_what_is_built_at_start_is_frozen_out_of_garbage_collection_and_young_objects_collected_less_often():
    import gc

    from fairs.runtime import freeze_what_is_built

    kept = [[] for _ in range(1000)]
    thresholds = gc.get_threshold()
    try:
        assert freeze_what_is_built() >= 1000
        assert gc.get_freeze_count() >= 1000
        watched = {id(o) for generation in (0, 1, 2) for o in gc.get_objects(generation=generation)}
        assert not watched & {id(x) for x in kept}
        assert gc.get_threshold() == (20_000, 10, 100)
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def test_the_cyclic_collector_stays_stopped_until_the_last_batch_job_ends_and_then_runs_as_before():
    import gc

    from fairs.runtime import cyclic_collection_paused

    assert gc.isenabled()
    with cyclic_collection_paused():
        assert not gc.isenabled()
        with pytest.raises(RuntimeError):
            with cyclic_collection_paused():  # another run, which fails
                raise RuntimeError("the run failed")
        assert not gc.isenabled()  # the first still runs
    assert gc.isenabled()
    gc.disable()  # someone stopped it before: it stays stopped
    try:
        with cyclic_collection_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux deals connections between shared ports")
def test_the_port_sent_to_a_worker_arrives_as_a_socket_of_its_own_on_the_same_address():
    from multiprocessing.reduction import ForkingPickler

    from fairs.runtime import port_per_worker

    bound = port_per_worker("127.0.0.1", 0)
    try:
        address = bound.getsockname()
        first, second = (ForkingPickler.loads(bytes(ForkingPickler.dumps(bound))) for _ in range(2))
        try:
            assert first.getsockname() == second.getsockname() == address
            assert len({bound.fileno(), first.fileno(), second.fileno()}) == 3
            assert first.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
            first.listen()
            second.listen()  # two queues on one address: the kernel deals connections between them
            with socket.create_connection(address, timeout=5):
                pass
        finally:
            first.close()
            second.close()
        with pytest.raises(OSError), socket.socket() as stranger:  # no SO_REUSEPORT: the parent keeps it
            stranger.bind(address)
    finally:
        bound.close()
