"""Floor plans of a venue's booths as standalone SVG documents.

Pure: only the standard library. The same plan always gives the same bytes.

Geometry: 1 m on the floor is 10 SVG user units. The document is laid out for a phone held
upright (``width="100%"``, the browser scales it): a header band with the plan's name and title
above the floor, a legend band below it. Header and legend text is sized relative to the
document's width (at least 320 units of content), so it stays about 13 CSS px on a 360 px wide
screen whatever the size of the hall; booth text is sized to the booth (clamped) and users zoom
in for it.

Every booth is a ``<g id="booth-<code>" class="booth <state>">`` carrying ``data-code``,
``data-state`` and ``data-zone`` (and ``data-features``, ``data-highlight`` when there are
any), with a ``<title>`` tooltip, a ``<rect>`` filled by state, a thin band in the zone's
colour along its top edge, the code and (room permitting) the label. Bilingual texts put the
document's language first: ``空闲 Free`` for ``zh``, ``Free 空闲`` for ``en``.

All text comes from users and is escaped; characters XML cannot carry (control characters,
lone surrogates) are dropped.

Given ``links`` (booth code → address), the plan is interactive: each linked booth's group is
wrapped in an ``<a href>`` (reachable by Tab) whose ``aria-label`` says its code, zone, state
and features, and the root's role is ``group`` rather than ``img`` (an image's content is hidden
from assistive technology, links and all). Without ``links`` the output is unchanged.
"""

from __future__ import annotations

import math
import unicodedata
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, get_args
from xml.sax.saxutils import escape

from fairs.core.errors import InvalidInput
from fairs.core.svg import attr as _a
from fairs.core.svg import clean as _clean
from fairs.core.svg import num as _n
from fairs.core.svg import text as _t

BoothState = Literal["free", "held", "reserved", "blocked"]
Language = Literal["zh", "en"]

STATES: tuple[BoothState, ...] = get_args(BoothState)

SCALE = 10.0  # user units per metre

# (zh, en) names, shown with the document's language first.
STATE_NAMES: Mapping[str, tuple[str, str]] = {
    "free": ("空闲", "Free"),
    "held": ("保留中", "Held"),
    "reserved": ("已预订", "Reserved"),
    "blocked": ("不可用", "Blocked"),
}
ZONE_NAMES: Mapping[str, tuple[str, str]] = {
    "manufacturing": ("制造业", "manufacturing"),
    "services": ("服务业", "services"),
    "livestream": ("直播带岗", "livestream"),
    "priority": ("重点群体", "priority"),
    "village": ("村口", "village"),
}
FEATURE_NAMES: Mapping[str, tuple[str, str]] = {
    "power": ("电源", "power"),
    "corner": ("转角", "corner"),
    "accessible": ("无障碍", "accessible"),
    "near_entrance": ("近入口", "near entrance"),
}
FEATURE_MARKS: Mapping[str, str] = {"power": "⚡", "accessible": "♿"}

# State → (fill, text colour). Text on every fill has a contrast ratio of at least 4.5:1 (WCAG AA).
STATE_FILL: Mapping[str, str] = {
    "free": "#e8f5e9",  # light green
    "held": "#ffc107",  # amber
    "reserved": "#b0bec5",  # grey-blue
    "blocked": "url(#fp-hatch)",  # dark grey, hatched
}
STATE_TEXT: Mapping[str, str] = {"free": "#1b1b1b", "held": "#1b1b1b", "reserved": "#1b1b1b", "blocked": "#ffffff"}
STATE_STROKE: Mapping[str, str] = {"free": "#616161", "held": "#616161", "reserved": "#616161", "blocked": "#263238"}
HATCH_BACKGROUND = "#455a64"
HATCH_LINE = "#263238"  # darker than the background: only raises the contrast of white text

# Zone bands: a zone's colour is ZONE_PALETTE[crc32(zone) % len] (stable across runs, unlike hash()).
ZONE_PALETTE: tuple[str, ...] = (
    "#1565c0", "#2e7d32", "#6a1b9a", "#c62828", "#00838f", "#ad1457", "#6d4c41", "#e65100",
)
HIGHLIGHT = "#d81b60"

FONT_FAMILY = "system-ui, 'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
INK = "#1b1b1b"
MUTED = "#424242"

MIN_CONTENT_WIDTH = 320.0  # user units; header and legend fonts are this / 26 at least
MIN_CODE_FONT = 6.0
MAX_CODE_FONT = 28.0

