"""Booth rows of a floor-plan import (CSV or JSON), checked before anything is written."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from fairs.core.errors import FieldProblem, InvalidInput

FEATURES = frozenset({"power", "corner", "accessible", "near_entrance", "water", "internet"})
COLUMNS = ("code", "zone", "x_m", "y_m", "width_m", "depth_m", "features", "price_yuan", "fee_waived")


@dataclass(frozen=True)
class BoothRow:
    code: str
    zone: str = ""
    x_m: float | None = None
    y_m: float | None = None
    width_m: float = 3.0
    depth_m: float = 3.0
    features: tuple[str, ...] = ()
    price_yuan: int | None = None
    fee_waived: bool = False


def read_booth_csv(text: str) -> list[BoothRow]:
    """Header ``code,zone,x_m,y_m,width_m,depth_m,features,price_yuan,fee_waived`` (only
    ``code`` is required; features separated by ``;``; fee_waived ``yes``/``true``/``1``/``是``).
    Every bad cell is reported at once as ``rows[i].column``."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None or "code" not in [f.strip() for f in reader.fieldnames]:
        raise InvalidInput("the header must name at least the code column", "file")
    rows, problems = [], []
    for i, raw in enumerate(reader):
        cell = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        values: dict[str, object] = {"code": cell.get("code", ""), "zone": cell.get("zone", "")}
        for name in ("x_m", "y_m", "width_m", "depth_m"):
            if cell.get(name):
                try:
                    values[name] = float(cell[name])
                except ValueError:
                    problems.append(FieldProblem(f"rows[{i}].{name}", "must be a number of metres"))
        if cell.get("price_yuan"):
            try:
                values["price_yuan"] = int(cell["price_yuan"])
            except ValueError:
                problems.append(FieldProblem(f"rows[{i}].price_yuan", "must be a whole number of yuan"))
        values["features"] = tuple(f.strip() for f in cell.get("features", "").split(";") if f.strip())
        values["fee_waived"] = cell.get("fee_waived", "").lower() in ("yes", "true", "1", "是", "y")
        rows.append(BoothRow(**values))  # type: ignore[arg-type]
    if problems:
        raise InvalidInput(f"{len(problems)} problem(s) in the file", problems=problems)
    return rows


def check_rows(rows: list[BoothRow]) -> None:
    """Codes present and unique, known features, sizes and prices sensible."""
    problems: list[FieldProblem] = []
    seen: dict[str, int] = {}
    for i, row in enumerate(rows):
        if not row.code or len(row.code) > 20:
            problems.append(FieldProblem(f"rows[{i}].code", "must be 1 to 20 characters"))
        elif row.code in seen:
            problems.append(FieldProblem(f"rows[{i}].code", f"appears again (first in rows[{seen[row.code]}])"))
        else:
            seen[row.code] = i
        unknown = sorted(set(row.features) - FEATURES)
        if unknown:
            problems.append(FieldProblem(f"rows[{i}].features", f"unknown feature {unknown[0]!r}; known: "
                                                                f"{', '.join(sorted(FEATURES))}"))
        if not 0 < row.width_m <= 100 or not 0 < row.depth_m <= 100:
            problems.append(FieldProblem(f"rows[{i}].width_m", "sizes must be between 0 and 100 metres"))
        if row.price_yuan is not None and row.price_yuan < 0:
            problems.append(FieldProblem(f"rows[{i}].price_yuan", "must not be negative"))
        if (row.x_m is None) != (row.y_m is None):
            problems.append(FieldProblem(f"rows[{i}].x_m", "give both x_m and y_m, or neither"))
    if problems:
        raise InvalidInput(f"{len(problems)} problem(s) in the booths", problems=problems)
