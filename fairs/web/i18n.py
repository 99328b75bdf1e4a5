"""The pages' languages: Simplified Chinese first, English second.

Templates write their text in Chinese inside ``_("…")`` (Python code marks its page texts
with :func:`N_`); ``fairs/web/locale/en/LC_MESSAGES/messages.po`` gives the English. The
services' refusals are in English (the API's language); ``locale/zh/LC_MESSAGES/
refusals.po`` (kept by hand) gives the Chinese of the common ones, so a form shows "不能为空" next to the
field rather than "must not be empty" (a message it lacks is shown as it is). ``make
messages`` re-extracts the page texts of each part of the site (``messages.po`` for the
shared pages, ``<part>.po`` for ``pages/<part>.py`` and ``templates/<part>/``); a test fails
while any page text lacks its English. The catalogs are compiled in memory when first used (no build step, no
``.mo`` files in the repository). A page's language is, in order: ``?lang=``
(which also sets the ``fairs_lang`` cookie), the cookie, the browser's Accept-Language when it
prefers English over Chinese, else Chinese.

Dates and times are shown in the event's zone in Chinese conventions ("3月11日 周四 09:00")
or English ones ("Thu 11 Mar 09:00").
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
COOKIE = "fairs_lang"
WEEKDAYS_ZH = "一二三四五六日"


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Marks a page text in Python code for the catalogs; translated where it is shown."""
    return message


@cache
def translations(language: Language) -> gettext.NullTranslations:
    """The compiled catalogs of ``language``: every ``*.po`` of its folder (the page texts,
    one file a part of the site, and ``refusals.po``); none: the text as written."""
    found: gettext.NullTranslations = gettext.NullTranslations()
    for path in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        compiled = _compiled(path, language)
        compiled.add_fallback(found)
        found = compiled
    return found


def _compiled(path: Path, language: str) -> gettext.GNUTranslations:
    with path.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def gettext_for(language: Language) -> Callable[..., str]:
    """``_("文本")`` or ``_("共 %(n)s 人", n=3)`` in ``language``."""
    found = translations(language).gettext

    def _(message: str, **values: object) -> str:
        text = found(message)
        return text % values if values else text

    return _


def pick_language(query: str | None, cookie: str | None, accept_language: str | None) -> Language:
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate  # type: ignore[return-value]
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "zh"


def day_text(day: date, language: Language, *, year: bool = False) -> str:
    """``3月11日 周四`` / ``Thu 11 Mar`` (with the year when asked)."""
    if language == "en":
        return day.strftime("%a %-d %b %Y" if year else "%a %-d %b")
    prefix = f"{day.year}年" if year else ""
    return f"{prefix}{day.month}月{day.day}日 周{WEEKDAYS_ZH[day.weekday()]}"


def moment_text(at: datetime, zone: str, language: Language, *, year: bool = False) -> str:
    """An instant in ``zone``: ``3月11日 周四 09:00`` / ``Thu 11 Mar 09:00``."""
    local = at.astimezone(ZoneInfo(zone))
    return f"{day_text(local.date(), language, year=year)} {local:%H:%M}"


def time_text(at: datetime, zone: str) -> str:
    return f"{at.astimezone(ZoneInfo(zone)):%H:%M}"