_EPS = 1e-9


@dataclass(frozen=True)
class PlanBooth:
    code: str  # "A03"
    zone: str  # "manufacturing" | "services" | "livestream" | "priority" | any text
    x_m: float  # left edge, metres from the plan's left
    y_m: float  # top edge, metres from the plan's top
    width_m: float
    depth_m: float
    state: BoothState
    features: tuple[str, ...] = ()  # "power", "corner", "accessible", "near_entrance"
    label: str = ""  # optional second line, e.g. the holder's name (only when the caller may show it)
    highlight: bool = False  # e.g. "your booth": drawn with a thick outline


@dataclass(frozen=True)
class Plan:
    name: str  # "一号馆 Hall 1"
    width_m: float
    depth_m: float
    booths: tuple[PlanBooth, ...]
    title: str = ""  # e.g. the event title


# --------------------------------------------------------------------------- helpers






def _em(char: str) -> float:
    """Estimated advance of a character in em: CJK and other wide or ambiguous characters 1, the rest 0.58."""
    return 1.0 if unicodedata.east_asian_width(char) in ("W", "F", "A") else 0.58


def text_width_em(text: str) -> float:
    return sum(_em(c) for c in text)


def fit_text(text: str, max_em: float) -> str:
    """``text`` if it fits in ``max_em``; else its longest prefix that fits with "…" after it, or ""."""
    text = _clean(text)
    if text_width_em(text) <= max_em + _EPS:
        return text
    budget = max_em - _em("…")
    used = 0.0
    cut = 0
    for char in text:
        if used + _em(char) > budget + _EPS:
            break
        used += _em(char)
        cut += 1
    prefix = text[:cut].rstrip()
    return prefix + "…" if prefix else ""


def _pair(names: tuple[str, str], language: Language) -> str:
    zh, en = names
    return f"{zh} {en}" if language == "zh" else f"{en} {zh}"


def state_text(state: str, language: Language = "zh") -> str:
    return _pair(STATE_NAMES[state], language)


def zone_text(zone: str, language: Language = "zh") -> str:
    names = ZONE_NAMES.get(zone.strip().lower())
    return _pair(names, language) if names else _clean(zone)


def feature_text(feature: str, language: Language = "zh") -> str:
    names = FEATURE_NAMES.get(feature)
    return _pair(names, language) if names else _clean(feature)


def zone_colour(zone: str) -> str:
    return ZONE_PALETTE[zlib.crc32(zone.encode("utf-8", "surrogatepass")) % len(ZONE_PALETTE)]


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _positive(value: float, what: str, field: str) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise InvalidInput(f"{what} must be a positive number of metres, not {value!r}", field)


# --------------------------------------------------------------------------- validation


def validate(plan: Plan) -> None:
    """Raise InvalidInput naming the first bad field (``width_m``, ``booths[3].x_m``, ...)."""
    _positive(plan.width_m, "the plan's width", "width_m")
    _positive(plan.depth_m, "the plan's depth", "depth_m")
    seen: dict[str, int] = {}
    for i, booth in enumerate(plan.booths):
        at = f"booths[{i}]"
        code = _clean(booth.code)
        if not code:
            raise InvalidInput("a booth needs a code", f"{at}.code")
        if code in seen:
            raise InvalidInput(f"booth code {code!r} is used twice (also booths[{seen[code]}])", f"{at}.code")
        seen[code] = i
        if booth.state not in STATES:
            raise InvalidInput(f"booth state must be one of {', '.join(STATES)}, not {booth.state!r}",
                               f"{at}.state")
        _positive(booth.width_m, "a booth's width", f"{at}.width_m")
        _positive(booth.depth_m, "a booth's depth", f"{at}.depth_m")
        for name, start, size, limit, axis in (
            ("x_m", booth.x_m, booth.width_m, plan.width_m, "width"),
            ("y_m", booth.y_m, booth.depth_m, plan.depth_m, "depth"),
        ):
            if not (isinstance(start, int | float) and math.isfinite(start)):
                raise InvalidInput(f"booth {booth.code!r}: {name} must be a number, not {start!r}", f"{at}.{name}")
            if start < -_EPS or start + size > limit + 1e-6:
                raise InvalidInput(
                    f"booth {booth.code!r} ({start:g} m + {size:g} m) lies outside the plan's {axis} of {limit:g} m",
                    f"{at}.{name}",
                )


# --------------------------------------------------------------------------- grid layout


