"""The ``fairs`` command: serve, worker, migrate, seed-demo, bench, up, create-organizer, match-run,
tour-plan."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fairs import runtime
from fairs.settings import Settings, SettingsError, get_settings

os.environ.setdefault("PICCOLO_CONF", "fairs.db.piccolo_conf")


def _settings() -> Settings:
    try:
        return get_settings()
    except SettingsError as error:
        print(f"fairs: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def _redis_url(settings: Settings) -> tuple[str, Any]:
    """The Redis to use: FAIRS_REDIS_URL, or an embedded one under var/ (kept alive by the
    returned handle). Child processes learn it through the environment."""
    if settings.redis_url:
        return settings.redis_url, None
    from fairs.services.queue import EmbeddedRedis

    embedded = EmbeddedRedis(settings.var_dir)
    os.environ["FAIRS_REDIS_URL"] = embedded.url
    return embedded.url, embedded


async def _with_database(coro: Any) -> Any:
    from fairs.db.engine import open_pool
    from fairs.db.tables import Organization

    engine = Organization._meta.db
    if engine.engine_type == "postgres":
        await open_pool(engine, 1, 2)
        try:
            return await coro
        finally:
            await engine.close_connection_pool()
    return await coro


def migrate(_: argparse.Namespace) -> None:
    _settings()
    from fairs.db.migrate import apply_migrations

    asyncio.run(apply_migrations())
    print("fairs: migrations applied")


def seed_demo(_: argparse.Namespace) -> None:
    settings = _settings()
    from fairs.services import passwords
    from fairs.services.demo import seed

    passwords.use_cost(settings.password_hash_cost)
    summary = asyncio.run(_with_database(seed()))
    print(json.dumps(summary, ensure_ascii=False))


def create_organizer(args: argparse.Namespace) -> None:
    settings = _settings()
    from fairs.services import passwords
    from fairs.services.demo import create_first_organizer

    passwords.use_cost(settings.password_hash_cost)
    password = os.environ.get("FAIRS_NEW_PASSWORD") or args.password
    if not password:
        print("fairs: give the password in FAIRS_NEW_PASSWORD or --password", file=sys.stderr)
        raise SystemExit(2)
    from fairs.core.errors import DomainError, InvalidInput
    from fairs.db.tables import Area

    async def create() -> int:
        area = await Area.select(Area.id).where(Area.code == args.area).first()
        if area is None:
            raise InvalidInput(f"no area with code {args.area}; import the areas first", "area")
        return await create_first_organizer(args.login, password, args.name, area_id=area["id"])

    try:
        account_id = asyncio.run(_with_database(create()))
    except DomainError as error:
        print(f"fairs: {error.field or 'error'}: {error.detail}", file=sys.stderr)
        raise SystemExit(2) from None
    print(f"fairs: organizer account {account_id} ({args.login}) created")


def import_areas(args: argparse.Namespace) -> None:
    """Import an area CSV as the installation's administrator (may add cities)."""
    _settings()
    from fairs.core.areas import read_area_csv
    from fairs.core.errors import DomainError
    from fairs.services.areas import import_areas as run_import

    try:
        with open(args.file, encoding="utf-8-sig") as file:
            rows = read_area_csv(file.read())
        counts = asyncio.run(_with_database(run_import(None, rows)))
    except (OSError, UnicodeDecodeError) as error:
        print(f"fairs: cannot read {args.file}: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    except DomainError as error:
        for problem in error.problems or []:
            print(f"fairs: {problem.field}: {problem.message}", file=sys.stderr)
        print(f"fairs: {error.detail}; nothing imported", file=sys.stderr)
        raise SystemExit(2) from None
    print(json.dumps(counts))


def serve(args: argparse.Namespace) -> None:
    settings = _settings()
    settings.configure_logging()
    _, embedded = _redis_url(settings)
    import uvicorn

    from fairs.observe.metrics import reset_multiprocess_dir

    reset_multiprocess_dir()  # PROMETHEUS_MULTIPROC_DIR (--workers N): forget the last run's values
    try:
        # uvicorn applies our logging dictionary in each worker process; its own access line is
        # replaced by ours (route template, no client address, no query: fairs.observe.http)
        options: dict[str, Any] = {"host": settings.host, "port": settings.port, "workers": args.workers,
                                   "log_level": settings.log_level.lower(), "proxy_headers": True,
                                   "log_config": settings.logging_config(), "access_log": False}
        if args.workers > 1 and runtime.CAN_SHARE_PORT:
            _serve_port_per_worker(uvicorn.Config("fairs.asgi:app", **options))
        else:
            uvicorn.run("fairs.asgi:app", **options)
    finally:
        if embedded is not None and args.own_redis:
            embedded.close()


def _serve_port_per_worker(config: Any) -> None:
    """``uvicorn.run`` for several workers (its supervisor: health checks, restarts, signals),
    each worker on a listening socket of its own (:class:`fairs.runtime.PortPerWorker`)."""
    from uvicorn.supervisors import Multiprocess

    try:
        bound = runtime.port_per_worker(config.host, config.port)
    except OSError as error:
        logging.getLogger("uvicorn.error").error("cannot listen on %s:%s: %s", config.host, config.port, error)
        raise SystemExit(3) from None
    logging.getLogger("uvicorn.error").info("fairs listening on http://%s:%d with %d workers (Ctrl-C stops)",
                                            config.host, bound.getsockname()[1], config.workers)
    try:
        Multiprocess(config, sockets=[bound]).run()
    except KeyboardInterrupt:
        pass
    finally:
        bound.close()


def worker(args: argparse.Namespace) -> None:
    settings = _settings()
    settings.configure_logging()
    url, embedded = _redis_url(settings)
    # the worker keeps its metrics in its own registry (FAIRS_WORKER_METRICS_PORT), never in the
    # API's multiprocess folder: the API empties that folder when it starts
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    from arq.worker import async_check_health, run_worker

    from workers.settings import WorkerSettings, health_check_key, worker_settings

    if args.check:  # arq's check_health takes a settings class; ours are keyword arguments
        raise SystemExit(asyncio.run(async_check_health(worker_settings(url)["redis_settings"], health_check_key())))
    try:
        _run_worker_until_stopped(lambda: run_worker(WorkerSettings, **worker_settings(url)))  # type: ignore[arg-type]
    finally:
        if embedded is not None and args.own_redis:
            embedded.close()


def _run_worker_until_stopped(run: Callable[[], object], most_delay: float = 10.0) -> None:
    """Run the arq worker; when it stops because Redis went away (a restart, a failover), start
    it again once Redis answers, waiting 1, 2, 4 … up to ``most_delay`` seconds between tries.
    Jobs that were running finish first (arq waits for them). A signal stops it for good."""
    import redis.exceptions

    from fairs.db.tables import Organization

    delay = 1.0
    while True:
        started = time.monotonic()
        try:
            run()
            return  # stopped by a signal
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, ConnectionError) as error:
            if time.monotonic() - started > 60:
                delay = 1.0  # it ran a good while: a new outage, not the same one
            logging.getLogger("fairs.worker").warning("lost Redis (%s); the worker starts again in %.0f s",
                                                      type(error).__name__, delay)
        try:
            loop = asyncio.get_event_loop()  # the one arq's worker ran in
        except RuntimeError:
            loop = None
        if loop is not None:
            for number in (signal.SIGINT, signal.SIGTERM):  # while waiting, a signal stops the process at once
                loop.remove_signal_handler(number)
            engine = Organization._meta.db
            if engine.engine_type == "postgres" and engine.pool is not None:  # arq skipped on_shutdown
                loop.run_until_complete(engine.close_connection_pool())
        time.sleep(delay)
        delay = min(delay * 2, most_delay)


