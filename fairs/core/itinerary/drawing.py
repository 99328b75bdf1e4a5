"""Printable views of a village-tour plan as standalone SVG documents (``str``; encode as UTF-8).

- :func:`route_map_svg`: the villages, the depot and each bus's route, drawn from their
  coordinates alone (no map tiles), for one day or the whole campaign;
- :func:`timeline_svg`: a Gantt chart, one row per bus-day: travel, waiting and each fair on a
  time axis of local wall-clock hours, and who rides along.

Pure: only the standard library. The same input always gives the same bytes. Style as
:mod:`fairs.core.floorplan`: 1000 user units wide, ``width="100%"``, a ``<title>`` and ``<desc>``
for screen readers, a CJK font fallback list, all user text cleaned and escaped. Labels are in
the document's language; the title carries both (``路线图 Route map`` for ``zh``).

Buses are told apart by colour (the Okabe–Ito palette, safe for colour-blind readers, black
in place of its yellow) and, past seven buses, by dash pattern too, so a black-and-white
print still separates them; bus *n* has the same style on every day and in both views.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Literal
from xml.sax.saxutils import escape

from fairs.core.errors import InvalidInput
from fairs.core.floorplan import FONT_FAMILY, INK, MUTED, fit_text, text_width_em
from fairs.core.itinerary.model import BusCrew, Campaign, CrewAssignment, GeoPoint, RoutePlan
from fairs.core.svg import attr as _a
from fairs.core.svg import clean, num
from fairs.core.svg import text as _t

Language = Literal["zh", "en"]

PALETTE: tuple[str, ...] = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES: tuple[str, ...] = ("", "14 6", "3 4", "14 4 3 4")
GREY = "#9e9e9e"
WIDTH = 1000.0
PAD = 24.0
KM_PER_DEGREE = 111.195

_WEEKDAYS = {"zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
             "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --------------------------------------------------------------------------- shared helpers


def _n(value: float) -> str:
    return num(value, 1)


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_on(colour: str) -> str:
    """Black or white, whichever contrasts more with ``colour`` (``#rrggbb``)."""
    lum = _luminance(colour)
    return "#ffffff" if (1.05 / (lum + 0.05)) >= ((lum + 0.05) / 0.05) else "#000000"


def bus_style(bus: int) -> tuple[str, str]:
    """(stroke colour, dash array or "") of bus ``bus`` (1-based)."""
    index = max(bus - 1, 0)
    return PALETTE[index % len(PALETTE)], DASHES[(index // len(PALETTE)) % len(DASHES)]


def _dash(dash: str) -> str:
    return f' stroke-dasharray="{dash}"' if dash else ""


def _check_language(language: str) -> None:
    if language not in ("zh", "en"):
        raise InvalidInput(f"language must be zh or en, not {language!r}", "language")


def day_heading(day: date, language: Language = "zh", *, year: bool = False) -> str:
    """``11月27日 周五`` (zh) or ``Fri 27 Nov`` (en); with the year: ``2026年11月27日 周五``, ``Fri 27 Nov 2026``."""
    weekday = _WEEKDAYS[language][day.weekday()]
    if language == "zh":
        return f"{f'{day.year}年' if year else ''}{day.month}月{day.day}日 {weekday}"
    return f"{weekday} {day.day} {_MONTHS[day.month - 1]}{f' {day.year}' if year else ''}"


def bus_label(bus: int, language: Language = "zh") -> str:
    return f"{bus}号车" if language == "zh" else f"Bus {bus}"


def _village_name(village_id: int, names: Mapping[int, str] | None, fallback: str = "") -> str:
    name = clean(names.get(village_id, "")) if names else ""
    return name or clean(fallback) or f"#{village_id}"


def _clock(moment: datetime, day: date) -> float:
    """Seconds from ``day``'s midnight on the wall clock of ``moment``'s own time zone."""
    return (moment.date() - day).days * 86400 + moment.hour * 3600 + moment.minute * 60 + moment.second


def _hhmm(moment: datetime) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def _svg_open(view_h: float, language: Language, prefix: str, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(WIDTH)} {_n(view_h)}" width="100%"'
        f' preserveAspectRatio="xMidYMin meet" role="img" aria-labelledby="{prefix}-title {prefix}-desc"'
        f' lang="{"zh-CN" if language == "zh" else "en"}" font-family={_a(FONT_FAMILY)}>',
        f'<title id="{prefix}-title">{_t(title)}</title>',
        f'<desc id="{prefix}-desc">{_t(desc)}</desc>',
        f'<rect class="background" width="{_n(WIDTH)}" height="{_n(view_h)}" fill="#ffffff"/>',
    ]


def _header(title: str, summary: str, font: float) -> tuple[list[str], float]:
    """The title and summary lines at the top; returns them and the y below them."""
    content_w = WIDTH - 2 * PAD
    title_font = font * 1.25
    y = PAD * 0.8
    out = [f'<text class="heading" x="{_n(PAD)}" y="{_n(y + title_font / 2)}" font-size="{_n(title_font)}"'
           f' font-weight="bold" dominant-baseline="central" fill="{INK}">'
           f'{escape(fit_text(title, content_w / title_font))}</text>']
    y += title_font * 1.3
    out.append(f'<text class="summary" x="{_n(PAD)}" y="{_n(y + font * 0.45)}" font-size="{_n(font * 0.9)}"'
               f' dominant-baseline="central" fill="{MUTED}">{escape(fit_text(summary, content_w / (font * 0.9)))}'
               "</text>")
    return out, y + font * 1.4


# --------------------------------------------------------------------------- route map


def _project(points: Sequence[GeoPoint]) -> list[tuple[float, float]]:
    """Equirectangular: km east and km south, longitude shrunk by cos(mean latitude)."""
    shrink = math.cos(math.radians(sum(lat for lat, _ in points) / len(points)))
    return [(lon * shrink * KM_PER_DEGREE, -lat * KM_PER_DEGREE) for lat, lon in points]


def _nice_km(target: float) -> float:
    """The largest of 1, 2, 5 × 10^k km not above ``target`` (at least 0.1 km)."""
    best = 0.1
    for exponent in range(-1, 5):
        for mantissa in (1, 2, 5):
            length = mantissa * 10.0**exponent
            if length <= target:
                best = length
    return best


Box = tuple[float, float, float, float]  # left, top, right, bottom


class _Occupied:
    """Boxes already drawn, bucketed in a grid so a look-up sees only its neighbours."""

    CELL = 48.0

    def __init__(self) -> None:
        self.cells: dict[tuple[int, int], list[Box]] = {}

    def _keys(self, box: Box) -> list[tuple[int, int]]:
        c = self.CELL
        return [(i, j) for i in range(math.floor(box[0] / c), math.floor(box[2] / c) + 1)
                for j in range(math.floor(box[1] / c), math.floor(box[3] / c) + 1)]

    def add(self, box: Box) -> None:
        for key in self._keys(box):
            self.cells.setdefault(key, []).append(box)

    def hits(self, box: Box) -> bool:
        return any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                   for key in self._keys(box) for b in self.cells.get(key, ()))


def _label(text: str, x: float, y: float, gap: float, font: float, frame: Box, occupied: _Occupied,
           cls: str, bold: bool = False) -> str:
    """A label beside a marker at (x, y): the first of right, left, above, below that is wholly on
    the canvas and overlaps nothing drawn; else the first wholly on the canvas; else cut with "…"
    to the wider side."""
    width = text_width_em(text) * font
    half = font * 0.6
    candidates = [("start", x + gap, y, (x + gap, y - half, x + gap + width, y + half)),
                  ("end", x - gap, y, (x - gap - width, y - half, x - gap, y + half)),
                  ("middle", x, y - gap - half, (x - width / 2, y - gap - 2 * half, x + width / 2, y - gap)),
                  ("middle", x, y + gap + half, (x - width / 2, y + gap, x + width / 2, y + gap + 2 * half))]
    inside = [c for c in candidates if frame[0] <= c[3][0] and c[3][2] <= frame[2]
              and frame[1] <= c[3][1] and c[3][3] <= frame[3]]
    free = [c for c in inside if not occupied.hits(c[3])]
    shown = text
    if free or inside:
        anchor, tx, ty, box = (free or inside)[0]
    else:
        room_right, room_left = frame[2] - (x + gap), (x - gap) - frame[0]
        anchor, tx, ty, box = candidates[0] if room_right >= room_left else candidates[1]
        shown = fit_text(text, max(max(room_right, room_left), 0.0) / font)
    occupied.add(box)
    weight = ' font-weight="bold"' if bold else ""
    return (f'<text class="{cls}" x="{_n(tx)}" y="{_n(ty)}" font-size="{_n(font)}" text-anchor="{anchor}"'
            f' dominant-baseline="central" fill="{INK}" stroke="#ffffff" stroke-width="{_n(font * 0.25)}"'
            f' paint-order="stroke"{weight}>{escape(shown)}</text>')


def route_map_svg(campaign: Campaign, plan: RoutePlan, *, day: date | None = None, language: Language = "zh",
                  village_names: Mapping[int, str] | None = None) -> str:
    """The route map of ``day`` (``None``: every day of the plan on one map).

    Every village of the campaign is a ``<g class="village served|unserved" data-village=…>``
    marker (hollow and grey when no route of this view stops there), labelled with its name
    from ``village_names``, else its ``name``, else ``#<id>``; labels stay on the canvas (moved
    to the marker's left or cut with "…"). The depot is a black square. Each route of the view,
    in plan order, is one ``<polyline class="route" data-day data-bus>`` depot → stops → depot
    with a numbered badge at each stop. A legend of the buses (with their day when all days are
    shown) and a scale bar in km come with it. Projection: equirectangular, longitude scaled
    by the cosine of the mean latitude of the depot and villages, fitted with equal scales.

    Raises :class:`InvalidInput` for a bad ``language``, a ``day`` that is not a campaign day
    (``day``), a non-finite location, or a stop at a village the campaign does not have.
    """
    _check_language(language)
    if day is not None and day not in campaign.dates:
        raise InvalidInput(f"{day} is not a day of the campaign", "day")
    villages = sorted(campaign.villages, key=lambda v: v.village_id)
    points = [campaign.fleet.depot] + [v.location for v in villages]
    for i, (lat, lon) in enumerate(points):
        if not (math.isfinite(lat) and math.isfinite(lon)):
            raise InvalidInput("a location needs finite degrees", "fleet.depot" if i == 0 else f"villages[{i - 1}]"
                               ".location")
    routes = [r for r in plan.routes if day is None or r.day == day]
    known = {v.village_id for v in villages}
    for r in routes:
        for s in r.stops:
            if s.village_id not in known:
                raise InvalidInput(f"bus {r.bus} on {r.day} stops at village {s.village_id}, which the campaign"
                                   " does not have", "plan.routes")
    served = {s.village_id for r in routes for s in r.stops}

    font = 16.0
    label_font = _clamp(13 - len(villages) / 40, 8.0, 12.0)
    marker = label_font * 0.45
    badge = _clamp(label_font * 0.62, 5.0, 7.5)
    margin = badge * 2 + marker + 6  # room for markers and badges inside the frame

    # header
    if day is None:
        span = (f"{day_heading(campaign.dates[0], language)}–{day_heading(campaign.dates[-1], language)}"
                if campaign.dates else "")
        when = (f"全部日期 {span}" if language == "zh" else f"All days {span}").strip()
    else:
        when = day_heading(day, language, year=True)
    title = f"巡回路线图 Route map · {when}" if language == "zh" else f"Route map 巡回路线图 · {when}"
    stops_count = sum(len(r.stops) for r in routes)
    if language == "zh":
        buses = f"{len(routes)} {'车次' if day is None else '辆车'}"
        summary = f"{buses} · {stops_count} 站 · 服务 {len(served)}/{len(villages)} 个村"
    else:
        buses = f"{len(routes)} {'bus-days' if day is None else 'buses'}"
        summary = f"{buses} · {stops_count} stops · {len(served)} of {len(villages)} villages served"
    header, top = _header(title, summary, font)

    # map frame and projection (equal scales on both axes)
    frame_l, frame_r = PAD, WIDTH - PAD
    avail_w = frame_r - frame_l - 2 * margin
    xy = _project(points)
    xs, ys = [p[0] for p in xy], [p[1] for p in xy]
    span_x, span_y = max(max(xs) - min(xs), 1e-6), max(max(ys) - min(ys), 1e-6)
    # equal scales; the map at most 1200 units tall, and a lone point (no span) shown as 1 km wide
    scale = min(avail_w / span_x, 1200.0 / span_y, avail_w / 1.0)
    inner_h = max(span_y * scale, 240.0)
    scale_band = 40.0
    frame_t = top + font * 0.3
    frame_b = frame_t + inner_h + 2 * margin + scale_band
    ox = frame_l + margin + (avail_w - span_x * scale) / 2 - min(xs) * scale
    oy = frame_t + margin + (inner_h - span_y * scale) / 2 - min(ys) * scale
    at = [(ox + x * scale, oy + y * scale) for x, y in xy]
    depot_at, village_at = at[0], {v.village_id: p for v, p in zip(villages, at[1:], strict=True)}

    body: list[str] = [
        f'<rect class="frame" x="{_n(frame_l)}" y="{_n(frame_t)}" width="{_n(frame_r - frame_l)}"'
        f' height="{_n(frame_b - frame_t)}" fill="#fbfbfb" stroke="{GREY}" stroke-width="1"/>'
    ]
    # villages not served in this view, below everything
    occupied = _Occupied()
    markers: list[str] = []
    for v in villages:
        x, y = village_at[v.village_id]
        occupied.add((x - marker, y - marker, x + marker, y + marker))
        name = _village_name(v.village_id, village_names, v.name)
        state = "served" if v.village_id in served else "unserved"
        fill, stroke = (INK, "#ffffff") if state == "served" else ("#ffffff", GREY)
        markers.append(f'<g class="village {state}" data-village="{v.village_id}"><title>{_t(name)}</title>'
                       f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(marker)}" fill="{fill}" stroke="{stroke}"'
                       f' stroke-width="{_n(marker * 0.45)}"/></g>')
    body.append(f'<g class="villages">{"".join(markers)}</g>')

    lines: list[str] = []
    badges: list[str] = []
    visits: dict[int, int] = {}
    for r in routes:
        colour, dash = bus_style(r.bus)
        path = [depot_at] + [village_at[s.village_id] for s in r.stops] + [depot_at]
        points_text = " ".join(f"{_n(x)},{_n(y)}" for x, y in path)
        lines.append(f'<polyline class="route" data-day="{r.day.isoformat()}" data-bus="{r.bus}"'
                     f' points="{points_text}" fill="none" stroke="{colour}" stroke-width="2.5"{_dash(dash)}'
                     ' stroke-linejoin="round" stroke-linecap="round" stroke-opacity="0.9"/>')
        for order, s in enumerate(r.stops, start=1):
            k = visits.get(s.village_id, 0)
            visits[s.village_id] = k + 1
            x, y = village_at[s.village_id]
            bx = _clamp(x + marker + badge * 0.4 + k * badge * 2.1, frame_l + badge, frame_r - badge)
            by = _clamp(y - marker - badge * 0.9, frame_t + badge, frame_b - badge)
            occupied.add((bx - badge, by - badge, bx + badge, by + badge))
            badges.append(
                f'<g class="stop" data-day="{r.day.isoformat()}" data-bus="{r.bus}" data-order="{order}"'
                f' data-village="{s.village_id}"><circle cx="{_n(bx)}" cy="{_n(by)}" r="{_n(badge)}"'
                f' fill="{colour}" stroke="#ffffff" stroke-width="0.8"/><text x="{_n(bx)}" y="{_n(by)}"'
                f' font-size="{_n(badge * (1.3 if order < 10 else 1.0))}" text-anchor="middle"'
                f' dominant-baseline="central" fill="{text_on(colour)}">{order}</text></g>')
    body.append(f'<g class="routes">{"".join(lines)}</g>')

    dx, dy = depot_at
    side = marker * 3
    body.append(f'<g class="depot"><rect x="{_n(dx - side / 2)}" y="{_n(dy - side / 2)}" width="{_n(side)}"'
                f' height="{_n(side)}" fill="{INK}" stroke="#ffffff" stroke-width="1.5"/></g>')
    body.append(f'<g class="badges">{"".join(badges)}</g>')
    depot_word = "出发点" if language == "zh" else "Depot"
    frame = (frame_l, frame_t, frame_r, frame_b - scale_band / 2)
    occupied.add((dx - side / 2, dy - side / 2, dx + side / 2, dy + side / 2))
    labels = [_label(depot_word, dx, dy, side / 2 + 3, label_font * 1.15, frame, occupied, "depot-label", True)]
    for v in sorted(villages, key=lambda v: v.village_id not in served):  # served ones first: they matter more
        x, y = village_at[v.village_id]
        labels.append(_label(_village_name(v.village_id, village_names, v.name), x, y, marker + 2, label_font,
                             frame, occupied, "village-label"))
    body.append(f'<g class="labels">{"".join(labels)}</g>')

    # scale bar and north arrow
    km = _nice_km((frame_r - frame_l) / 5 / scale)
    bar_w = km * scale
    sx, sy = frame_l + 12, frame_b - 14
    km_text = f"{km:g} km"
    body.append(
        f'<g class="scale-bar" data-km="{km:g}"><rect x="{_n(sx)}" y="{_n(sy - 3)}" width="{_n(bar_w)}" height="6"'
        f' fill="#ffffff" stroke="{INK}" stroke-width="1"/><rect x="{_n(sx)}" y="{_n(sy - 3)}"'
        f' width="{_n(bar_w / 2)}" height="6" fill="{INK}"/><text x="{_n(sx + bar_w + 6)}" y="{_n(sy)}"'
        f' font-size="12" dominant-baseline="central" fill="{INK}">{km_text}</text></g>')
    nx, ny = frame_r - 18, frame_t + 10
    body.append(f'<g class="north"><path d="M{_n(nx)} {_n(ny)}l6 16h-12z" fill="{INK}"/><text x="{_n(nx)}"'
                f' y="{_n(ny + 26)}" font-size="11" text-anchor="middle" dominant-baseline="central"'
                f' fill="{INK}">N</text></g>')

    # legend: the markers, then one entry per bus (per route when all days are shown)
    legend: list[str] = []
    ly = frame_b + font * 0.8
    keys = [("depot", depot_word), ("served", "本图停靠的村" if language == "zh" else "Village served here"),
            ("unserved", "本图未停靠的村" if language == "zh" else "Village not served here")]
    column_w = (WIDTH - 2 * PAD) / 3
    for i, (kind, text) in enumerate(keys):
        x = PAD + i * column_w
        cy = ly + font / 2
        if kind == "depot":
            swatch = (f'<rect x="{_n(x)}" y="{_n(cy - 6)}" width="12" height="12" fill="{INK}"/>')
        else:
            fill, stroke = (INK, INK) if kind == "served" else ("#ffffff", GREY)
            swatch = f'<circle cx="{_n(x + 6)}" cy="{_n(cy)}" r="5" fill="{fill}" stroke="{stroke}" stroke-width="2"/>'
        legend.append(f'<g class="legend-item {kind}">{swatch}<text x="{_n(x + 20)}" y="{_n(cy)}"'
                      f' font-size="{_n(font * 0.85)}" dominant-baseline="central" fill="{INK}">'
                      f'{escape(fit_text(text, (column_w - 24) / (font * 0.85)))}</text></g>')
    ly += font * 1.6
    columns = 3 if day is None else 4
    column_w = (WIDTH - 2 * PAD) / columns
    entries = routes if day is None else sorted({r.bus: r for r in routes}.values(), key=lambda r: r.bus)
    row_h = font * 1.5
    for i, r in enumerate(entries):
        row, column = divmod(i, columns)
        x = PAD + column * column_w
        cy = ly + row * row_h + font / 2
        colour, dash = bus_style(r.bus)
        text = bus_label(r.bus, language)
        if day is None:
            text = f"{day_heading(r.day, language)} {text}"
        day_attr = f' data-day="{r.day.isoformat()}"' if day is None else ""
        legend.append(
            f'<g class="legend-item bus" data-bus="{r.bus}"{day_attr}>'
            f'<line x1="{_n(x)}" y1="{_n(cy)}" x2="{_n(x + 34)}" y2="{_n(cy)}" stroke="{colour}" stroke-width="3"'
            f'{_dash(dash)}/><text x="{_n(x + 42)}" y="{_n(cy)}" font-size="{_n(font * 0.85)}"'
            f' dominant-baseline="central" fill="{INK}">{escape(fit_text(text, (column_w - 48) / (font * 0.85)))}'
            "</text></g>")
    ly += -(-len(entries) // columns) * row_h
    view_h = ly + PAD * 0.6

    desc = f"{title}. {summary}."
    if plan.unserved and day is None:
        desc += (f" {len(plan.unserved)} 个站无法安排。" if language == "zh"
                 else f" {len(plan.unserved)} wanted stops cannot be served.")
    parts = _svg_open(view_h, language, "rm", title, desc)
    parts += [f'<g class="header">{"".join(header)}</g>', *body, f'<g class="legend">{"".join(legend)}</g>', "</svg>"]
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- timeline


def _riders_text(crew: BusCrew | None, names: Mapping[int, str] | None, language: Language, max_em: float) -> str:
    """``随车企业：甲、乙 等12家`` / ``Riding: A, B +10 more``: as many names as fit, then the count."""
    if crew is None or not crew.enterprise_ids:
        return ""
    labels = [fit_text(clean(names.get(e, "")) if names else "", 14) or f"#{e}" for e in crew.enterprise_ids]
    lead, sep = ("随车企业：", "、") if language == "zh" else ("Riding: ", ", ")
    total = len(labels)
    for shown in range(total, 0, -1):
        rest = total - shown
        tail = "" if rest == 0 else (f" 等{total}家" if language == "zh" else f" +{rest} more")
        text = lead + sep.join(labels[:shown]) + tail
        if text_width_em(text) <= max_em:
            return text
    return lead + (f"{total}家" if language == "zh" else f"{total} enterprises")


def timeline_svg(plan: RoutePlan, *, language: Language = "zh", village_names: Mapping[int, str] | None = None,
                 crews: CrewAssignment | None = None, enterprise_names: Mapping[int, str] | None = None) -> str:
    """A Gantt chart of the plan: per day (heading ``11月27日 周五`` / ``Fri 27 Nov``) one
    ``<g class="row" data-day data-bus>`` per route in plan order, on a time axis of whole
    hours (``<g class="axis" data-x0 data-x1 data-from-hour data-to-hour>``) spanning every
    route, in the wall-clock time the plan's datetimes carry (the campaign's zone). A row has
    thin ``rect.travel`` bars, ``rect.wait`` bars where the bus waits for the window, and a
    ``rect.stop`` per fair (``data-village``, ``data-order``) labelled with the village name
    (``#<id>`` when not in ``village_names``) and its times, cut to the bar. With ``crews`` the
    enterprises riding that bus-day are listed under the bars, as many as fit, then a count.
    """
    _check_language(language)
    font = 14.0
    label_w = 150.0
    x0, x1 = PAD + label_w, WIDTH - PAD - 8
    routes = list(plan.routes)
    by_bus = {(c.day, c.bus): c for c in crews.crews} if crews is not None else {}
    if routes:
        first = min(_clock(r.leaves_depot, r.day) for r in routes)
        last = max(_clock(r.returns, r.day) for r in routes)
        from_hour, to_hour = math.floor(first / 3600), max(math.ceil(last / 3600), math.floor(first / 3600) + 1)
    else:
        from_hour, to_hour = 7, 19
    per_hour = (x1 - x0) / (to_hour - from_hour)

    def x_of(moment: datetime, day: date) -> float:
        return _clamp(x0 + (_clock(moment, day) / 3600 - from_hour) * per_hour, x0, x1)

    days = sorted({r.day for r in routes})
    stops_count = sum(len(r.stops) for r in routes)
    if language == "zh":
        title = "巡回日程 Timeline"
        summary = f"{len(days)} 天 · {len(routes)} 车次 · {stops_count} 站 · 当地时间"
    else:
        title = "Timeline 巡回日程"
        summary = f"{len(days)} days · {len(routes)} bus-days · {stops_count} stops · local time"
    header, y = _header(title, summary, font)
    row_h = 58.0 if crews is not None else 42.0
    heading_h = 28.0
    chart_top = y
    body: list[str] = []
    for d in days:
        body.append(f'<g class="day-heading" data-day="{d.isoformat()}"><rect x="{_n(PAD)}" y="{_n(y)}"'
                    f' width="{_n(WIDTH - 2 * PAD)}" height="{_n(heading_h)}" fill="#eceff1"/>'
                    f'<text x="{_n(PAD + 6)}" y="{_n(y + heading_h / 2)}" font-size="{_n(font)}" font-weight="bold"'
                    f' dominant-baseline="central" fill="{INK}">{escape(day_heading(d, language))}</text>')
        body += [f'<text class="hour" x="{_n(x0 + (h - from_hour) * per_hour)}" y="{_n(y + heading_h / 2)}"'
                 f' font-size="{_n(font * 0.75)}" text-anchor="middle" dominant-baseline="central"'
                 f' fill="{MUTED}">{h % 24:02d}</text>' for h in range(from_hour, to_hour + 1)]
        body.append("</g>")
        y += heading_h
        for r in (r for r in routes if r.day == d):
            colour, dash = bus_style(r.bus)
            mid = y + 18
            hours = f"{_hhmm(r.leaves_depot)}–{_hhmm(r.returns)}"
            row_title = f"{day_heading(d, language)} {bus_label(r.bus, language)} {hours}"
            row = [f'<g class="row" data-day="{d.isoformat()}" data-bus="{r.bus}">',
                   f'<title>{_t(row_title)}</title>',
                   f'<line x1="{_n(PAD)}" y1="{_n(y + row_h)}" x2="{_n(WIDTH - PAD)}" y2="{_n(y + row_h)}"'
                   ' stroke="#e0e0e0" stroke-width="1"/>',
                   f'<line x1="{_n(PAD)}" y1="{_n(mid - 7)}" x2="{_n(PAD + 20)}" y2="{_n(mid - 7)}" stroke="{colour}"'
                   f' stroke-width="3"{_dash(dash)}/>',
                   f'<text class="bus" x="{_n(PAD + 26)}" y="{_n(mid - 7)}" font-size="{_n(font)}"'
                   f' font-weight="bold" dominant-baseline="central" fill="{INK}">{bus_label(r.bus, language)}</text>',
                   f'<text class="hours" x="{_n(PAD)}" y="{_n(mid + 9)}" font-size="{_n(font * 0.8)}"'
                   f' dominant-baseline="central" fill="{MUTED}">{hours}</text>']
            legs: list[tuple[str, datetime, datetime]] = []
            previous = r.leaves_depot
            for s in r.stops:
                legs.append(("travel", previous, s.arrives))
                if s.starts > s.arrives:
                    legs.append(("wait", s.arrives, s.starts))
                previous = s.ends
            legs.append(("travel", previous, r.returns))
            for kind, since, until in legs:
                bx, bw = x_of(since, d), max(x_of(until, d) - x_of(since, d), 0.0)
                height = 4.0 if kind == "travel" else 12.0
                fill = "#757575" if kind == "travel" else "#d7ccc8"
                row.append(f'<rect class="{kind}" x="{_n(bx)}" y="{_n(mid - height / 2)}" width="{_n(bw)}"'
                           f' height="{_n(height)}" fill="{fill}"/>')
            for order, s in enumerate(r.stops, start=1):
                name = _village_name(s.village_id, village_names)
                times = f"{_hhmm(s.starts)}–{_hhmm(s.ends)}"
                bx, bw = x_of(s.starts, d), max(x_of(s.ends, d) - x_of(s.starts, d), 0.0)
                room = max(bw - 6, 0.0) / (font * 0.8)
                full = f"{order}. {name} {times}"
                shown = full if text_width_em(full) <= room else fit_text(f"{order}. {name}", room)
                row.append(f'<g class="stop-bar"><title>{_t(full)}</title><rect class="stop" data-village='
                           f'"{s.village_id}" data-order="{order}" x="{_n(bx)}" y="{_n(mid - 11)}" width="{_n(bw)}"'
                           f' height="22" rx="2" fill="{colour}"/>')
                if shown:
                    row.append(f'<text x="{_n(bx + 3)}" y="{_n(mid)}" font-size="{_n(font * 0.8)}"'
                               f' dominant-baseline="central" fill="{text_on(colour)}">{escape(shown)}</text>')
                row.append("</g>")
            if crews is not None:
                riders = _riders_text(by_bus.get((d, r.bus)), enterprise_names, language,
                                      (x1 - x0) / (font * 0.8))
                row.append(f'<text class="riders" x="{_n(x0)}" y="{_n(mid + 22)}" font-size="{_n(font * 0.8)}"'
                           f' dominant-baseline="central" fill="{MUTED}">{escape(riders)}</text>')
            row.append("</g>")
            body.append("".join(row))
            y += row_h
    if not routes:
        empty = "无路线" if language == "zh" else "No routes"
        body.append(f'<text class="empty" x="{_n(PAD)}" y="{_n(y + font)}" font-size="{_n(font)}"'
                    f' dominant-baseline="central" fill="{MUTED}">{empty}</text>')
        y += font * 2
    grid = "".join(f'<line x1="{_n(x0 + (h - from_hour) * per_hour)}" y1="{_n(chart_top)}"'
                   f' x2="{_n(x0 + (h - from_hour) * per_hour)}" y2="{_n(y)}" stroke="#e0e0e0" stroke-width="1"/>'
                   for h in range(from_hour, to_hour + 1))
    axis = (f'<g class="axis" data-x0="{_n(x0)}" data-x1="{_n(x1)}" data-from-hour="{from_hour}"'
            f' data-to-hour="{to_hour}">{grid}</g>')

    # legend
    ly = y + font * 0.8
    keys = [("travel", "#757575", 4.0, "路上" if language == "zh" else "Travel"),
            ("wait", "#d7ccc8", 12.0, "等候" if language == "zh" else "Waiting"),
            ("stop", PALETTE[0], 18.0, "招聘会（村名 开始–结束）" if language == "zh" else "Fair (village start–end)")]
    legend = []
    for i, (kind, fill, height, text) in enumerate(keys):
        x = PAD + i * 200
        legend.append(f'<g class="legend-item {kind}"><rect x="{_n(x)}" y="{_n(ly + 9 - height / 2)}" width="28"'
                      f' height="{_n(height)}" fill="{fill}"/><text x="{_n(x + 34)}" y="{_n(ly + 9)}"'
                      f' font-size="{_n(font * 0.85)}" dominant-baseline="central" fill="{INK}">{escape(text)}</text>'
                      "</g>")
    view_h = ly + 18 + PAD * 0.6
    desc = f"{title}. {summary}; {from_hour:02d}:00–{to_hour % 24:02d}:00."
    parts = _svg_open(view_h, language, "tl", title, desc)
    parts += [f'<g class="header">{"".join(header)}</g>', axis, *body, f'<g class="legend">{"".join(legend)}</g>',
              "</svg>"]
    return "\n".join(parts) + "\n"