def _grid_check(columns: int, booth_width_m: float, booth_depth_m: float, aisle_m: float) -> None:
    if isinstance(columns, bool) or not isinstance(columns, int) or columns < 1:
        raise InvalidInput(f"columns must be a whole number of at least 1, not {columns!r}", "columns")
    _positive(booth_width_m, "the booth width", "booth_width_m")
    _positive(booth_depth_m, "the booth depth", "booth_depth_m")
    if not (isinstance(aisle_m, int | float) and math.isfinite(aisle_m) and aisle_m >= 0):
        raise InvalidInput(f"the aisle must be zero or more metres, not {aisle_m!r}", "aisle_m")


def layout_grid(codes: Sequence[str], columns: int, booth_width_m: float = 3.0, booth_depth_m: float = 3.0,
                aisle_m: float = 2.0) -> list[tuple[str, float, float]]:
    """Positions ``(code, x_m, y_m)`` for booths that come without coordinates.

    Row-major: ``columns`` booths side by side per row, starting at (0, 0); an aisle of
    ``aisle_m`` between every two rows (none around the grid: offset the positions to leave
    room at the walls). :func:`grid_size` gives the floor the grid needs.
    """
    _grid_check(columns, booth_width_m, booth_depth_m, aisle_m)
    seen: set[str] = set()
    result: list[tuple[str, float, float]] = []
    for i, code in enumerate(codes):
        if code in seen:
            raise InvalidInput(f"booth code {code!r} is listed twice", f"codes[{i}]")
        seen.add(code)
        row, column = divmod(i, columns)
        result.append((code, round(column * booth_width_m, 6), round(row * (booth_depth_m + aisle_m), 6)))
    return result


