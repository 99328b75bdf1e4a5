"""Driving the pages with the in-process client: read the CSRF token a page carries, post
forms with it, sign in through the sign-in page."""

from __future__ import annotations

import re
from typing import Any

from tests.support import factories as f

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


async def post_form(client: Any, path: str, data: dict[str, Any], *, from_page: str | None = None) -> Any:
    """Post ``data`` to ``path`` with the CSRF token of ``from_page`` (default: ``path``)."""
    page = await client.get(from_page or path)
    return await client.post(path, data={**data, "csrf_token": csrf_of(page.text)})


async def sign_in(client: Any, login: str, password: str = f.PASSWORD) -> Any:
    """Sign in through /login; the client keeps the session cookie."""
    response = await post_form(client, "/login", {"login": login, "password": password})
    assert response.status_code == 303, response.text
    return response
