"""Following a matching run: its progress in JSON and as server-sent events."""

from __future__ import annotations

import asyncio
import json

from fairs.db.tables import MatchRun
from fairs.services.progress import progress_key, reporter
from tests.support import factories as f


def events_of(stream: str) -> list[tuple[str, dict]]:
    """(event, data) pairs of a text/event-stream body; comments are left out."""
    found = []
    for block in stream.replace("\r\n", "\n").split("\n\n"):
        lines = [line for line in block.split("\n") if line and not line.startswith(":")]
        if not lines:
            continue
        fields = dict(line.split(": ", 1) for line in lines)
        found.append((fields.get("event", "message"), json.loads(fields["data"])))
    return found


async def test_a_run_reports_its_phase_while_running_and_done_after(client, queue, run_worker, clock):
    ready = await f.fair_ready_for_matching(client)
    organizer = ready["organizer"]
    started = (await client.post(f"/events/{ready['event_id']}/match-runs", headers=organizer)).json()
    assert started["progress"] == {"phase": "queued", "percent": 0, "at": None, "best": None}

    await MatchRun.update({MatchRun.status: "running"}).where(MatchRun.id == started["id"])
    await reporter(queue.pool, "match-run", started["id"], clock)("pairing", 140)
    running = (await client.get(f"/match-runs/{started['id']}", headers=organizer)).json()
    assert (running["status"], running["progress"]["phase"], running["progress"]["percent"]) == (
        "running", "pairing", 100)  # percent is kept within 0..100
    await MatchRun.update({MatchRun.status: "queued"}).where(MatchRun.id == started["id"])

    assert (await run_worker())["failed"] == 0
    done = (await client.get(f"/match-runs/{started['id']}", headers=organizer)).json()
    assert done["status"] == "succeeded"
    assert done["progress"] == {"phase": "done", "percent": 100, "at": None, "best": None}
    # the worker went through every phase: the last one it stored is the writing phase
    stored = json.loads(await queue.pool.get(progress_key("match-run", started["id"])))
    assert stored["phase"] == "writing"


async def test_the_stream_sends_progress_then_done_and_ends(client, queue, run_worker, clock):
    ready = await f.fair_ready_for_matching(client)
    organizer = ready["organizer"]
    run = (await client.post(f"/events/{ready['event_id']}/match-runs", headers=organizer)).json()
    await reporter(queue.pool, "match-run", run["id"], clock)("loading", 5)

    async def worker_later():
        await asyncio.sleep(0.6)
        return await run_worker()

    stream, counts = await asyncio.gather(
        client.get(f"/match-runs/{run['id']}/progress", headers=organizer, timeout=30), worker_later())
    assert counts["failed"] == 0
    assert stream.status_code == 200
    assert stream.headers["content-type"].startswith("text/event-stream")
    events = events_of(stream.text)
    assert events[0] == ("progress", {"phase": "loading", "percent": 5, "at": events[0][1]["at"], "best": None})
    assert events[-1][0] == "done"
    assert events[-1][1]["status"] == "succeeded"
    assert events[-1][1]["metrics"]["interviews_created"] >= 1
    assert [name for name, _ in events].count("done") == 1


async def test_the_stream_of_another_areas_run_is_not_found(client):
    ready = await f.fair_ready_for_matching(client)
    run = (await client.post(f"/events/{ready['event_id']}/match-runs", headers=ready["organizer"])).json()
    stranger = await f.sign_in_organizer(client, "lukou-organizer", area=f.LUKOU)
    assert (await client.get(f"/match-runs/{run['id']}/progress", headers=stranger)).status_code == 404
    assert (await client.get(f"/match-runs/{run['id']}/progress", headers=ready["employer"])).status_code == 403


async def test_the_command_line_draws_the_bar_until_the_run_ends(client, queue, run_worker):
    import io

    from fairs.cli import progress_bar, watch_match_run

    assert progress_bar("pairing", 30, width=10) == "[###.......]  30% pairing"
    assert progress_bar("done", 100, width=4) == "[####] 100% done"
    ready = await f.fair_ready_for_matching(client)
    run = (await client.post(f"/events/{ready['event_id']}/match-runs", headers=ready["organizer"])).json()
    out = io.StringIO()
    watching = asyncio.ensure_future(watch_match_run(run["id"], queue.pool, out, poll_seconds=0.05))
    await asyncio.sleep(0.2)
    assert not watching.done()
    assert (await run_worker())["failed"] == 0
    finished = await asyncio.wait_for(watching, 10)
    assert finished["status"] == "succeeded"
    frames = out.getvalue().split("\r")
    assert frames[1].endswith("0% queued") and frames[-1] == progress_bar("done", 100) + "\n"


async def test_a_run_works_with_the_cyclic_collector_stopped_and_starts_it_again(client, clock, monkeypatch):
    import gc

    from fairs.core import matching
    from fairs.services import matching as matching_service

    ready = await f.fair_ready_for_matching(client)
    started = (await client.post(f"/events/{ready['event_id']}/match-runs", headers=ready["organizer"])).json()
    seen, real = [], matching.solve_matching

    def solve(problem, **options):  # noqa: ANN001, ANN003 - the real solver, watched
        seen.append(gc.isenabled())
        return real(problem, **options)

    monkeypatch.setattr(matching_service.matching, "solve_matching", solve)
    await matching_service.run_match(started["id"], clock)
    assert seen == [False] and gc.isenabled()
