"""Printable views of a village-tour plan (fairs.core.itinerary.drawing and .manifest): the
route map and the timeline checked by parsing the SVG back, the manifest's rows as data."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from fairs.bench.itinerary import synthetic_campaign, synthetic_enterprises
from fairs.core import itinerary as it
from fairs.core.errors import InvalidInput
from fairs.core.floorplan import text_width_em
from fairs.core.itinerary.drawing import DASHES, PALETTE, bus_style

SVG = "{http://www.w3.org/2000/svg}"
ZONE = ZoneInfo("Asia/Shanghai")
FRIDAY = date(2026, 11, 27)
SATURDAY = date(2026, 11, 28)
SEAT = (30.6, 114.3)
POOL = it.LabourPool({"manufacturing": 40})
NASTY = 'A<&"b> 村'


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


def stop(village_id: int, day: date, arrives: tuple[int, int], starts: tuple[int, int],
         ends: tuple[int, int]) -> it.VillageStop:
    return it.VillageStop(village_id, 1, at(day, *arrives), at(day, *starts), at(day, *ends))


# Four villages around the depot (one far east, one that no bus visits) and two days.
VILLAGES = (
    it.Village(1, (30.70, 114.30), POOL, name="东村"),
    it.Village(2, (30.65, 114.45), POOL, name="南湾村"),
    it.Village(3, (30.55, 114.80), POOL, name="远东村"),
    it.Village(4, (30.45, 114.20), POOL, name=""),
)
CAMPAIGN = it.Campaign(dates=(FRIDAY, SATURDAY), villages=VILLAGES,
                       fleet=it.Fleet(depot=SEAT, buses_per_day=2, seats=10))
ROUTES = (
    it.BusRoute(FRIDAY, 1, at(FRIDAY, 7, 30), at(FRIDAY, 14, 10),
                (stop(2, FRIDAY, (8, 0), (8, 30), (10, 30)), stop(1, FRIDAY, (10, 50), (10, 50), (12, 50))), 5000),
    it.BusRoute(FRIDAY, 2, at(FRIDAY, 8, 0), at(FRIDAY, 12, 40), (stop(3, FRIDAY, (9, 0), (9, 0), (11, 0)),), 6000),
    it.BusRoute(SATURDAY, 1, at(SATURDAY, 13, 0), at(SATURDAY, 18, 15),
                (stop(1, SATURDAY, (13, 30), (14, 0), (16, 0)),), 3000),
)
PLAN = it.RoutePlan(ROUTES, (it.UnservedStop(4, 1, "allowed_days_full", "full"),), 14000, 5, 4, 10, 0.1, 0.01)
CREWS = it.CrewAssignment((it.BusCrew(FRIDAY, 1, (11, 12), 5, 9), it.BusCrew(FRIDAY, 2, (13,), 2, 4),
                           it.BusCrew(SATURDAY, 1, (), 0, 0)), (), 13, 20, "flow", True)
FIRMS = {11: "鑫达电子", 12: "华中物流", 13: "顺丰速运"}
STAFF = {11: 3, 12: 2, 13: 4}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def view_box(root: ET.Element) -> tuple[float, float]:
    x, y, w, h = map(float, root.attrib["viewBox"].split())
    assert (x, y) == (0, 0)
    return w, h


def of_class(root: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    return [e for e in root.iter(SVG + tag) if cls in e.attrib.get("class", "").split()]


def polyline_points(line: ET.Element) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (p.split(",") for p in line.attrib["points"].split())]


# --- route map --------------------------------------------------------------------------------


def test_the_route_map_is_an_accessible_svg_image_with_title_and_description() -> None:
    root = parse(it.route_map_svg(CAMPAIGN, PLAN, day=FRIDAY))
    assert root.tag == SVG + "svg"
    assert root.attrib["role"] == "img"
    assert root.attrib["lang"] == "zh-CN"
    assert "Noto Sans CJK SC" in root.attrib["font-family"]
    title, desc = root.find(SVG + "title"), root.find(SVG + "desc")
    assert title is not None and desc is not None
    assert title.text == "巡回路线图 Route map · 2026年11月27日 周五"
    assert desc.text is not None and "2 辆车 · 3 站 · 服务 3/4 个村" in desc.text
    assert root.attrib["aria-labelledby"] == f"{title.attrib['id']} {desc.attrib['id']}"


def test_every_village_has_a_marker_hollow_where_no_bus_stops_in_this_view() -> None:
    root = parse(it.route_map_svg(CAMPAIGN, PLAN, day=SATURDAY))
    states = {int(g.attrib["data-village"]): g.attrib["class"] for g in of_class(root, "g", "village")}
    assert states == {1: "village served", 2: "village unserved", 3: "village unserved", 4: "village unserved"}
    labels = [t.text for t in of_class(root, "text", "village-label")]
    assert sorted(labels, key=str) == sorted(["东村", "南湾村", "远东村", "#4"], key=str)  # no name: its id


def test_one_polyline_per_route_of_the_day_from_the_depot_through_its_stops_and_back() -> None:
    svg = it.route_map_svg(CAMPAIGN, PLAN, day=FRIDAY)
    root = parse(svg)
    lines = of_class(root, "polyline", "route")
    assert [(line.attrib["data-day"], line.attrib["data-bus"]) for line in lines] == [("2026-11-27", "1"),
                                                                                     ("2026-11-27", "2")]
    markers = {int(g.attrib["data-village"]): g.find(SVG + "circle") for g in of_class(root, "g", "village")}
    centre = {v: (float(c.attrib["cx"]), float(c.attrib["cy"])) for v, c in markers.items() if c is not None}
    for line, route in zip(lines, ROUTES[:2], strict=True):
        points = polyline_points(line)
        assert len(points) == len(route.stops) + 2
        assert points[0] == points[-1]  # the depot
        assert points[1:-1] == [centre[s.village_id] for s in route.stops]
    badges = [(g.attrib["data-bus"], g.attrib["data-order"], g.attrib["data-village"])
              for g in of_class(root, "g", "stop")]
    assert badges == [("1", "1", "2"), ("1", "2", "1"), ("2", "1", "3")]


def test_all_days_draw_every_route_and_name_the_day_in_the_legend() -> None:
    root = parse(it.route_map_svg(CAMPAIGN, PLAN, language="en"))
    assert len(of_class(root, "polyline", "route")) == len(ROUTES)
    legend = [(g.attrib["data-day"], g.attrib["data-bus"], g.findtext(SVG + "text"))
              for g in of_class(root, "g", "legend-item") if "bus" in g.attrib["class"].split()]
    assert legend == [("2026-11-27", "1", "Fri 27 Nov Bus 1"), ("2026-11-27", "2", "Fri 27 Nov Bus 2"),
                      ("2026-11-28", "1", "Sat 28 Nov Bus 1")]
    assert root.findtext(SVG + "title") == "Route map 巡回路线图 · All days Fri 27 Nov–Sat 28 Nov"


def test_one_day_has_a_legend_entry_per_bus_in_the_document_language() -> None:
    root = parse(it.route_map_svg(CAMPAIGN, PLAN, day=FRIDAY))
    legend = [g.findtext(SVG + "text") for g in of_class(root, "g", "legend-item") if "bus" in g.attrib["class"]]
    assert legend == ["1号车", "2号车"]


def _inside(root: ET.Element) -> None:
    width, height = view_box(root)
    for element in root.iter():
        for name in ("x", "y", "cx", "cy", "x1", "x2", "y1", "y2"):
            if name in element.attrib:
                value = float(element.attrib[name])
                assert 0 <= value <= (width if name.startswith(("x", "cx")) else height), (element.attrib, name)
        for name, origin, limit in (("width", "x", width), ("height", "y", height)):
            if name in element.attrib and element.tag != SVG + "svg":
                start = float(element.attrib.get(origin, 0.0))
                assert start + float(element.attrib[name]) <= limit + 1e-6, element.attrib
        if "points" in element.attrib:
            assert all(0 <= x <= width and 0 <= y <= height for x, y in polyline_points(element))


def test_every_coordinate_lies_inside_the_view_box() -> None:
    for day in (None, FRIDAY, SATURDAY):
        _inside(parse(it.route_map_svg(CAMPAIGN, PLAN, day=day)))


def test_labels_do_not_run_off_the_canvas_even_long_ones_at_the_edge() -> None:
    long_names = {3: "远东村" * 30, 1: "A very long village name on the northern edge of the county"}
    root = parse(it.route_map_svg(CAMPAIGN, PLAN, village_names=long_names))
    width, _ = view_box(root)
    labels = of_class(root, "text", "village-label")
    assert len(labels) == len(VILLAGES)
    for label in labels:
        x, size, text = float(label.attrib["x"]), float(label.attrib["font-size"]), label.text or ""
        extent = text_width_em(text) * size
        left = {"start": x, "end": x - extent, "middle": x - extent / 2}[label.attrib["text-anchor"]]
        assert 0 <= left and left + extent <= width, (text, left, extent)
    assert any((label.text or "").endswith("…") for label in labels)  # 90 characters are wider than the map


def test_names_are_escaped_and_come_back_unchanged_through_the_parser() -> None:
    svg = it.route_map_svg(CAMPAIGN, PLAN, day=FRIDAY, village_names={2: NASTY})
    assert NASTY not in svg
    assert "A&lt;&amp;\"b&gt; 村" in svg
    root = parse(svg)
    served = {g.attrib["data-village"]: g.findtext(SVG + "title") for g in of_class(root, "g", "village")}
    assert served["2"] == NASTY
    assert NASTY in [t.text for t in of_class(root, "text", "village-label")]
    timeline = parse(it.timeline_svg(PLAN, village_names={2: NASTY}, crews=CREWS, enterprise_names={11: NASTY}))
    assert NASTY in "".join(timeline.itertext())


def test_the_same_input_gives_the_same_bytes() -> None:
    copy = replace(CAMPAIGN, villages=tuple(replace(v) for v in reversed(VILLAGES)))
    assert it.route_map_svg(CAMPAIGN, PLAN) == it.route_map_svg(copy, replace(PLAN))
    assert it.timeline_svg(PLAN, crews=CREWS, enterprise_names=FIRMS) == it.timeline_svg(
        replace(PLAN), crews=replace(CREWS), enterprise_names=dict(reversed(FIRMS.items())))


def test_buses_past_the_palette_are_told_apart_by_dash_pattern() -> None:
    styles = [bus_style(bus) for bus in range(1, len(PALETTE) * len(DASHES) + 1)]
    assert len(set(styles)) == len(styles)
    assert all(dash == "" for _, dash in styles[:len(PALETTE)])
    assert "#F0E442" not in PALETTE  # Okabe–Ito's yellow is too faint for a line on white paper
    many = it.Fleet(depot=SEAT, buses_per_day=9, seats=10)
    routes = tuple(it.BusRoute(FRIDAY, bus, at(FRIDAY, 8), at(FRIDAY, 12), (stop(1 + bus % 4, FRIDAY, (9, 0),
                                                                                  (9, 0), (11, 0)),), 100)
                   for bus in range(1, 10))
    root = parse(it.route_map_svg(replace(CAMPAIGN, fleet=many), replace(PLAN, routes=routes), day=FRIDAY))
    lines = of_class(root, "polyline", "route")
    assert ["stroke-dasharray" in line.attrib for line in lines] == [False] * 7 + [True] * 2
    assert lines[7].attrib["stroke"] == lines[0].attrib["stroke"]


def test_bad_requests_are_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        it.route_map_svg(CAMPAIGN, PLAN, day=date(2026, 12, 1))
    assert caught.value.field == "day"
    with pytest.raises(InvalidInput) as caught:
        it.route_map_svg(CAMPAIGN, PLAN, language="fr")  # type: ignore[arg-type]
    assert caught.value.field == "language"
    with pytest.raises(InvalidInput) as caught:
        it.route_map_svg(replace(CAMPAIGN, villages=VILLAGES[:2]), PLAN)
    assert caught.value.field == "plan.routes"


def test_three_hundred_villages_make_a_map_of_reasonable_size() -> None:
    campaign = synthetic_campaign(300, 10, 10)
    empty = it.RoutePlan((), (), 0, 0, 0, 0, 0.0, None)
    svg = it.route_map_svg(campaign, empty)
    root = parse(svg)
    assert len(of_class(root, "g", "village")) == 300
    assert len(svg.encode()) < 150_000
    _inside(root)


# --- a real plan ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real() -> tuple[it.Campaign, it.RoutePlan, it.CrewAssignment, list[it.Enterprise]]:
    campaign = synthetic_campaign(24, 3, 3)
    plan = it.plan_routes(campaign, budget_s=1, max_iterations=200, seed=1)
    firms = synthetic_enterprises(campaign, 40)
    return campaign, plan, it.assign_crews(plan, campaign, firms), firms


def test_a_real_plan_draws_each_route_of_each_day(
        real: tuple[it.Campaign, it.RoutePlan, it.CrewAssignment, list[it.Enterprise]]) -> None:
    campaign, plan, _, _ = real
    assert plan.routes
    for day in campaign.dates:
        root = parse(it.route_map_svg(campaign, plan, day=day))
        routes = [r for r in plan.routes if r.day == day]
        lines = of_class(root, "polyline", "route")
        assert [len(polyline_points(line)) for line in lines] == [len(r.stops) + 2 for r in routes]
        served = {str(s.village_id) for r in routes for s in r.stops}
        assert {g.attrib["data-village"] for g in of_class(root, "g", "village") if "served" in g.attrib["class"]
                .split()} == served
        _inside(root)


# --- timeline ---------------------------------------------------------------------------------


def test_day_headings_follow_each_language() -> None:
    assert it.day_heading(FRIDAY, "zh") == "11月27日 周五"
    assert it.day_heading(FRIDAY, "en") == "Fri 27 Nov"
    assert it.day_heading(FRIDAY, "zh", year=True) == "2026年11月27日 周五"
    root = parse(it.timeline_svg(PLAN))
    assert [g.findtext(SVG + "text") for g in of_class(root, "g", "day-heading")] == ["11月27日 周五", "11月28日 周六"]
    root = parse(it.timeline_svg(PLAN, language="en"))
    assert [g.findtext(SVG + "text") for g in of_class(root, "g", "day-heading")] == ["Fri 27 Nov", "Sat 28 Nov"]


def _axis(root: ET.Element) -> tuple[float, float, int, int]:
    (axis,) = of_class(root, "g", "axis")
    return (float(axis.attrib["data-x0"]), float(axis.attrib["data-x1"]), int(axis.attrib["data-from-hour"]),
            int(axis.attrib["data-to-hour"]))


def check_timeline(plan: it.RoutePlan, svg: str) -> ET.Element:
    root = parse(svg)
    assert root.attrib["role"] == "img" and root.findtext(SVG + "title") and root.findtext(SVG + "desc")
    rows = of_class(root, "g", "row")
    assert [(g.attrib["data-day"], int(g.attrib["data-bus"])) for g in rows] == [
        (r.day.isoformat(), r.bus) for r in plan.routes]
    x0, x1, _, _ = _axis(root)
    for row, route in zip(rows, plan.routes, strict=True):
        bars = [e for e in row.iter(SVG + "rect") if e.attrib.get("class") in ("travel", "wait", "stop")]
        assert bars
        for bar in bars:
            assert x0 - 1e-6 <= float(bar.attrib["x"]) <= float(bar.attrib["x"]) + float(bar.attrib["width"]) <= x1
        stops = [e for e in bars if e.attrib["class"] == "stop"]
        assert [int(e.attrib["data-village"]) for e in stops] == [s.village_id for s in route.stops]
        assert [int(e.attrib["data-order"]) for e in stops] == list(range(1, len(route.stops) + 1))
        starts = [float(e.attrib["x"]) for e in stops]
        assert starts == sorted(starts)
    _inside(root)
    return root


def test_the_timeline_has_one_row_per_route_with_its_stops_in_order_on_the_hour_axis() -> None:
    root = check_timeline(PLAN, it.timeline_svg(PLAN, village_names={1: "东村", 2: "南湾村"}))
    x0, x1, first, last = _axis(root)
    assert (first, last) == (7, 19)  # 07:30 earliest departure, 18:15 latest return
    per_hour = (x1 - x0) / (last - first)
    (friday_1, *_) = of_class(root, "g", "row")
    stop_bar = next(e for e in friday_1.iter(SVG + "rect") if e.attrib.get("class") == "stop")
    assert float(stop_bar.attrib["x"]) == pytest.approx(x0 + 1.5 * per_hour, abs=0.06)  # 08:30
    assert float(stop_bar.attrib["width"]) == pytest.approx(2 * per_hour, abs=0.1)
    waits = [e for e in friday_1.iter(SVG + "rect") if e.attrib.get("class") == "wait"]
    assert len(waits) == 1  # arrived 08:00, the fair starts 08:30; no wait at the second stop
    texts = "".join(friday_1.itertext())
    assert "1. 南湾村 08:30–10:30" in texts and "2. 东村 10:50–12:50" in texts


def test_riders_are_listed_and_cut_with_a_count_when_too_many() -> None:
    root = parse(it.timeline_svg(PLAN, crews=CREWS, enterprise_names=FIRMS))
    riders = [t.text or "" for t in of_class(root, "text", "riders")]
    assert riders == ["随车企业：鑫达电子、华中物流", "随车企业：顺丰速运", ""]
    crowd = tuple(range(100, 160))
    names = {e: f"第{e}号劳务派遣有限公司" for e in crowd}
    crowded = replace(CREWS, crews=(it.BusCrew(FRIDAY, 1, crowd, 120, 0),))
    root = parse(it.timeline_svg(PLAN, crews=crowded, enterprise_names=names, language="zh"))
    text = of_class(root, "text", "riders")[0].text or ""
    assert text.startswith("随车企业：第100号劳务派遣有限公司、") and text.endswith(" 等60家")
    en = parse(it.timeline_svg(PLAN, crews=crowded, enterprise_names=names, language="en"))
    shown = of_class(en, "text", "riders")[0].text or ""
    listed = shown.removeprefix("Riding: ").rsplit(" +", 1)
    assert shown.startswith("Riding: ") and int(listed[1].split()[0]) == 60 - len(listed[0].split(", "))


def test_a_real_plan_gives_a_timeline_row_per_route(
        real: tuple[it.Campaign, it.RoutePlan, it.CrewAssignment, list[it.Enterprise]]) -> None:
    campaign, plan, crews, firms = real
    check_timeline(plan, it.timeline_svg(plan, crews=crews, enterprise_names={f.enterprise_id: f.name for f in firms},
                                         village_names={v.village_id: v.name for v in campaign.villages}))


def test_an_empty_plan_still_draws_a_timeline() -> None:
    root = parse(it.timeline_svg(replace(PLAN, routes=()), language="en"))
    assert of_class(root, "g", "row") == []
    assert of_class(root, "text", "empty")[0].text == "No routes"


# --- manifest ---------------------------------------------------------------------------------


def test_the_manifest_lists_each_bus_day_with_its_stops_and_riders() -> None:
    days = it.manifest_rows(PLAN, CREWS, enterprise_names=FIRMS, village_names={1: "东村", 2: "南湾村"},
                            staff_of=STAFF, seats=10)
    assert [d.day for d in days] == [FRIDAY, SATURDAY]
    bus = days[0].buses[0]
    assert (bus.day, bus.bus, bus.departs, bus.returns) == (FRIDAY, 1, at(FRIDAY, 7, 30), at(FRIDAY, 14, 10))
    assert [(s.order, s.village_id, s.village, s.starts, s.ends) for s in bus.stops] == [
        (1, 2, "南湾村", at(FRIDAY, 8, 30), at(FRIDAY, 10, 30)), (2, 1, "东村", at(FRIDAY, 10, 50), at(FRIDAY, 12, 50))]
    assert bus.riders == (it.ManifestRider(11, "鑫达电子", 3), it.ManifestRider(12, "华中物流", 2))
    assert (bus.seats_used, bus.seats, bus.over_capacity) == (5, 10, False)
    assert days[0].buses[1].stops[0].village == "#3"
    assert (days[1].buses[0].riders, days[1].buses[0].seats_used) == ((), 0)


def test_manifest_seats_used_is_the_riders_staff_added_up(
        real: tuple[it.Campaign, it.RoutePlan, it.CrewAssignment, list[it.Enterprise]]) -> None:
    campaign, plan, crews, firms = real
    staff = {f.enterprise_id: f.staff for f in firms}
    days = it.manifest_rows(plan, crews, enterprise_names={}, village_names={}, staff_of=staff,
                            seats=campaign.fleet.seats)
    buses = [b for d in days for b in d.buses]
    assert [(b.day, b.bus) for b in buses] == [(r.day, r.bus) for r in plan.routes]
    riding = {(c.day, c.bus): c for c in crews.crews}
    for b in buses:
        assert b.seats_used == sum(r.staff for r in b.riders) == sum(staff[e] for e in riding[b.day, b.bus]
                                                                     .enterprise_ids)
        assert b.seats_used == riding[b.day, b.bus].seats_used and not b.over_capacity
        assert all(re.fullmatch(r"#\d+", r.enterprise) for r in b.riders)


def test_a_bus_over_its_seats_is_flagged_and_missing_staff_refused() -> None:
    days = it.manifest_rows(PLAN, CREWS, enterprise_names=FIRMS, village_names={}, staff_of={**STAFF, 11: 9},
                            seats=10)
    assert (days[0].buses[0].seats_used, days[0].buses[0].over_capacity) == (11, True)
    assert it.manifest_rows(PLAN, None, enterprise_names={}, village_names={}, staff_of={})[0].buses[0].riders == ()
    with pytest.raises(InvalidInput) as caught:
        it.manifest_rows(PLAN, CREWS, enterprise_names=FIRMS, village_names={}, staff_of={11: 3})
    assert caught.value.field == "staff_of"