def grid_size(count: int, columns: int, booth_width_m: float = 3.0, booth_depth_m: float = 3.0,
              aisle_m: float = 2.0) -> tuple[float, float]:
    """``(width_m, depth_m)`` covered by :func:`layout_grid` for ``count`` booths (0, 0 for none)."""
    _grid_check(columns, booth_width_m, booth_depth_m, aisle_m)
    if count <= 0:
        return (0.0, 0.0)
    rows = -(-count // columns)
    used_columns = min(count, columns)
    return (round(used_columns * booth_width_m, 6), round(rows * booth_depth_m + (rows - 1) * aisle_m, 6))


# --------------------------------------------------------------------------- rendering


def _booth_title(booth: PlanBooth, language: Language) -> str:
    parts = [_clean(booth.code), zone_text(booth.zone, language), state_text(booth.state, language)]
    if _clean(booth.label):
        parts.append(_clean(booth.label))
    if booth.features:
        parts.append(", ".join(feature_text(f, language) for f in booth.features))
    return " · ".join(p for p in parts if p)


def _booth_name(booth: PlanBooth, language: Language) -> str:
    """The accessible name of a linked booth: its title, and whether it is the viewer's."""
    name = _booth_title(booth, language)
    return f"{name} · {_pair(('您的展位', 'your booth'), language)}" if booth.highlight else name


def _booth_svg(booth: PlanBooth, ox: float, oy: float, language: Language, href: str | None = None) -> str:
    x = ox + booth.x_m * SCALE
    y = oy + booth.y_m * SCALE
    w = booth.width_m * SCALE
    h = booth.depth_m * SCALE
    state = booth.state
    ink = STATE_TEXT[state]
    attrs = (
        f"id={_a('booth-' + booth.code)} class={_a('booth ' + state)} data-code={_a(booth.code)}"
        f" data-state={_a(state)} data-zone={_a(booth.zone)}"
    )
    if booth.features:
        attrs += f" data-features={_a(' '.join(booth.features))}"
    if booth.highlight:
        attrs += ' data-highlight="true"'
    out = [f"<g {attrs}><title>{_t(_booth_title(booth, language))}</title>"]
    stroke_width = _clamp(min(w, h) * 0.02, 0.4, 1.5)
    out.append(
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{STATE_FILL[state]}"'
        f' stroke="{STATE_STROKE[state]}" stroke-width="{_n(stroke_width)}"/>'
    )
    band = _clamp(h * 0.1, 1.0, 4.0)
    out.append(
        f'<rect class="zone" x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(band)}"'
        f' fill="{zone_colour(booth.zone)}"/>'
    )

    inner = h - band
    usable_w = w * 0.86
    label = _clean(booth.label)
    code_font = min(inner * 0.4, MAX_CODE_FONT)  # the same with or without a label: booths of a size look alike
    code_font = min(code_font, usable_w / max(text_width_em(_clean(booth.code)), 0.6))
    code_font = max(code_font, MIN_CODE_FONT)
    code = fit_text(booth.code, usable_w / code_font) or fit_text(booth.code, 1.6)
    label_font = max(code_font * 0.55, 4.0)
    gap = label_font * 0.3
    shown_label = ""
    if label and inner >= (code_font + gap + label_font) * 1.1:
        shown_label = fit_text(label, usable_w / label_font)
    stack = code_font + (gap + label_font if shown_label else 0.0)
    top = y + band + (inner - stack) / 2
    cx = x + w / 2
    text_attrs = f'text-anchor="middle" dominant-baseline="central" fill="{ink}"'
    out.append(
        f'<text class="code" x="{_n(cx)}" y="{_n(top + code_font / 2)}" font-size="{_n(code_font)}"'
        f' font-weight="bold" {text_attrs}>{escape(code)}</text>'
    )
    if shown_label:
        out.append(
            f'<text class="label" x="{_n(cx)}" y="{_n(top + code_font + gap + label_font / 2)}"'
            f' font-size="{_n(label_font)}" {text_attrs}>{escape(shown_label)}</text>'
        )
    marks = "".join(FEATURE_MARKS[f] for f in booth.features if f in FEATURE_MARKS)
    if marks:
        mark_font = _clamp(min(w, h) * 0.14, 3.5, 9.0)
        spare = (inner - stack) / 2
        if spare >= mark_font * 1.05 and w >= mark_font * len(marks) * 1.3:
            out.append(
                f'<text class="marks" x="{_n(x + w - mark_font * 0.25)}" y="{_n(y + h - mark_font * 0.6)}"'
                f' font-size="{_n(mark_font)}" text-anchor="end" dominant-baseline="central"'
                f' fill="{ink}">{marks}</text>'
            )
    if booth.highlight:
        outline = _clamp(min(w, h) * 0.1, 2.0, 6.0)
        out.append(
            f'<rect class="highlight" x="{_n(x + outline / 2)}" y="{_n(y + outline / 2)}"'
            f' width="{_n(max(w - outline, 0.1))}" height="{_n(max(h - outline, 0.1))}" fill="none"'
            f' stroke="{HIGHLIGHT}" stroke-width="{_n(outline)}"/>'
        )
    out.append("</g>")
    if href is not None:
        out.insert(0, f"<a href={_a(href)} class=\"booth-link\" aria-label={_a(_booth_name(booth, language))}>")
        out.append("</a>")
    return "".join(out)


def _legend_item(kind: str, key: str, x: float, y: float, font: float, fill: str, text: str,
                 max_em: float, count: int | None = None) -> str:
    """A swatch and its text; the text is cut to ``max_em`` but the count (shown bold after it) never is."""
    swatch = font * 1.05
    extra = ""
    tail = ""
    if count is not None:
        extra = f' data-count="{count}"'
        tail = f' <tspan class="count" font-weight="bold">{count}</tspan>'
        max_em -= text_width_em(f" {count}")
    shown = fit_text(text, max_em)
    return (
        f'<g class="legend-item {kind}" data-{kind}={_a(key)}{extra}>'
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(swatch)}" height="{_n(swatch)}" fill="{fill}"'
        f' stroke="#616161" stroke-width="{_n(font * 0.06)}"/>'
        f'<text x="{_n(x + swatch + font * 0.4)}" y="{_n(y + swatch / 2)}" font-size="{_n(font)}"'
        f' dominant-baseline="central" fill="{INK}">{escape(shown)}{tail}</text></g>'
    )


