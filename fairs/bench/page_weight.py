"""What a job seeker's phone downloads for each of their main pages.

The app is served in process (``httpx.ASGITransport`` over ``create_app``) on a throwaway
SQLite database holding the Zhuzhou demo (``services.demo``) after one matching run of its
festival fair, signed in as the first demo attendee with an interview. For each page the
figure is the gzip-compressed body bytes of the HTML (``Accept-Encoding: gzip``, as the app
sends it) plus those of every stylesheet and script the page links; fonts and images are not
counted (the pages use system fonts and inline SVG), nor HTTP headers. Target: under 100 KB
each. The JSON: ``pages`` (path → bytes, with ``html`` and ``assets`` parts), ``max_bytes``.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from fairs.bench.common import machine

TARGET_BYTES = 100 * 1024
ASSET = re.compile(r'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="(/[^"]+)"')
SECRET_KEY = "fairs-bench-page-weight-secret-key-0123456789-abcdefghijklmnop"


def bench_page_weight(size: int = 0) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="fairs-bench-pages-") as folder:
        os.environ.update({"FAIRS_DATABASE_URL": f"sqlite:///{folder}/pages.sqlite3", "FAIRS_VAR_DIR": folder,
                           "FAIRS_SECRET_KEY": SECRET_KEY, "FAIRS_PASSWORD_HASH_COST": "fast"})
        os.environ.setdefault("PICCOLO_CONF", "fairs.db.piccolo_conf")
        os.environ.pop("FAIRS_REDIS_URL", None)
        from fairs.settings import reset_settings

        reset_settings()
        return asyncio.run(_run(Path(folder)))


class _NoQueue:
    """Matching is run in process here, so its job is not enqueued."""

    pool = None

    async def enqueue(self, *args: Any, **kwargs: Any) -> None:
        return None


async def _run(folder: Path) -> dict[str, Any]:
    import httpx

    from fairs.api.app import create_app
    from fairs.db.migrate import apply_migrations
    from fairs.services import demo, matching, passwords
    from fairs.services.accounts import actor_by_id
    from fairs.settings import get_settings

    passwords.use_cost("fast")
    with contextlib.redirect_stdout(io.StringIO()):  # Piccolo reports each migration on stdout
        await apply_migrations()
    seeded = await demo.seed()
    event_id = seeded["festival_event_id"]
    organizer = await actor_by_id(await _account(demo.ORGANIZER))
    assert organizer is not None
    run = await matching.start_match_run(organizer, event_id, _NoQueue())
    await matching.run_match(run["id"])
    login, registration_id = await _attendee_with_interview(event_id)
    app = create_app(get_settings(), queue=_NoQueue())
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://bench.local",
                                 headers={"Accept-Encoding": "gzip"}) as client:
        anonymous = {path: await _weigh(client, path) for path in ("/fairs", f"/fairs/{event_id}", "/register")}
        await _sign_in(client, login, demo.PASSWORD)
        assert "/my/interviews/" in (await client.get("/my")).text, "the weighed /my shows no interview"
        signed = {path: await _weigh(client, path) for path in (
            "/my", f"/my/checkin/{registration_id}", f"/my/day/{event_id}", f"/my/map/{event_id}")}
    pages = {**anonymous, **signed}
    heaviest = max(pages, key=lambda p: pages[p]["bytes"])
    return {"benchmark": "page-weight", "pages": pages, "max_bytes": pages[heaviest]["bytes"], "max_page": heaviest,
            "target_bytes": TARGET_BYTES, "all_under_target": all(p["bytes"] < TARGET_BYTES for p in pages.values()),
            "counted": "gzip body bytes of the HTML and the CSS/JS it links; no fonts, images or headers",
            **machine()}


async def _account(login: str) -> int:
    from fairs.db.tables import Account

    row = await Account.select(Account.id).where(Account.login == login).first()
    assert row is not None, login
    return int(row["id"])


async def _attendee_with_interview(event_id: int) -> tuple[str, int]:
    """The first demo attendee account with an interview at the fair, and their registration."""
    from fairs.db.tables import Account, InterviewSlot, Registration

    with_slot = InterviewSlot.select(InterviewSlot.attendee).where(InterviewSlot.event == event_id)
    account = await Account.select(Account.login, Account.attendee).where(
        Account.role == "attendee", Account.attendee.is_in(with_slot)).order_by(Account.id).first()
    assert account is not None, "the demo's matching gave no attendee account an interview"
    registration = await Registration.select(Registration.id).where(
        Registration.attendee == account["attendee"], Registration.event == event_id).first()
    assert registration is not None
    return account["login"], int(registration["id"])


async def _sign_in(client: Any, login: str, password: str) -> None:
    form = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    done = await client.post("/login", data={"login": login, "password": password, "csrf_token": token.group(1)})
    assert done.status_code == 303, done.text


async def _weigh(client: Any, path: str) -> dict[str, Any]:
    page = await client.get(path)
    assert page.status_code == 200, f"{path}: {page.status_code}"
    html = page.num_bytes_downloaded
    assets = {}
    for asset in dict.fromkeys(ASSET.findall(page.text)):
        response = await client.get(asset)
        assert response.status_code == 200, asset
        assets[asset] = response.num_bytes_downloaded
    return {"bytes": html + sum(assets.values()), "html": html, "assets": assets,
            "html_gzipped": page.headers.get("content-encoding") == "gzip"}
