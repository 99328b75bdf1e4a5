"""Server-rendered pages (Jinja + HTMX; Chinese first, English second), one module a kind of
user. Every page route has ``opt=PAGE``: it reads the session cookie and shows errors as pages
(see fairs/web/view.py)."""

from __future__ import annotations

from typing import Any

from fairs.web.pages import (
    attendee,
    attendee_data,
    attendee_walk_in,
    employer,
    employer_booths,
    employer_day,
    organizer,
    organizer_reports,
    public,
    staff,
    staff_follow_ups,
    tours,
)

PAGES: list[Any] = [
    *public.PAGES, *tours.PAGES, *employer.PAGES, *employer_booths.PAGES, *employer_day.PAGES, *attendee.PAGES,
    *attendee_data.PAGES, *attendee_walk_in.PAGES, *staff.PAGES, *staff_follow_ups.PAGES, *organizer.PAGES,
    *organizer_reports.PAGES,
]