def up(_: argparse.Namespace) -> None:
    """Everything in one process tree: embedded Redis if needed, migrate, serve, one worker.
    Ctrl-C (or SIGTERM) stops the children, then the embedded Redis."""
    settings = _settings()
    settings.configure_logging()
    url, embedded = _redis_url(settings)
    from fairs.db.migrate import apply_migrations

    asyncio.run(apply_migrations())
    command = [sys.executable, "-m", "fairs"]
    children = [
        subprocess.Popen([*command, "serve"]),
        subprocess.Popen([*command, "worker"]),
    ]
    print(f"fairs: serving on http://{settings.host}:{settings.port} (Redis {url.split('?')[0]}); Ctrl-C stops")
    stopping = False

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 15
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        if embedded is not None:
            embedded.close()
    codes = [child.returncode for child in children]
    print(f"fairs: stopped (exit codes {codes})")


def bench(args: argparse.Namespace) -> None:
    from fairs.bench import BENCHMARKS

    if args.name not in BENCHMARKS:
        print(f"fairs: unknown benchmark {args.name!r}; known: {', '.join(sorted(BENCHMARKS))}", file=sys.stderr)
        raise SystemExit(2)
    if args.name == "matching":
        from fairs.bench.matching_job import bench_matching_job

        result = bench_matching_job(args.attendees or 100_000, args.employers or 2000, args.slots or 16)
    else:
        result = BENCHMARKS[args.name](args.size)
    if not args.json:
        for key, value in result.items():
            print(f"{key}: {value}")
    print(json.dumps(result, ensure_ascii=False))


def progress_bar(phase: str, percent: int, width: int = 30) -> str:
    """``[#########.....................]  30% pairing`` (one terminal line)."""
    filled = width * max(0, min(100, percent)) // 100
    return f"[{'#' * filled}{'.' * (width - filled)}] {percent:3d}% {phase}"


class _Queue:  # with_progress reads Redis through a queue's pool
    def __init__(self, pool: Any) -> None:
        self.pool = pool


async def _watch(fetch: Callable[[], Awaitable[dict[str, Any] | None]], finished: Callable[[dict[str, Any]], bool],
                 missing: str, out: Any, poll_seconds: float) -> dict[str, Any]:
    """Draw a job's progress bar on ``out`` until it ends; returns the finished row."""
    shown = ""
    while True:
        row = await fetch()
        if row is None:
            raise SystemExit(f"fairs: {missing}")
        progress = row["progress"]
        line = progress_bar(progress["phase"], progress["percent"])
        if progress.get("best") is not None:
            line += f" best {progress['best']:,}"
        if line != shown:
            out.write("\r" + line)
            out.flush()
            shown = line
        if finished(row):
            out.write("\n")
            return row
        await asyncio.sleep(poll_seconds)


