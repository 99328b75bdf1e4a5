"""Pages in a real browser: Playwright driving Debian's Chromium against a live server.

How it fits together:

- ``live_server`` (package scope: up while tests/browser runs): the real app (``create_app``)
  served by uvicorn on a free port of 127.0.0.1, as a task **in the test session's event
  loop**. The database pool (PostgreSQL) and aiosqlite connections belong to that loop, so
  the server, the fixtures and the tests share one database and one Redis — the ones
  ``tests/conftest.py`` set up — on both engines. Consequence: browser tests are
  ``async def`` and must never block the loop (Playwright's async API; ``httpx.AsyncClient``
  to call the live server).
- Each test starts from empty tables and an empty Redis (the ``db`` fixture), and the live
  server's clock is this test's ``clock`` fixture (2027-03-01 02:00 UTC, moved by hand).
  Data can be made through the live API (``live_client``), or the in-process ``client``.
- ``browser`` (package) and ``page`` (per test: a fresh context, phone-sized, zh-CN,
  Asia/Shanghai, ``base_url`` = the live server, so ``await page.goto("/")`` works).
- Helpers: ``screenshot(page, name)``, ``assert_accessible(page)`` (axe-core, WCAG 2.1 A/AA,
  fails on serious and critical violations), ``page_weight(page, url)``, ``use_desktop(page)``.

Chromium is /usr/bin/chromium and axe-core var/node/node_modules/axe-core (``make test``
installs both). When either is missing the tests fail and say so; they are never skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import re
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE / "artifacts"
CHROMIUM = Path(os.environ.get("FAIRS_TEST_CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Playwright refuses --user-data-dir in ``args``: ``launch()`` itself starts Chromium with a
# fresh temporary --user-data-dir (playwright_chromiumdev_profile-*) and deletes it on close.
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
TIMEOUT_MS = 8_000  # one browser action; keeps a test that hangs well under ~10 s
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = ("serious", "critical")
WEIGHED_TYPES = ("Document", "Stylesheet", "Script", "XHR", "Fetch")
"""What ``page_weight`` counts (Chrome DevTools resource types): HTML, CSS, JS and the HTML
fragments HTMX fetches. Fonts, images and media are left out."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


# --- the live server ----------------------------------------------------------------------


class _DelegatingClock:
    """The live app's clock: whatever clock the running test set (its ``clock`` fixture)."""

    def __init__(self, target: Any) -> None:
        self.target = target

    def now(self) -> datetime:
        return self.target.now()  # type: ignore[no-any-return]


@dataclass
class LiveServer:
    url: str
    """``http://127.0.0.1:PORT`` (no trailing slash)."""
    app: Any
    settings: Any
    queue: Any
    clock: _DelegatingClock


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.setblocking(False)
    return sock


@pytest.fixture(scope="package")
async def live_server(database: str, redis_url: str) -> AsyncIterator[LiveServer]:
    """The app served over real HTTP in the session's event loop (see the module docstring)."""
    import uvicorn

    from fairs.api.app import create_app
    from fairs.services.queue import open_queue
    from fairs.settings import get_settings, reset_settings
    from tests.conftest import FrozenClock

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:  # Ctrl-C belongs to pytest
            yield

    sock = _free_socket()
    port = sock.getsockname()[1]
    os.environ["FAIRS_REDIS_URL"] = redis_url  # as the ``settings`` fixture does
    reset_settings()
    settings = dataclasses.replace(get_settings(), host="127.0.0.1", port=port)
    queue = await open_queue(redis_url)
    clock = _DelegatingClock(FrozenClock(datetime.fromisoformat("2027-03-01T02:00:00+00:00")))
    app = create_app(settings, clock=clock, queue=queue)
    config = uvicorn.Config(app, lifespan="on", log_config=None, log_level="warning", access_log=False,
                            timeout_graceful_shutdown=2)  # log_config=None: leave logging to pytest
    server = Server(config)

    async def serve() -> None:
        try:
            await server.serve(sockets=[sock])
        except SystemExit as exit_:  # uvicorn's answer to a failed start-up; it must not end pytest
            raise RuntimeError(f"uvicorn exited with status {exit_.code} (the log above says why)") from None

    task = asyncio.create_task(serve(), name="live-server")
    for _ in range(200):
        if server.started or task.done():
            break
        await asyncio.sleep(0.025)
    if not server.started:
        server.should_exit = True
        problem = task.exception() if task.done() else "no answer within 5 s"
        sock.close()
        await queue.pool.aclose()
        pytest.fail(f"the live server did not start: {problem}", pytrace=False)
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", app=app, settings=settings, queue=queue, clock=clock)
    finally:
        server.should_exit = True
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(task, timeout=10)
        sock.close()
        await queue.pool.aclose()


@pytest.fixture(autouse=True)
def _fresh_live_server(db: str, clock: Any, live_server: LiveServer) -> None:
    """Empty tables and Redis (``db``); the live server tells this test's time and queues
    its jobs in its own queue again (another test's app may have taken the waitlist's)."""
    from fairs.services import waitlist

    live_server.clock.target = clock
    waitlist.use_queue(live_server.queue)


