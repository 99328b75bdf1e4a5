"""Charts as inline SVG: bars, a histogram, stacked bars and a funnel, for result pages and
printed reports.

Pure: only the standard library; the same input always gives the same bytes. Each chart is
one ``<svg>`` element (``str``) to put in a page (or save as a file): ``role="img"`` with
``aria-labelledby`` naming its ``<title>`` and ``<desc>``; the caller writes the title and a
one-sentence description in the page's language, and the chart appends the data itself to the
description, so a screen reader hears every figure. ``ident`` prefixes every id in the chart
(several charts share one page); it is reduced to ``[A-Za-z0-9_-]``.

Reading:

- Bars are sized in proportion to their values from zero (never a cut axis); ``max_value``
  fixes the full length (e.g. 1 for shares, 100 for percentages) so charts can be compared.
- Every bar carries its value as text, so a chart reads without colour, and ``data-value``
  (and ``data-label``) for tests and scripts.
- Colours are the Okabe–Ito palette (safe for the common colour-vision deficiencies, black in
  place of its yellow for contrast); series of a stacked bar also differ by a fill pattern and
  are outlined in black, so a black-and-white print still tells them apart. Text is near-black
  on white at 14 units or more: ``width="100%"`` scales the 400-unit-wide drawing to the page
  (about 13 px on a phone held upright), up to :data:`MAX_WIDTH`.
- No data draws the frame with ``empty_text`` instead of bars.

All text is user text: cleaned of what XML cannot carry and escaped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from fairs.core.floorplan import FONT_FAMILY, INK, MUTED, fit_text, text_width_em
from fairs.core.svg import attr as _a
from fairs.core.svg import clean as _clean
from fairs.core.svg import num as _n
from fairs.core.svg import text as _t

PALETTE: tuple[str, ...] = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#000000")
PATTERNS: tuple[str, ...] = ("solid", "diagonal", "dots", "cross", "horizontal", "vertical", "solid")
WIDTH = 400.0
PAD = 10.0
FONT = 15.0
SMALL = 14.0
ROW = 34.0
BAR = 22.0
MAX_WIDTH = "34rem"
"""Drawn at most this wide on a large screen (text about 20 px there, 13 px on a 360 px phone)."""
LABEL_SHARE = 0.38  # at most this share of the width goes to the labels of horizontal bars

_IDENT = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(frozen=True)
class Bar:
    """One bar (or histogram bin, or funnel step): its label and value. ``note``, when given,
    is shown after the value (e.g. ``"85%"`` of a step)."""

    label: str
    value: float
    note: str = ""


@dataclass(frozen=True)
class StackedRow:
    """One row of a stacked bar chart: a value for each series, in the series' order."""

    label: str
    values: tuple[float, ...]


# --------------------------------------------------------------------------- helpers






def number_text(value: float) -> str:
    """A value as shown on a bar: whole numbers without decimals, others with up to two."""
    if not math.isfinite(value):
        return "—"
    return str(int(round(value))) if float(value).is_integer() else _n(value)


def _ident(ident: str) -> str:
    cleaned = _IDENT.sub("", ident)
    return cleaned if cleaned and cleaned[0].isalpha() else f"c{cleaned}"


def _value(value: float) -> float:
    """Values are counts or shares: negative and non-finite ones are drawn as zero."""
    return value if math.isfinite(value) and value > 0 else 0.0


def _open(ident: str, height: float, title: str, desc: str, data: str) -> list[str]:
    summary = f"{_clean(desc)} {data}".strip()
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(WIDTH)} {_n(height)}" width="100%" '
        f'role="img" aria-labelledby="{ident}-title {ident}-desc" class="chart" id="{ident}" '
        f'style="max-width: {MAX_WIDTH}; display: block" '
        f'font-family={quoteattr(FONT_FAMILY)} font-size="{_n(FONT)}">',
        f'<title id="{ident}-title">{_t(title)}</title>',
        f'<desc id="{ident}-desc">{escape(summary)}</desc>',
        f'<rect x="0" y="0" width="{_n(WIDTH)}" height="{_n(height)}" fill="#ffffff"/>',
    ]


def _data_text(bars: Sequence[Bar], unit: str) -> str:
    return "; ".join(f"{_clean(b.label)}: {number_text(b.value)}{_clean(unit)}"
                     + (f" ({_clean(b.note)})" if b.note else "") for b in bars)