async def watch_match_run(run_id: int, redis: Any, out: Any, poll_seconds: float = 0.5) -> dict[str, Any]:
    """Draw the run's progress on ``out`` until it ends; returns the finished run."""
    from fairs.db.tables import MatchRun
    from fairs.services.matching import FINISHED_RUN, with_progress

    async def fetch() -> dict[str, Any] | None:
        run = await MatchRun.select().where(MatchRun.id == run_id).output(load_json=True).first()
        return None if run is None else await with_progress(run, _Queue(redis))

    return await _watch(fetch, lambda run: run["status"] in FINISHED_RUN, f"no matching run {run_id}", out,
                        poll_seconds)


async def watch_tour_plan(plan_id: int, redis: Any, out: Any, poll_seconds: float = 0.5) -> dict[str, Any]:
    """Draw a tour plan's progress (phase, percent, best objective) until it is made."""
    from fairs.services.tour_plans import ACTIVE_PLAN, PLAN_COLUMNS, with_progress

    async def fetch() -> dict[str, Any] | None:
        from fairs.db.tables import TourPlan

        plan = await TourPlan.select(*PLAN_COLUMNS).where(TourPlan.id == plan_id).output(load_json=True).first()
        return None if plan is None else await with_progress(plan, _Queue(redis))

    return await _watch(fetch, lambda plan: plan["status"] not in ACTIVE_PLAN, f"no tour plan {plan_id}", out,
                        poll_seconds)


def _watch_command(watch: Callable[[int, Any, Any], Awaitable[dict[str, Any]]], job: int) -> dict[str, Any]:
    settings = _settings()
    url, embedded = _redis_url(settings)

    async def run() -> dict[str, Any]:
        from fairs.services.queue import open_queue

        queue = await open_queue(url)
        try:
            return await watch(job, queue.pool, sys.stderr)
        finally:
            await queue.pool.aclose()

    try:
        return asyncio.run(_with_database(run()))
    finally:
        if embedded is not None:
            embedded.close()


def match_run(args: argparse.Namespace) -> None:
    run = _watch_command(watch_match_run, args.run_id)
    print(json.dumps({"id": run["id"], "status": run["status"], "metrics": run["metrics"]}, ensure_ascii=False))
    if run["status"] != "succeeded":
        raise SystemExit(1)


def tour_plan(args: argparse.Namespace) -> None:
    plan = _watch_command(watch_tour_plan, args.plan_id)
    print(json.dumps({"id": plan["id"], "status": plan["status"], "metrics": plan["metrics"],
                      "unserved": plan["unserved"], "error": plan["error"]}, ensure_ascii=False, default=str))
    if plan["status"] == "failed":
        raise SystemExit(1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="fairs", description="Job-fair campaigns for grassroots workers.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(run=migrate)
    commands.add_parser("seed-demo", help="load the Zhuzhou demo data (idempotent)").set_defaults(run=seed_demo)
    p = commands.add_parser("create-organizer", help="create an organizer account for an area")
    p.add_argument("login")
    p.add_argument("--area", required=True, help="the 12-digit division code of the area (e.g. the city)")
    p.add_argument("--name", default="管理员")
    p.add_argument("--password", default="")
    p.set_defaults(run=create_organizer)
    p = commands.add_parser("import-areas", help="import administrative areas from a CSV file")
    p.add_argument("file")
    p.set_defaults(run=import_areas)
    p = commands.add_parser("serve", help="serve the API and pages with uvicorn")
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    p.add_argument("--own-redis", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(run=serve)
    p = commands.add_parser("worker", help="run one arq worker")
    p.add_argument("--check", action="store_true", help="exit 0 when a worker's health check is fresh")
    p.add_argument("--own-redis", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(run=worker)
    commands.add_parser("up", help="migrate, serve and run a worker (embedded Redis if needed)").set_defaults(run=up)
    p = commands.add_parser("match-run", help="show a matching run's progress bar until it ends, then its figures")
    p.add_argument("run_id", type=int)
    p.set_defaults(run=match_run)
    p = commands.add_parser("tour-plan", help="show a village-tour plan's progress bar until it is made, then its "
                                              "figures")
    p.add_argument("plan_id", type=int)
    p.set_defaults(run=tour_plan)
    p = commands.add_parser("bench", help="run a benchmark; the last output line is one JSON object")
    p.add_argument("name")
    p.add_argument("--json", action="store_true", help="print only the JSON line")
    p.add_argument("--size", type=int, default=0, help="problem size (benchmark-specific; 0 = default)")
    p.add_argument("--attendees", type=int, default=0, help="matching: attendees (default 100,000)")
    p.add_argument("--employers", type=int, default=0, help="matching: employers (default 2,000)")
    p.add_argument("--slots", type=int, default=0, help="matching: interview slots (default 16)")
    p.set_defaults(run=bench)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