@pytest.fixture
async def live_client(live_server: LiveServer) -> AsyncIterator[Any]:
    """An ``httpx.AsyncClient`` calling the live server over HTTP (to make data by the API)."""
    import httpx

    async with httpx.AsyncClient(base_url=live_server.url, timeout=10) as http:
        yield http


# --- the browser --------------------------------------------------------------------------


@pytest.fixture(scope="package")
async def browser() -> AsyncIterator[Browser]:
    """Debian's headless Chromium (one for tests/browser; every test gets its own context)."""
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        pytest.fail("the Python package playwright is missing: run `make test` (it installs the test extra)",
                    pytrace=False)
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"no Chromium at {CHROMIUM}: run `make test` (it runs apt-get install chromium) or install "
                    "Debian's chromium package; Playwright's own browser download is not used", pytrace=False)
    playwright = await async_playwright().start()
    try:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                                    args=CHROMIUM_ARGS, timeout=30_000)
    except Exception as error:
        await playwright.stop()
        pytest.fail(f"Chromium at {CHROMIUM} did not start: {error}", pytrace=False)
    try:
        yield launched
    finally:
        await launched.close()
        await playwright.stop()


@pytest.fixture
async def page(browser: Browser, live_server: LiveServer) -> AsyncIterator[Page]:
    """A fresh page in a fresh context: phone-sized (390×844 at 2×, touch), zh-CN, Shanghai
    time, relative URLs against the live server. ``use_desktop(page)`` widens it."""
    context = await browser.new_context(
        base_url=live_server.url, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
        locale="zh-CN", timezone_id="Asia/Shanghai", bypass_csp=True,  # bypass_csp: axe is injected inline
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    opened = await context.new_page()
    try:
        yield opened
    finally:
        await context.close()


async def use_desktop(page: Page) -> None:
    """Widen the page to a desktop window (1280×800)."""
    await page.set_viewport_size(DESKTOP)


async def use_phone(page: Page) -> None:
    await page.set_viewport_size(PHONE)


# --- helpers ------------------------------------------------------------------------------


async def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG as tests/browser/artifacts/NAME.png (git-ignored) and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    safe = re.sub(r"[^\w.-]+", "-", name).strip("-") or "page"
    path = ARTIFACTS / f"{safe}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def axe_violations(page: Page, tags: list[str] | None = None) -> list[dict[str, Any]]:
    """Every axe-core violation on the page as it is now (WCAG 2.1 A and AA rules by default)."""
    if not AXE.is_file():
        raise AssertionError(f"axe-core is missing at {AXE.relative_to(ROOT)}: run `make test` (it runs "
                             "`npm install --prefix var/node axe-core@4`)")
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.add_script_tag(path=str(AXE))
    return await page.evaluate(  # type: ignore[no-any-return]
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                    resultTypes: ['violations']});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, html: n.html, impact: n.impact})),
            }));
        }""",
        tags or WCAG_TAGS,
    )


async def assert_accessible(page: Page, *, impacts: tuple[str, ...] = FAILING_IMPACTS,
                            ignore: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Fail when axe-core finds violations of these impacts (serious, critical) on the page,
    naming each rule, its help text and the offending nodes. Returns all violations (the
    minor and moderate ones included) for the test to look at. ``ignore``: rule ids to skip
    (say why where you call it)."""
    violations = await axe_violations(page)
    failing = [v for v in violations if v["impact"] in impacts and v["id"] not in ignore]
    if failing:
        lines = [f"axe-core: {len(failing)} {'/'.join(impacts)} accessibility violation(s) on {page.url}"]
        for violation in failing:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
            for node in violation["nodes"][:10]:
                lines.append(f"    at {' '.join(node['target'])}: {node['html'][:160]}")
        raise AssertionError("\n".join(lines))
    return violations


@dataclass(frozen=True)
class Resource:
    url: str
    type: str
    """Chrome DevTools' resource type: Document, Stylesheet, Script, XHR, Fetch, Font, Image…"""
    bytes: int
    """Bytes over the wire (headers and the possibly compressed body)."""


async def page_resources(page: Page, url: str) -> list[Resource]:
    """Load ``url`` afresh (browser cache off) until the network is idle and list what came over
    the wire, as Chrome's ``Network.loadingFinished`` reports it."""
    cdp = await page.context.new_cdp_session(page)
    kinds: dict[str, tuple[str, str]] = {}
    sizes: dict[str, int] = {}
    cdp.on("Network.responseReceived", lambda e: kinds.__setitem__(e["requestId"], (e["type"], e["response"]["url"])))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    await cdp.send("Network.enable")
    await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    try:
        await page.goto(url, wait_until="networkidle")
    finally:
        await cdp.send("Network.setCacheDisabled", {"cacheDisabled": False})
        await cdp.detach()
    return [Resource(url=kinds[rid][1], type=kinds[rid][0], bytes=size) for rid, size in sizes.items() if rid in kinds]


async def page_weight(page: Page, url: str) -> int:
    """Bytes transferred for the HTML, CSS and JS (and HTMX's HTML fragments) of loading
    ``url`` afresh; fonts and images are not counted. ``page_resources`` itemises it."""
    return sum(r.bytes for r in await page_resources(page, url) if r.type in WEIGHED_TYPES)
