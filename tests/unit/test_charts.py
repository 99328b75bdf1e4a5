"""Charts as SVG: well-formed, accessible, in proportion, escaped, and calm about no data."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from fairs.core.charts import Bar, StackedRow, bar_chart, bin_values, funnel, histogram, number_text, stacked_bars

SVG = "{http://www.w3.org/2000/svg}"


def parsed(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def bars_of(root: ET.Element, css: str = "bar") -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}rect") if e.get("class") == css]


def test_a_bar_chart_is_an_accessible_image_with_its_figures_in_the_description():
    svg = bar_chart([Bar("覆盖率", 80, "80%"), Bar("重点群体覆盖率", 100)], ident="cov", title="覆盖情况",
                    desc="有面试的求职者占比。", unit="%")
    root = parsed(svg)

    assert root.get("role") == "img" and root.get("aria-labelledby") == "cov-title cov-desc"
    assert root.find(f"{SVG}title").text == "覆盖情况"
    assert root.find(f"{SVG}title").get("id") == "cov-title"
    assert root.find(f"{SVG}desc").text == "有面试的求职者占比。 覆盖率: 80% (80%); 重点群体覆盖率: 100%"
    assert root.get("width") == "100%"


def test_bar_lengths_are_in_proportion_to_the_values_from_zero():
    root = parsed(bar_chart([Bar("a", 10), Bar("b", 25), Bar("c", 0), Bar("d", 50)], ident="x", title="t", desc="d"))
    widths = {b.get("data-label"): float(b.get("width")) for b in bars_of(root)}

    assert widths["c"] == 0
    assert widths["d"] == pytest.approx(5 * widths["a"], rel=1e-3)
    assert widths["b"] == pytest.approx(2.5 * widths["a"], rel=1e-3)


def test_a_fixed_full_length_makes_shares_comparable_between_charts():
    half = parsed(bar_chart([Bar("a", 0.5)], ident="x", title="t", desc="d", max_value=1))
    full = parsed(bar_chart([Bar("a", 1.0)], ident="y", title="t", desc="d", max_value=1))

    assert float(bars_of(half)[0].get("width")) == pytest.approx(float(bars_of(full)[0].get("width")) / 2, rel=1e-3)


def test_histogram_heights_are_in_proportion_to_the_counts_and_sit_on_one_baseline():
    root = parsed(histogram([Bar("0–20", 2), Bar("20–40", 6), Bar("40–60", 3)], ident="fit", title="t", desc="d"))
    columns = bars_of(root)
    heights = [float(c.get("height")) for c in columns]
    bottoms = {round(float(c.get("y")) + float(c.get("height")), 3) for c in columns}

    assert [c.get("data-value") for c in columns] == ["2", "6", "3"]
    assert heights[1] == pytest.approx(3 * heights[0], rel=1e-3)
    assert heights[2] == pytest.approx(1.5 * heights[0], rel=1e-3)
    assert len(bottoms) == 1


def test_values_are_binned_with_the_last_edge_included():
    assert bin_values([0, 5, 19.9, 20, 100, 101, -1], [0, 20, 50, 100]) == [
        Bar("0–20", 3), Bar("20–50", 1), Bar("50–100", 1)]
    with pytest.raises(ValueError):
        bin_values([1], [5, 5])


def test_labels_and_titles_are_escaped_and_cleaned():
    nasty = '<script>alert("x")</script> & \x00"quoted"'
    svg = bar_chart([Bar(nasty, 3)], ident='id" onload="x', title=nasty, desc=nasty)
    root = parsed(svg)  # parses: nothing broke out of its element or attribute

    assert "<script>" not in svg and "\x00" not in svg
    assert root.find(f"{SVG}title").text == '<script>alert("x")</script> & "quoted"'
    assert bars_of(root)[0].get("data-label") == '<script>alert("x")</script> & "quoted"'
    assert root.get("id") == "idonloadx"
    stacked = parsed(stacked_bars([StackedRow(nasty, (1, 2))], ["<b>", "&"], ident="s", title=nasty, desc=""))
    assert {e.get("data-series") for e in bars_of(stacked, "segment")} == {"<b>", "&"}


@pytest.mark.parametrize("draw", [
    lambda: bar_chart([], ident="e", title="空", desc="没有数据", empty_text="暂无数据"),
    lambda: histogram([Bar("0–10", 0)], ident="e", title="空", desc="没有数据", empty_text="暂无数据"),
    lambda: stacked_bars([], ["a"], ident="e", title="空", desc="没有数据", empty_text="暂无数据"),
    lambda: funnel([Bar("a", 0)], ident="e", title="空", desc="没有数据", empty_text="暂无数据"),
])
def test_no_data_draws_the_frame_and_says_so(draw):
    root = parsed(draw())

    assert bars_of(root) == [] and bars_of(root, "segment") == []
    assert [t.text for t in root.iter(f"{SVG}text")] == ["暂无数据"]
    assert root.find(f"{SVG}desc").text == "没有数据 暂无数据"
    assert root.get("role") == "img"


def test_stacked_segments_are_in_proportion_and_told_apart_by_pattern_as_well_as_colour():
    rows = [StackedRow("制造业", (6, 2, 0, 2)), StackedRow("服务业", (1, 0, 1, 3))]
    root = parsed(stacked_bars(rows, ["已预订", "保留中", "不可用", "空闲"], ident="occ", title="t", desc="d"))
    segments = bars_of(root, "segment")
    width = {(s.get("data-series"), s.get("data-value")): float(s.get("width")) for s in segments}
    patterns = [p for p in root.iter(f"{SVG}pattern")]

    assert len(segments) == 6  # zero values draw nothing
    assert width[("已预订", "6")] == pytest.approx(6 * width[("已预订", "1")], rel=1e-3)
    assert width[("空闲", "3")] == pytest.approx(1.5 * width[("保留中", "2")], rel=1e-3)
    assert [p.get("id") for p in patterns] == ["occ-s0", "occ-s1", "occ-s2", "occ-s3"]
    assert len({ET.tostring(p) for p in patterns}) == 4  # each series looks different, colour aside
    assert [t.text for t in root.iter(f"{SVG}text") if t.text in ("已预订", "保留中", "不可用", "空闲")] == [
        "已预订", "保留中", "不可用", "空闲"]  # the legend


def test_shares_fill_every_row():
    rows = [StackedRow("a", (1, 1)), StackedRow("b", (5, 15))]
    root = parsed(stacked_bars(rows, ["x", "y"], ident="s", title="t", desc="d", share=True))
    segments = bars_of(root, "segment")
    totals = [float(segments[0].get("width")) + float(segments[1].get("width")),
              float(segments[2].get("width")) + float(segments[3].get("width"))]

    assert totals[0] == pytest.approx(totals[1])
    assert float(segments[3].get("width")) == pytest.approx(3 * float(segments[2].get("width")))


def test_a_funnel_centres_its_steps_and_gives_each_its_share_of_the_first():
    root = parsed(funnel([Bar("报名", 200), Bar("有面试", 150), Bar("签到", 50)], ident="f", title="t", desc="d"))
    steps = bars_of(root)
    centres = [float(s.get("x")) + float(s.get("width")) / 2 for s in steps]
    texts = [t.text for t in root.iter(f"{SVG}text")]

    assert max(centres) - min(centres) < 0.02  # one axis (coordinates are written to 0.01)
    assert float(steps[0].get("width")) == pytest.approx(4 * float(steps[2].get("width")), rel=1e-3)
    assert "150 · 75%" in texts and "50 · 25%" in texts and "200" in texts


def test_the_same_input_gives_the_same_bytes_and_numbers_read_plainly():
    args = ([Bar("a", 1.5), Bar("b", 3)],)
    assert bar_chart(*args, ident="a", title="t", desc="d") == bar_chart(*args, ident="a", title="t", desc="d")
    assert [number_text(v) for v in (3, 3.0, 0.125, 2.5, float("nan"))] == ["3", "3", "0.12", "2.5", "—"]


def test_negative_and_missing_values_are_drawn_as_zero():
    root = parsed(bar_chart([Bar("a", -5), Bar("b", float("inf")), Bar("c", 2)], ident="n", title="t", desc="d"))

    assert [b.get("data-value") for b in bars_of(root)] == ["0", "0", "2"]
    assert float(bars_of(root)[0].get("width")) == 0
