"""Server-rendered pages (Jinja + HTMX; Chinese first, English second), one module a kind of
user. Every page route has ``opt=PAGE``: it reads the session cookie and shows errors as pages
(see fairs/web/view.py)."""

from __future__ import annotations

from typing import Any

from fairs.web.pages import public, tours

PAGES: list[Any] = [*public.PAGES, *tours.PAGES]