def render_svg(plan: Plan, language: Literal["zh", "en"] = "zh", links: Mapping[str, str] | None = None) -> str:
    """The plan as a standalone SVG document (a ``str``; encode as UTF-8). ``links``: booth
    code → address, each linked booth a focusable link named by code, zone, state and features.

    Raises InvalidInput naming the field for a non-positive plan size, a booth outside the
    plan (touching the edges is fine), a duplicate or empty booth code, an unknown state.
    """
    if language not in ("zh", "en"):
        raise InvalidInput(f"language must be zh or en, not {language!r}", "language")
    validate(plan)

    plan_w = plan.width_m * SCALE
    plan_h = plan.depth_m * SCALE
    content_w = max(plan_w, MIN_CONTENT_WIDTH)
    font = content_w / 26  # header and legend text: ~13 CSS px when the document is 360 px wide
    pad = font
    view_w = content_w + 2 * pad
    ox = pad + (content_w - plan_w) / 2

    name = _clean(plan.name) or _pair(("展位平面图", "Floor plan"), language)
    title = _clean(plan.title)
    counts = {state: 0 for state in STATES}
    for booth in plan.booths:
        counts[booth.state] += 1
    zones: list[str] = []
    for booth in plan.booths:
        if booth.zone not in zones:
            zones.append(booth.zone)

    # header band
    name_font = font * 1.2
    title_font = font * 0.9
    header: list[str] = []
    y = pad * 0.8
    header.append(
        f'<text class="plan-name" x="{_n(pad)}" y="{_n(y + name_font * 0.5)}" font-size="{_n(name_font)}"'
        f' font-weight="bold" dominant-baseline="central" fill="{INK}">'
        f"{escape(fit_text(name, content_w / name_font))}</text>"
    )
    y += name_font * 1.25
    if title:
        header.append(
            f'<text class="plan-title" x="{_n(pad)}" y="{_n(y + title_font * 0.5)}" font-size="{_n(title_font)}"'
            f' dominant-baseline="central" fill="{MUTED}">{escape(fit_text(title, content_w / title_font))}</text>'
        )
        y += title_font * 1.3
    plan_top = y + pad * 0.5

    # legend band: two items per row, states first, then the zones present
    column_w = content_w / 2
    item_em = (column_w - font * 1.6) / font  # after the swatch, with a little room between the columns
    row_h = font * 1.6
    legend: list[str] = []
    ly = plan_top + plan_h + pad
    for i, state in enumerate(STATES):
        row, column = divmod(i, 2)
        legend.append(_legend_item(
            "state", state, pad + column * column_w, ly + row * row_h, font, STATE_FILL[state],
            state_text(state, language), item_em, counts[state],
        ))
    ly += 2 * row_h
    if zones:
        ly += font * 0.3
        for i, zone in enumerate(zones):
            row, column = divmod(i, 2)
            legend.append(_legend_item(
                "zone", zone, pad + column * column_w, ly + row * row_h, font, zone_colour(zone),
                zone_text(zone, language) or "—", item_em,
            ))
        ly += -(-len(zones) // 2) * row_h
    view_h = ly + pad * 0.5

    # title and description (read by screen readers)
    full_title = f"{name} · {title}" if title else name
    summary = "; ".join(f"{state_text(s, language)} {counts[s]}" for s in STATES)
    booths_word = _pair(("展位", "booths"), language)
    desc = f"{_pair(('展位平面图', 'Floor plan'), language)}: {len(plan.booths)} {booths_word}; {summary}."
    mine = [_clean(b.code) for b in plan.booths if b.highlight]
    if mine:
        desc += f" {_pair(('您的展位', 'Your booth'), language)}: {', '.join(mine)}."

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(view_w)} {_n(view_h)}" width="100%"'
        f' preserveAspectRatio="xMidYMin meet" role="{"group" if links else "img"}" aria-labelledby="fp-title fp-desc"'
        f' lang="{"zh-CN" if language == "zh" else "en"}" font-family={_a(FONT_FAMILY)}>',
        f'<title id="fp-title">{escape(full_title)}</title>',
        f'<desc id="fp-desc">{escape(desc)}</desc>',
        '<defs><pattern id="fp-hatch" width="6" height="6" patternUnits="userSpaceOnUse"'
        ' patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="{HATCH_BACKGROUND}"/>'
        f'<path d="M0 0V6" stroke="{HATCH_LINE}" stroke-width="2"/></pattern></defs>',
        f'<rect class="background" width="{_n(view_w)}" height="{_n(view_h)}" fill="#ffffff"/>',
        f'<g class="header">{"".join(header)}</g>',
        f'<rect class="floor" x="{_n(ox)}" y="{_n(plan_top)}" width="{_n(plan_w)}" height="{_n(plan_h)}"'
        f' fill="#fafafa" stroke="#9e9e9e" stroke-width="{_n(_clamp(plan_w * 0.003, 1.0, 4.0))}"/>',
        '<g class="booths">',
    ]
    parts.extend(_booth_svg(booth, ox, plan_top, language, (links or {}).get(booth.code)) for booth in plan.booths)
    parts.append("</g>")
    parts.append(f'<g class="legend">{"".join(legend)}</g>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
