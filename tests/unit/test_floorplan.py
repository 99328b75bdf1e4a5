"""Specification of the floor plan SVG (fairs.core.floorplan), checked by parsing the output back."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from typing import Any

import pytest

from fairs.core.errors import InvalidInput
from fairs.core.floorplan import (
    HATCH_BACKGROUND,
    HATCH_LINE,
    MAX_CODE_FONT,
    MIN_CODE_FONT,
    STATE_FILL,
    STATE_TEXT,
    STATES,
    ZONE_PALETTE,
    Plan,
    PlanBooth,
    fit_text,
    grid_size,
    layout_grid,
    render_svg,
    text_width_em,
    zone_colour,
)

SVG = "{http://www.w3.org/2000/svg}"
COMPANY = "株洲中车时代电气股份有限公司"


def booth(code: str, x: float = 0.0, y: float = 0.0, **changes: Any) -> PlanBooth:
    values: dict[str, Any] = dict(code=code, zone="manufacturing", x_m=x, y_m=y, width_m=3.0, depth_m=3.0,
                                  state="free")
    values.update(changes)
    return PlanBooth(**values)


def hall(*booths: PlanBooth, **changes: Any) -> Plan:
    values: dict[str, Any] = dict(name="一号馆 Hall 1", width_m=30.0, depth_m=20.0, booths=booths,
                                  title="株洲市2027年“311”就业服务节")
    values.update(changes)
    return Plan(**values)


def four_states() -> Plan:
    return hall(
        booth("A01", 0, 0, state="free", features=("power", "accessible")),
        booth("A02", 3, 0, state="held", label=COMPANY),
        booth("A03", 6, 0, state="reserved", zone="services"),
        booth("A04", 9, 0, state="blocked", zone="livestream"),
        booth("A05", 12, 0, state="free", zone="priority", highlight=True),
    )


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def booth_groups(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if (g.get("class") or "").split()[:1] == ["booth"]]


def group(root: ET.Element, code: str) -> ET.Element:
    found = [g for g in booth_groups(root) if g.get("data-code") == code]
    assert len(found) == 1
    return found[0]


def legend_states(root: ET.Element) -> dict[str, ET.Element]:
    return {g.get("data-state", ""): g for g in root.iter(f"{SVG}g") if g.get("class") == "legend-item state"}


def text_of(element: ET.Element) -> str:
    return "".join(element.itertext())


def view_box(root: ET.Element) -> tuple[float, float, float, float]:
    x, y, w, h = (float(v) for v in root.get("viewBox", "").split())
    return x, y, w, h


# --------------------------------------------------------------------------- the document


def test_standalone_document_with_title_description_and_phone_friendly_scaling() -> None:
    svg = render_svg(four_states())
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" ')
    assert root.get("width") == "100%"
    assert root.get("preserveAspectRatio") == "xMidYMin meet"
    assert root.get("role") == "img"
    ids = (root.get("aria-labelledby") or "").split()
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert ids == [title.get("id"), desc.get("id")]
    assert text_of(title) == "一号馆 Hall 1 · 株洲市2027年“311”就业服务节"
    assert "5 展位 booths" in text_of(desc) and "空闲 Free 2" in text_of(desc)


def test_view_box_holds_header_plan_and_legend_below_it_at_ten_units_per_metre() -> None:
    root = parse(render_svg(four_states()))
    _, _, width, height = view_box(root)
    floor = next(r for r in root.iter(f"{SVG}rect") if r.get("class") == "floor")
    assert float(floor.get("width", "")) == 300 and float(floor.get("height", "")) == 200  # 30 m × 20 m
    floor_top = float(floor.get("y", ""))
    floor_bottom = floor_top + 200
    header = [t for t in root.iter(f"{SVG}text") if t.get("class") in ("plan-name", "plan-title")]
    assert [text_of(t) for t in header] == ["一号馆 Hall 1", "株洲市2027年“311”就业服务节"]
    assert all(float(t.get("y", "")) < floor_top for t in header)
    for item in legend_states(root).values():
        swatch = item.find(f"{SVG}rect")
        assert swatch is not None
        top = float(swatch.get("y", ""))
        assert floor_bottom < top < height
        assert float(swatch.get("x", "")) + float(swatch.get("width", "")) < width
    a01 = group(root, "A01").find(f"{SVG}rect")
    assert a01 is not None and float(a01.get("width", "")) == 30 and float(a01.get("y", "")) == floor_top


def test_a_small_plan_still_gets_a_legible_header_and_legend() -> None:
    village = hall(booth("V01", zone="village"), width_m=6.0, depth_m=4.0)
    root = parse(render_svg(village))
    _, _, width, _ = view_box(root)
    sizes = [float(t.get("font-size", "")) for g in legend_states(root).values() for t in g.iter(f"{SVG}text")]
    # the document is at least ~320 units wide, so legend text is ~1/26 of the width on screen
    assert width >= 320 and min(sizes) >= width / 30


# --------------------------------------------------------------------------- booths


def test_one_group_per_booth_with_id_class_and_data_attributes() -> None:
    plan = four_states()
    root = parse(render_svg(plan))
    groups = booth_groups(root)
    assert len(groups) == len(plan.booths)
    for g, b in zip(groups, plan.booths, strict=True):
        assert g.get("id") == f"booth-{b.code}"
        assert g.get("class") == f"booth {b.state}"
        assert (g.get("data-code"), g.get("data-state"), g.get("data-zone")) == (b.code, b.state, b.zone)
    assert group(root, "A01").get("data-features") == "power accessible"


@pytest.mark.parametrize(
    ("state", "fill"),
    [("free", "#e8f5e9"), ("held", "#ffc107"), ("reserved", "#b0bec5"), ("blocked", "url(#fp-hatch)")],
)
def test_fill_by_state(state: str, fill: str) -> None:
    root = parse(render_svg(hall(booth("A01", state=state))))
    rect = group(root, "A01").find(f"{SVG}rect")
    assert rect is not None and rect.get("fill") == fill
    assert rect.get("stroke")
    codes = [t for t in group(root, "A01").iter(f"{SVG}text") if t.get("class") == "code"]
    assert [t.get("fill") for t in codes] == [STATE_TEXT[state]]


def test_blocked_fill_is_a_pattern_defined_in_defs() -> None:
    root = parse(render_svg(hall(booth("A01", state="blocked"))))
    defs = root.find(f"{SVG}defs")
    assert defs is not None
    pattern = defs.find(f"{SVG}pattern")
    assert pattern is not None and STATE_FILL["blocked"] == f"url(#{pattern.get('id')})"


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("state", STATES)
def test_booth_text_contrasts_with_its_fill(state: str) -> None:
    backgrounds = [HATCH_BACKGROUND, HATCH_LINE] if state == "blocked" else [STATE_FILL[state]]
    for background in backgrounds:
        assert _contrast(STATE_TEXT[state], background) >= 4.5, (state, background)
    if state == "blocked":
        assert STATE_TEXT[state] == "#ffffff"  # light text on the dark fill


def test_tooltip_names_code_zone_and_state_in_the_language_order() -> None:
    plan = hall(booth("A03", zone="manufacturing", state="free"))
    zh = group(parse(render_svg(plan, "zh")), "A03").find(f"{SVG}title")
    en = group(parse(render_svg(plan, "en")), "A03").find(f"{SVG}title")
    assert zh is not None and text_of(zh) == "A03 · 制造业 manufacturing · 空闲 Free"
    assert en is not None and text_of(en) == "A03 · manufacturing 制造业 · Free 空闲"
    other = group(parse(render_svg(hall(booth("X1", zone="仓储 storage", state="held")))), "X1").find(f"{SVG}title")
    assert other is not None and text_of(other) == "X1 · 仓储 storage · 保留中 Held"


def test_code_is_centred_and_its_size_clamped() -> None:
    tiny = booth("T1", width_m=0.8, depth_m=0.8)
    huge = booth("H1", 10, 0, width_m=20.0, depth_m=15.0)
    root = parse(render_svg(hall(tiny, huge)))
    for code in ("T1", "H1"):
        g = group(root, code)
        rect = g.find(f"{SVG}rect")
        text = next(t for t in g.iter(f"{SVG}text") if t.get("class") == "code")
        assert rect is not None and text.get("text-anchor") == "middle"
        centre = float(rect.get("x", "")) + float(rect.get("width", "")) / 2
        assert float(text.get("x", "")) == pytest.approx(centre, abs=0.01)
        assert MIN_CODE_FONT <= float(text.get("font-size", "")) <= MAX_CODE_FONT
    big = next(t for t in group(root, "H1").iter(f"{SVG}text") if t.get("class") == "code")
    assert float(big.get("font-size", "")) == MAX_CODE_FONT


def test_label_is_a_smaller_second_line_cut_to_the_booth_width() -> None:
    root = parse(render_svg(hall(booth("A02", label=COMPANY), booth("A03", 3, 0, width_m=8.0, label="湘渝农业"))))
    texts = {t.get("class"): t for t in group(root, "A02").iter(f"{SVG}text")}
    code, label = texts["code"], texts["label"]
    assert float(label.get("font-size", "")) < float(code.get("font-size", ""))
    assert float(label.get("y", "")) > float(code.get("y", ""))
    shown = text_of(label)
    assert shown.endswith("…") and COMPANY.startswith(shown[:-1]) and len(shown) < len(COMPANY)
    assert text_width_em(shown) * float(label.get("font-size", "")) <= 30  # the booth is 30 units wide
    whole = next(t for t in group(root, "A03").iter(f"{SVG}text") if t.get("class") == "label")
    assert text_of(whole) == "湘渝农业"
    assert COMPANY in text_of(group(root, "A02").find(f"{SVG}title"))  # type: ignore[arg-type]


def test_label_is_left_out_when_the_booth_is_too_shallow() -> None:
    root = parse(render_svg(hall(booth("A01", depth_m=1.0, label=COMPANY))))
    assert [t.get("class") for t in group(root, "A01").iter(f"{SVG}text")] == ["code"]


def test_fit_text() -> None:
    assert fit_text("A03", 5) == "A03"
    assert fit_text("一二三四五", 5) == "一二三四五"
    assert fit_text("一二三四五六", 5) == "一二三四…"
    assert fit_text("一二三", 0.5) == ""


def test_feature_marks_for_power_and_accessible() -> None:
    root = parse(render_svg(hall(booth("A01", width_m=4.0, depth_m=4.0, features=("power", "corner", "accessible")))))
    marks = [t for t in group(root, "A01").iter(f"{SVG}text") if t.get("class") == "marks"]
    assert [text_of(t) for t in marks] == ["⚡♿"]


def test_highlight_draws_a_thick_outline() -> None:
    root = parse(render_svg(four_states()))
    outlines = {
        g.get("data-code"): [r for r in g.iter(f"{SVG}rect") if r.get("class") == "highlight"]
        for g in booth_groups(root)
    }
    assert {code for code, found in outlines.items() if found} == {"A05"}
    (outline,) = outlines["A05"]
    assert outline.get("fill") == "none" and float(outline.get("stroke-width", "")) >= 2
    assert group(root, "A05").get("data-highlight") == "true"
    assert group(root, "A04").get("data-highlight") is None
    desc = root.find(f"{SVG}desc")
    assert desc is not None and "您的展位 Your booth: A05" in text_of(desc)


def test_zone_band_colour_is_stable_and_from_the_palette() -> None:
    root = parse(render_svg(four_states()))
    for g in booth_groups(root):
        band = next(r for r in g.iter(f"{SVG}rect") if r.get("class") == "zone")
        assert band.get("fill") == zone_colour(g.get("data-zone", ""))
    assert zone_colour("manufacturing") == "#6d4c41"  # crc32, not the salted hash()
    demo = ["manufacturing", "services", "priority", "livestream", "village"]
    assert all(zone_colour(z) in ZONE_PALETTE for z in demo)
    assert len({zone_colour(z) for z in demo}) == len(demo)


# --------------------------------------------------------------------------- legend


def test_legend_counts_each_state() -> None:
    plan = hall(*(booth(f"A{i:02d}", 3 * (i % 10), 3 * (i // 10), state=s)
                  for i, s in enumerate(["free"] * 7 + ["held"] * 3 + ["reserved"] * 2)))
    items = legend_states(parse(render_svg(plan)))
    assert list(items) == list(STATES)
    expected = {"free": 7, "held": 3, "reserved": 2, "blocked": 0}
    for state, count in expected.items():
        assert items[state].get("data-count") == str(count)
        assert text_of(items[state]).endswith(f" {count}")
    swatches = {state: item.find(f"{SVG}rect") for state, item in items.items()}
    assert {state: r.get("fill") for state, r in swatches.items() if r is not None} == dict(STATE_FILL)


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("zh", ["空闲 Free 2", "保留中 Held 1", "已预订 Reserved 1", "不可用 Blocked 1"]),
        ("en", ["Free 空闲 2", "Held 保留中 1", "Reserved 已预订 1", "Blocked 不可用 1"]),
    ],
)
def test_legend_is_bilingual_with_the_language_first(language: str, texts: list[str]) -> None:
    root = parse(render_svg(four_states(), language))  # type: ignore[arg-type]
    assert [text_of(item) for item in legend_states(root).values()] == texts
    zones = [text_of(g) for g in root.iter(f"{SVG}g") if g.get("class") == "legend-item zone"]
    first = "制造业 manufacturing" if language == "zh" else "manufacturing 制造业"
    assert zones[0] == first and len(zones) == 4


def test_legend_count_is_never_cut_even_for_big_plans() -> None:
    codes = [f"B{i:04d}" for i in range(1200)]
    plan = hall(*(booth(c, x, y, width_m=1.0, depth_m=1.0, state="blocked")
                  for c, x, y in layout_grid(codes, 40, 1.0, 1.0, 0.5)), width_m=40, depth_m=45)
    item = legend_states(parse(render_svg(plan)))["blocked"]
    assert text_of(item) == "不可用 Blocked 1200"


# --------------------------------------------------------------------------- hostile text


def test_user_text_is_escaped_and_the_output_parses() -> None:
    hostile = '<script>alert("x")</script>'
    plan = hall(
        booth(hostile, state="held", zone="<b>&zone", label="A&B <img src=x onerror=alert(1)>"),
        booth("R&D", 3, 0, label='"quoted" & \'single\''),
        name="Hall & <script>", title="</svg><script>evil()</script>",
    )
    svg = render_svg(plan)
    assert "<script" not in svg and "<img" not in svg and "</svg><" not in svg
    assert "&lt;script&gt;" in svg and "R&amp;D" in svg and "Hall &amp; &lt;script&gt;" in svg
    root = parse(svg)
    assert len(booth_groups(root)) == 2
    first = group(root, hostile)
    assert first.get("id") == f"booth-{hostile}" and first.get("data-zone") == "<b>&zone"
    title = root.find(f"{SVG}title")
    assert title is not None and text_of(title) == "Hall & <script> · </svg><script>evil()</script>"
    assert not any(el.tag.endswith("script") for el in root.iter())


def test_characters_xml_cannot_carry_are_dropped() -> None:
    plan = hall(booth("A\x0001", label="bad\x07\x1b text\ud800"), name="Hall\x0c 1\nnew line")
    root = parse(render_svg(plan))
    assert group(root, "A01").get("id") == "booth-A01"
    names = [text_of(t) for t in root.iter(f"{SVG}text") if t.get("class") == "plan-name"]
    assert names == ["Hall 1 new line"]


# --------------------------------------------------------------------------- validation


def test_booths_may_touch_the_edges() -> None:
    corners = hall(booth("A", 0, 0), booth("B", 27, 0), booth("C", 0, 17), booth("D", 27, 17))
    assert len(booth_groups(parse(render_svg(corners)))) == 4


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"x_m": -0.5}, "booths[3].x_m"),
        ({"x_m": 27.5}, "booths[3].x_m"),  # right edge at 30.5 m of 30
        ({"y_m": -1.0}, "booths[3].y_m"),
        ({"y_m": 17.01}, "booths[3].y_m"),  # bottom edge past 20 m
        ({"x_m": float("nan")}, "booths[3].x_m"),
        ({"width_m": 0.0}, "booths[3].width_m"),
        ({"depth_m": -3.0}, "booths[3].depth_m"),
        ({"state": "sold"}, "booths[3].state"),
        ({"code": "  "}, "booths[3].code"),
    ],
)
def test_a_bad_booth_is_named_by_its_field(changes: dict[str, Any], field: str) -> None:
    booths = [booth(f"A0{i}", 3 * i, 0) for i in range(5)]
    booths[3] = replace(booths[3], **changes)
    with pytest.raises(InvalidInput) as caught:
        render_svg(hall(*booths))
    assert caught.value.field == field


def test_duplicate_codes_name_the_second_one() -> None:
    with pytest.raises(InvalidInput) as caught:
        render_svg(hall(booth("A01"), booth("A02", 3), booth("A01", 6)))
    assert caught.value.field == "booths[2].code"
    assert "A01" in caught.value.detail


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"width_m": 0.0}, "width_m"), ({"depth_m": -5.0}, "depth_m"), ({"width_m": float("inf")}, "width_m")],
)
def test_plan_size_must_be_positive(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        render_svg(hall(**changes))
    assert caught.value.field == field


def test_unknown_language_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        render_svg(hall(), "fr")  # type: ignore[arg-type]
    assert caught.value.field == "language"


def test_an_empty_plan_renders() -> None:
    root = parse(render_svg(hall(name="")))
    assert booth_groups(root) == []
    assert [text_of(i) for i in legend_states(root).values()][0] == "空闲 Free 0"


# --------------------------------------------------------------------------- grid layout


def test_layout_grid_is_row_major_with_an_aisle_between_every_row() -> None:
    codes = [f"A{i:02d}" for i in range(1, 12)]
    positions = layout_grid(codes, columns=4, booth_width_m=3.0, booth_depth_m=2.5, aisle_m=2.0)
    assert [c for c, _, _ in positions] == codes
    assert positions[:5] == [("A01", 0, 0), ("A02", 3, 0), ("A03", 6, 0), ("A04", 9, 0), ("A05", 0, 4.5)]
    rows = sorted({y for _, _, y in positions})
    assert rows == [0, 4.5, 9.0]
    for upper, lower in itertools.pairwise(rows):
        assert lower - (upper + 2.5) == pytest.approx(2.0)  # the aisle
    for row in rows:
        xs = [x for _, x, y in positions if y == row]
        assert len(xs) <= 4 and xs == [3.0 * k for k in range(len(xs))]


def test_layout_grid_booths_never_overlap_and_fit_grid_size() -> None:
    codes = [str(i) for i in range(23)]
    positions = layout_grid(codes, columns=5, booth_width_m=2.0, booth_depth_m=3.0, aisle_m=1.5)
    boxes = [(x, y, x + 2.0, y + 3.0) for _, x, y in positions]
    for a, b in itertools.combinations(boxes, 2):
        assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
    width, depth = grid_size(len(codes), 5, 2.0, 3.0, 1.5)
    assert (width, depth) == (10.0, 5 * 3.0 + 4 * 1.5)
    assert max(b[2] for b in boxes) == width and max(b[3] for b in boxes) == depth
    plan = hall(*(booth(c, x, y, width_m=2.0) for c, x, y in positions), width_m=width, depth_m=depth)
    assert len(booth_groups(parse(render_svg(plan)))) == 23
    assert grid_size(0, 5) == (0.0, 0.0) and grid_size(3, 5) == (9.0, 3.0)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"columns": 0}, "columns"),
        ({"columns": 2, "booth_width_m": 0.0}, "booth_width_m"),
        ({"columns": 2, "booth_depth_m": -1.0}, "booth_depth_m"),
        ({"columns": 2, "aisle_m": -0.5}, "aisle_m"),
    ],
)
def test_layout_grid_refuses_bad_arguments(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        layout_grid(["A", "B"], **kwargs)
    assert caught.value.field == field


def test_layout_grid_refuses_duplicate_codes() -> None:
    with pytest.raises(InvalidInput) as caught:
        layout_grid(["A", "B", "A"], 2)
    assert caught.value.field == "codes[2]"


def test_layout_grid_with_no_aisle_packs_rows() -> None:
    assert layout_grid(["A", "B", "C"], 2, aisle_m=0) == [("A", 0, 0), ("B", 3.0, 0), ("C", 0, 3.0)]


# --------------------------------------------------------------------------- determinism and size


def test_same_input_same_output() -> None:
    assert render_svg(four_states()) == render_svg(four_states())
    assert render_svg(four_states(), "en") == render_svg(four_states(), "en")
    assert render_svg(four_states()) != render_svg(four_states(), "en")


def test_output_does_not_depend_on_the_hash_seed() -> None:
    script = (
        "from tests.unit.test_floorplan import four_states;"
        "from fairs.core.floorplan import render_svg;"
        "import hashlib,sys;sys.stdout.write(hashlib.sha256(render_svg(four_states()).encode()).hexdigest())"
    )
    digests = set()
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True,
                              cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
        digests.add(done.stdout)
    assert len(digests) == 1


def test_a_1200_booth_plan_renders_under_one_and_a_half_megabytes() -> None:
    codes = [f"{chr(65 + i // 100)}{i % 100:02d}" for i in range(1200)]
    zones = ["manufacturing", "services", "livestream", "priority", "物流 logistics"]
    positions = layout_grid(codes, columns=40)
    width, depth = grid_size(len(codes), 40)
    plan = Plan(
        name="国际会展中心 1-3号馆 Halls 1-3", width_m=width, depth_m=depth, title="2027 春风行动 大型招聘会",
        booths=tuple(
            PlanBooth(code, zones[i % 5], x, y, 3.0, 3.0, STATES[i % 4],
                      ("power", "corner", "accessible", "near_entrance")[: i % 5],
                      label=COMPANY if i % 2 else "", highlight=i == 617)
            for i, (code, x, y) in enumerate(positions)
        ),
    )
    svg = render_svg(plan)
    assert len(svg.encode()) < 1_500_000
    root = parse(svg)
    assert len(booth_groups(root)) == 1200
    assert {s: i.get("data-count") for s, i in legend_states(root).items()} == {s: "300" for s in STATES}
