"""Server-rendered pages (Chinese first, English second). Later issues grow these."""

from __future__ import annotations

from typing import Any

from litestar import get
from litestar.response import Template

from fairs.api.security import public
from fairs.services import fairs_setup


@get("/", guards=[public], include_in_schema=False)
async def home() -> Template:
    events = await fairs_setup.list_events()
    return Template(template_name="home.html", context={"events": events})


PAGES: list[Any] = [home]
