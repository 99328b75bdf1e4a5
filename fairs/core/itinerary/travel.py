"""Travel times between the depot and the villages: from a road-time matrix when one is given,
otherwise estimated from great-circle distance."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from fairs.core.errors import InvalidInput
from fairs.core.itinerary.model import DEPOT, Campaign, GeoPoint

EARTH_RADIUS_KM = 6371.0
MISSING_SHOWN = 5
"""How many missing pairs an error message names."""

Seconds = npt.NDArray[np.int64]


def great_circle_km(a: GeoPoint, b: GeoPoint) -> float:
    """Haversine distance in km between two (latitude, longitude) points."""
    return float(_haversine_km(np.array([a]), np.array([b]))[0, 0])


def _haversine_km(a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Pairwise distances, rows of ``a`` × rows of ``b``."""
    lat1, lon1 = np.radians(a[:, 0])[:, None], np.radians(a[:, 1])[:, None]
    lat2, lon2 = np.radians(b[:, 0])[None, :], np.radians(b[:, 1])[None, :]
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    km: npt.NDArray[np.float64] = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
    return km


def estimated_seconds(points: Sequence[GeoPoint], detour_factor: float, average_speed_kmh: float) -> Seconds:
    """Travel seconds between every ordered pair of ``points``: great-circle km × detour factor
    ÷ average speed, rounded up to the second (so the estimate never undercuts itself through a
    third point by rounding); 0 on the diagonal."""
    coords = np.array(points, dtype=np.float64).reshape(-1, 2)
    hours = _haversine_km(coords, coords) * detour_factor / average_speed_kmh
    out: Seconds = np.ceil(hours * 3600.0 - 1e-9).astype(np.int64)
    np.fill_diagonal(out, 0)
    return out


def read_travel_matrix(text: str) -> dict[tuple[str, str], int]:
    """Parse a road-time matrix (CSV) into ``{(from, to): seconds}``.

    Two layouts are understood, told apart by the header:

    - *long*: header ``from,to,minutes`` (or ``from,to,seconds``), one row per ordered pair;
    - *square*: the first header cell is empty, ``minutes`` or ``seconds`` (the unit; empty
      means minutes), the other header cells are the labels; each row starts with its label.
      An empty cell is a missing pair.

    Labels are stripped; use ``depot`` for the depot and the village id for a village. Values
    are non-negative numbers, rounded to the nearest second; a label's own pair is 0. Every
    ordered pair of distinct labels that appear must be present: otherwise
    :class:`InvalidInput` (field ``travel_matrix``) names the first missing pairs, as it does
    for a bad number, a duplicate pair with another value, or an empty file.
    """
    rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)]
    if not rows:
        raise InvalidInput("the travel-time matrix is empty", "travel_matrix")
    header = [cell.lower() for cell in rows[0]]
    if header[:2] == ["from", "to"] and len(header) == 3 and header[2] in ("minutes", "seconds"):
        pairs, labels = _long_pairs(rows[1:], 60.0 if header[2] == "minutes" else 1.0)
    else:
        pairs, labels = _square_pairs(rows)
    missing = [(a, b) for a in labels for b in labels if a != b and (a, b) not in pairs]
    if missing:
        raise InvalidInput(_missing_message(missing), "travel_matrix", code="missing_pairs",
                           extra={"missing": [f"{a}→{b}" for a, b in missing[:100]]})
    for label in labels:
        pairs[(label, label)] = 0
    return pairs


def _number(cell: str, where: str, unit: float) -> int:
    try:
        value = float(cell)
    except ValueError:
        raise InvalidInput(f"{where}: {cell!r} is not a number", "travel_matrix") from None
    if not math.isfinite(value) or value < 0:
        raise InvalidInput(f"{where}: {cell!r} must be a non-negative number", "travel_matrix")
    return round(value * unit)


