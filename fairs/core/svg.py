"""Writing SVG by hand safely: the floor plan, the tour's map and timeline, and the charts share
these. Text is cleaned of what XML cannot carry (control characters, lone surrogates) and put
on one line, then escaped; numbers are written short and never as ``-0``."""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPACE = re.compile(r"[\t\n\r]+")


def clean(text: str) -> str:
    """``text`` without what XML cannot carry, on one line."""
    return _SPACE.sub(" ", _UNSAFE.sub("", str(text))).strip()


def text(value: str) -> str:
    """Element text: cleaned and escaped."""
    return escape(clean(value))


def attr(value: str) -> str:
    """An attribute value, quoted: cleaned and escaped (quotes and newlines too)."""
    return quoteattr(clean(value))


def num(value: float, places: int = 2) -> str:
    """A coordinate: at most ``places`` decimals, no trailing zeros, never ``-0``."""
    written = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return "0" if written in ("-0", "") else written