def _empty(ident: str, title: str, desc: str, empty_text: str) -> str:
    height = 80.0
    parts = _open(ident, height, title, desc, _clean(empty_text))
    parts.append(f'<text x="{_n(WIDTH / 2)}" y="{_n(height / 2 + FONT / 3)}" text-anchor="middle" '
                 f'fill="{MUTED}" class="empty">{_t(empty_text)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _label_width(labels: Sequence[str]) -> float:
    widest = max((text_width_em(_clean(label)) for label in labels), default=0.0) * FONT
    return min(max(widest, 3 * FONT), WIDTH * LABEL_SHARE)


def _pattern_defs(ident: str, count: int) -> str:
    """A fill for each series: its palette colour, with the series' pattern drawn over it in
    white (solid series: none)."""
    defs = ["<defs>"]
    for i in range(count):
        colour, pattern = PALETTE[i % len(PALETTE)], PATTERNS[i % len(PATTERNS)]
        mark = {
            "diagonal": '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="#ffffff" stroke-width="1.6"/>',
            "dots": '<circle cx="4" cy="4" r="1.6" fill="#ffffff"/>',
            "cross": '<path d="M0,4 h8 M4,0 v8" stroke="#ffffff" stroke-width="1.4"/>',
            "horizontal": '<path d="M0,2 h8 M0,6 h8" stroke="#ffffff" stroke-width="1.2"/>',
            "vertical": '<path d="M2,0 v8 M6,0 v8" stroke="#ffffff" stroke-width="1.2"/>',
        }.get(pattern, "")
        defs.append(f'<pattern id="{ident}-s{i}" width="8" height="8" patternUnits="userSpaceOnUse">'
                    f'<rect width="8" height="8" fill="{colour}"/>{mark}</pattern>')
    defs.append("</defs>")
    return "".join(defs)


# --------------------------------------------------------------------------- charts


def bar_chart(bars: Sequence[Bar], *, ident: str, title: str, desc: str, unit: str = "",
              max_value: float | None = None, empty_text: str = "—") -> str:
    """Horizontal bars, one row each, in the given order: label on the left, the bar's length
    in proportion to its value (full length: ``max_value``, else the largest value), the
    value (with ``unit`` and the note) after the bar. Reads well on a phone held upright,
    whatever the length of the labels (long ones are cut with "…"; the full text is in the
    bar's tooltip and in the description)."""
    ident = _ident(ident)
    if not bars:
        return _empty(ident, title, desc, empty_text)
    label_w = _label_width([b.label for b in bars])
    value_w = max(6.0, *(text_width_em(f"{number_text(b.value)}{unit} {b.note}".strip()) for b in bars)) * SMALL + PAD
    x0 = PAD + label_w + PAD
    span = max(WIDTH - x0 - value_w - PAD, WIDTH * 0.25)
    top = max((_value(b.value) for b in bars), default=0.0)
    full = max_value if max_value is not None and max_value > 0 else top
    height = PAD * 2 + ROW * len(bars)
    parts = _open(ident, height, title, desc, _data_text(bars, unit))
    for i, bar in enumerate(bars):
        y = PAD + ROW * i
        length = span * min(_value(bar.value) / full, 1.0) if full > 0 else 0.0
        text = f"{number_text(bar.value)}{_clean(unit)}" + (f" {_clean(bar.note)}" if bar.note else "")
        parts.append(
            f'<g class="row"><title>{_t(bar.label)}: {escape(text)}</title>'
            f'<text x="{_n(PAD + label_w)}" y="{_n(y + BAR / 2 + FONT / 3)}" text-anchor="end" fill="{INK}">'
            f'{_t(fit_text(bar.label, label_w / FONT))}</text>'
            f'<rect class="bar" x="{_n(x0)}" y="{_n(y)}" width="{_n(length)}" height="{_n(BAR)}" '
            f'fill="{PALETTE[0]}" stroke="#000000" stroke-width="0.6" data-value="{_n(_value(bar.value))}" '
            f'data-label={_a(bar.label)}/>'
            f'<text x="{_n(x0 + length + 6)}" y="{_n(y + BAR / 2 + SMALL / 3)}" font-size="{_n(SMALL)}" '
            f'fill="{INK}">{escape(text)}</text></g>')
    parts.append(f'<line x1="{_n(x0)}" y1="{_n(PAD - 4)}" x2="{_n(x0)}" y2="{_n(height - PAD + 4)}" '
                 f'stroke="{MUTED}" stroke-width="1"/>')
    parts.append("</svg>")
    return "\n".join(parts)


def histogram(bins: Sequence[Bar], *, ident: str, title: str, desc: str, x_label: str = "", y_label: str = "",
              empty_text: str = "—") -> str:
    """Vertical columns, one per bin, left to right: each column's height in proportion to its
    count (the tallest reaches the top), the count above it, the bin's label below. Use
    :func:`bin_values` to count values into bins. All bins zero counts as no data."""
    ident = _ident(ident)
    if not bins or all(_value(b.value) == 0 for b in bins):
        return _empty(ident, title, desc, empty_text)
    plot_h = 200.0
    left, top_y = PAD + (FONT * 1.5 if y_label else 0.0), PAD + SMALL + 6
    bottom = top_y + plot_h
    height = bottom + SMALL + 10 + (FONT + 8 if x_label else 0.0) + PAD
    slot = (WIDTH - left - PAD) / len(bins)
    gap = min(slot * 0.15, 8.0)
    top = max(_value(b.value) for b in bins)
    parts = _open(ident, height, title, desc, _data_text(bins, ""))
    label_font = min(SMALL, max(9.0, (slot - 2) / max(max(text_width_em(_clean(b.label)) for b in bins), 1.0)))
    for i, item in enumerate(bins):
        x = left + slot * i
        h = plot_h * _value(item.value) / top
        parts.append(
            f'<g class="column"><title>{_t(item.label)}: {number_text(item.value)}</title>'
            f'<rect class="bar" x="{_n(x + gap / 2)}" y="{_n(bottom - h)}" width="{_n(slot - gap)}" '
            f'height="{_n(h)}" fill="{PALETTE[2]}" stroke="#000000" stroke-width="0.6" '
            f'data-value="{_n(_value(item.value))}" data-label={_a(item.label)}/>'
            f'<text x="{_n(x + slot / 2)}" y="{_n(bottom - h - 5)}" text-anchor="middle" font-size="{_n(SMALL)}" '
            f'fill="{INK}">{number_text(item.value)}</text>'
            f'<text x="{_n(x + slot / 2)}" y="{_n(bottom + label_font + 4)}" text-anchor="middle" '
            f'font-size="{_n(label_font)}" fill="{INK}">{_t(fit_text(item.label, slot / label_font))}</text></g>')
    parts.append(f'<line x1="{_n(left)}" y1="{_n(bottom)}" x2="{_n(WIDTH - PAD)}" y2="{_n(bottom)}" '
                 f'stroke="{INK}" stroke-width="1"/>')
    if x_label:
        parts.append(f'<text x="{_n((left + WIDTH - PAD) / 2)}" y="{_n(height - PAD)}" text-anchor="middle" '
                     f'fill="{MUTED}">{_t(x_label)}</text>')
    if y_label:
        middle = (top_y + bottom) / 2
        parts.append(f'<text x="{_n(PAD + FONT)}" y="{_n(middle)}" text-anchor="middle" fill="{MUTED}" '
                     f'transform="rotate(-90 {_n(PAD + FONT)} {_n(middle)})">{_t(y_label)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def bin_values(values: Sequence[float], edges: Sequence[float]) -> list[Bar]:
    """Count ``values`` into the bins ``[edges[i], edges[i+1])`` (the last bin includes its
    upper edge), labelled ``"a–b"``. Values outside the edges are not counted."""
    if len(edges) < 2 or any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
        raise ValueError("edges must be at least two ascending numbers")
    counts = [0] * (len(edges) - 1)
    last = len(counts) - 1
    for value in values:
        for i in range(len(counts)):
            if edges[i] <= value < edges[i + 1] or (i == last and value == edges[-1]):
                counts[i] += 1
                break
    return [Bar(f"{number_text(edges[i])}–{number_text(edges[i + 1])}", counts[i]) for i in range(len(counts))]


def stacked_bars(rows: Sequence[StackedRow], series: Sequence[str], *, ident: str, title: str, desc: str,
                 share: bool = False, empty_text: str = "—") -> str:
    """Horizontal bars cut into segments, one per series (e.g. booths reserved / held /
    blocked / free per zone). Lengths are in proportion to the values: of the largest row
    total, or, with ``share``, of each row's own total (every row full length). Each row's
    total is written after it; each segment wide enough carries its value. A legend below
    shows each series' colour and pattern."""
    ident = _ident(ident)
    if not rows or not series or all(sum(_value(v) for v in r.values) == 0 for r in rows):
        return _empty(ident, title, desc, empty_text)
    label_w = _label_width([r.label for r in rows])
    x0 = PAD + label_w + PAD
    total_w = max(text_width_em(number_text(sum(_value(v) for v in r.values))) for r in rows) * SMALL + PAD
    span = WIDTH - x0 - total_w - PAD
    largest = max(sum(_value(v) for v in r.values) for r in rows)
    legend_rows = math.ceil(len(series) / 3)
    height = PAD * 2 + ROW * len(rows) + 8 + legend_rows * (FONT + 12)
    data = "; ".join(f"{_clean(r.label)}: " + ", ".join(
        f"{_clean(name)} {number_text(r.values[i] if i < len(r.values) else 0)}" for i, name in enumerate(series))
        for r in rows)
    parts = _open(ident, height, title, desc, data)
    parts.append(_pattern_defs(ident, len(series)))
    for i, row in enumerate(rows):
        y = PAD + ROW * i
        values = [_value(row.values[k]) if k < len(row.values) else 0.0 for k in range(len(series))]
        total = sum(values)
        full = (total if share else largest) or 1.0
        parts.append(f'<g class="row"><text x="{_n(PAD + label_w)}" y="{_n(y + BAR / 2 + FONT / 3)}" '
                     f'text-anchor="end" fill="{INK}">{_t(fit_text(row.label, label_w / FONT))}</text>')
        x = x0
        for k, value in enumerate(values):
            w = span * value / full
            if w <= 0:
                continue
            parts.append(
                f'<rect class="segment" x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(BAR)}" '
                f'fill="url(#{ident}-s{k})" stroke="#000000" stroke-width="0.8" data-series={_a(series[k])} '
                f'data-value="{_n(value)}"><title>{_t(row.label)} · {_t(series[k])}: {number_text(value)}</title>'
                f'</rect>')
            label = number_text(value)
            if w >= text_width_em(label) * SMALL + 8:
                parts.append(f'<text x="{_n(x + w / 2)}" y="{_n(y + BAR / 2 + SMALL / 3)}" text-anchor="middle" '
                             f'font-size="{_n(SMALL)}" font-weight="700" fill="#ffffff" stroke="#000000" '
                             f'stroke-width="2.4" paint-order="stroke">{label}</text>')
            x += w
        parts.append(f'<text x="{_n(x + 6)}" y="{_n(y + BAR / 2 + SMALL / 3)}" font-size="{_n(SMALL)}" '
                     f'fill="{INK}">{number_text(total)}</text></g>')
    legend_y = PAD + ROW * len(rows) + 8
    column = (WIDTH - 2 * PAD) / 3
    for k, name in enumerate(series):
        lx, ly = PAD + column * (k % 3), legend_y + (FONT + 12) * (k // 3)
        parts.append(f'<g class="legend"><rect x="{_n(lx)}" y="{_n(ly)}" width="{_n(FONT + 4)}" '
                     f'height="{_n(FONT + 4)}" fill="url(#{ident}-s{k})" stroke="#000000" stroke-width="0.8"/>'
                     f'<text x="{_n(lx + FONT + 10)}" y="{_n(ly + FONT)}" fill="{INK}">'
                     f'{_t(fit_text(name, (column - FONT - 14) / FONT))}</text></g>')
    parts.append("</svg>")
    return "\n".join(parts)


def funnel(steps: Sequence[Bar], *, ident: str, title: str, desc: str, empty_text: str = "—") -> str:
    """Steps of a process, widest first (e.g. registered → given an interview → checked in):
    each step a bar centred on one axis, its width in proportion to its value (the largest
    step is full width), labelled with the value and its share of the first step."""
    ident = _ident(ident)
    if not steps or all(_value(s.value) == 0 for s in steps):
        return _empty(ident, title, desc, empty_text)
    first = _value(steps[0].value)
    label_w = _label_width([s.label for s in steps])
    x0 = PAD + label_w + PAD
    span = WIDTH - x0 - PAD
    largest = max(_value(s.value) for s in steps)
    shown = [Bar(s.label, s.value, s.note or (f"{round(100 * _value(s.value) / first)}%" if first and i else ""))
             for i, s in enumerate(steps)]
    height = PAD * 2 + ROW * len(steps)
    parts = _open(ident, height, title, desc, _data_text(shown, ""))
    centre = x0 + span / 2
    for i, step in enumerate(shown):
        y = PAD + ROW * i
        w = span * _value(step.value) / largest
        text = number_text(step.value) + (f" · {_clean(step.note)}" if step.note else "")
        inside = w >= text_width_em(text) * SMALL + 10
        parts.append(
            f'<g class="step"><text x="{_n(PAD + label_w)}" y="{_n(y + BAR / 2 + FONT / 3)}" text-anchor="end" '
            f'fill="{INK}">{_t(fit_text(step.label, label_w / FONT))}</text>'
            f'<rect class="bar" x="{_n(centre - w / 2)}" y="{_n(y)}" width="{_n(w)}" height="{_n(BAR)}" '
            f'fill="{PALETTE[i % len(PALETTE)]}" stroke="#000000" stroke-width="0.6" '
            f'data-value="{_n(_value(step.value))}" data-label={_a(step.label)}/>'
            f'<text x="{_n(centre if inside else centre + w / 2 + 6)}" y="{_n(y + BAR / 2 + SMALL / 3)}" '
            f'text-anchor="{"middle" if inside else "start"}" font-size="{_n(SMALL)}" font-weight="700" '
            f'fill="{"#ffffff" if inside else INK}"'
            + (' stroke="#000000" stroke-width="2.4" paint-order="stroke"' if inside else "")
            + f'>{escape(text)}</text></g>')
    parts.append("</svg>")
    return "\n".join(parts)