def _put(pairs: dict[tuple[str, str], int], key: tuple[str, str], value: int, where: str) -> None:
    if key in pairs and pairs[key] != value:
        raise InvalidInput(f"{where}: {key[0]}→{key[1]} is given twice with different times", "travel_matrix")
    pairs[key] = value


def _long_pairs(rows: list[list[str]], unit: float) -> tuple[dict[tuple[str, str], int], list[str]]:
    pairs: dict[tuple[str, str], int] = {}
    labels: dict[str, None] = {}
    for n, row in enumerate(rows, start=2):
        if len(row) != 3 or not row[0] or not row[1]:
            raise InvalidInput(f"line {n}: expected from,to,time", "travel_matrix")
        labels.update({row[0]: None, row[1]: None})
        if row[0] != row[1]:
            _put(pairs, (row[0], row[1]), _number(row[2], f"line {n}", unit), f"line {n}")
    return pairs, list(labels)


def _square_pairs(rows: list[list[str]]) -> tuple[dict[tuple[str, str], int], list[str]]:
    corner = rows[0][0].lower()
    if corner not in ("", "minutes", "seconds"):
        raise InvalidInput("the header must be from,to,minutes (or seconds), or a square matrix whose first "
                           "cell is empty, 'minutes' or 'seconds'", "travel_matrix")
    unit = 1.0 if corner == "seconds" else 60.0
    columns = rows[0][1:]
    if len(set(columns)) != len(columns) or "" in columns:
        raise InvalidInput("the header labels must be distinct and non-empty", "travel_matrix")
    pairs: dict[tuple[str, str], int] = {}
    labels: dict[str, None] = dict.fromkeys(columns)
    for n, row in enumerate(rows[1:], start=2):
        if len(row) > len(columns) + 1 or not row[0]:
            raise InvalidInput(f"line {n}: expected a label and at most {len(columns)} times", "travel_matrix")
        labels[row[0]] = None
        for to, cell in zip(columns, row[1:], strict=False):
            if cell and row[0] != to:
                _put(pairs, (row[0], to), _number(cell, f"line {n}, column {to}", unit), f"line {n}")
    return pairs, list(labels)


def _missing_message(missing: list[tuple[str, str]]) -> str:
    shown = ", ".join(f"{a}→{b}" for a, b in missing[:MISSING_SHOWN])
    more = f" and {len(missing) - MISSING_SHOWN} more" if len(missing) > MISSING_SHOWN else ""
    return f"the travel-time matrix misses {len(missing)} pair(s): {shown}{more}"


def campaign_travel_seconds(campaign: Campaign) -> Seconds:
    """The (1 + villages)² matrix of travel seconds, depot first, villages in campaign order:
    from ``campaign.travel_seconds`` when given (every ordered pair of the depot and the
    villages must be there, else :class:`InvalidInput` on ``travel_matrix`` naming the missing
    pairs), else estimated (:func:`estimated_seconds`)."""
    if campaign.travel_seconds is None:
        points = [campaign.fleet.depot, *(v.location for v in campaign.villages)]
        return estimated_seconds(points, campaign.detour_factor, campaign.average_speed_kmh)
    return _from_pairs(campaign.travel_seconds, [DEPOT, *(str(v.village_id) for v in campaign.villages)])


def _from_pairs(pairs: Mapping[tuple[str, str], int], labels: list[str]) -> Seconds:
    n = len(labels)
    out = np.zeros((n, n), np.int64)
    missing: list[tuple[str, str]] = []
    for i, a in enumerate(labels):
        for j, b in enumerate(labels):
            if i == j:
                continue
            value = pairs.get((a, b))
            if value is None:
                missing.append((a, b))
            elif value < 0:
                raise InvalidInput(f"{a}→{b}: travel time must not be negative", "travel_matrix")
            else:
                out[i, j] = value
    if missing:
        raise InvalidInput(_missing_message(missing), "travel_matrix", code="missing_pairs",
                           extra={"missing": [f"{a}→{b}" for a, b in missing[:100]]})
    return out
