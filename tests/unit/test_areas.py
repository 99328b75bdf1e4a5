from __future__ import annotations

import pytest

from fairs.core.areas import AreaRow, KnownArea, in_subtree, next_path, plan_import, read_area_csv
from fairs.core.errors import InvalidInput

CITY = KnownArea("430200000000", "city", "430200000000")


def test_a_subtree_is_a_range_of_paths():
    root = "430200000000430211000000"
    assert next_path(root) == "430200000000430211000001"
    inside = root + "430211001000"
    outside = "430200000000430212000000"
    assert root <= inside < next_path(root)
    assert not root <= outside < next_path(root)
    assert in_subtree(inside, root) and not in_subtree(outside, root)


def test_children_may_come_before_their_parents_in_a_file():
    rows = [AreaRow("430211001000", "嵩山路街道", "township", "430211000000"),
            AreaRow("430211000000", "天元区", "county", "430200000000")]
    plan = plan_import(rows, {"430200000000": CITY}, "430200000000")
    assert [(row.code, path) for row, path in plan] == [
        ("430211000000", "430200000000430211000000"),
        ("430211001000", "430200000000430211000000430211001000")]


def test_an_existing_area_cannot_move():
    known = {"430200000000": CITY, "430211000000": KnownArea("430211000000", "county", "430200000000430211000000")}
    with pytest.raises(InvalidInput) as error:
        plan_import([AreaRow("430211000000", "天元区", "township", "430200000000")], known, "")
    assert [p.field for p in error.value.problems] == ["rows[0].parent_code"]


def test_a_csv_with_a_bad_number_names_the_row():
    with pytest.raises(InvalidInput) as error:
        read_area_csv("code,name,level,parent_code,latitude\n430211000000,天元区,county,430200000000,north\n")
    assert [p.field for p in error.value.problems] == ["rows[0].latitude"]


def test_a_csv_without_the_needed_columns_is_refused():
    with pytest.raises(InvalidInput) as error:
        read_area_csv("code,name\n1,2\n")
    assert error.value.field == "file"
