"""Candidate pairs: every attendee × organization pair that may meet, scored, found through
indexes by token and map cell rather than by trying every pair."""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from fairs.core.matching.event import _Event, _prepare
from fairs.core.matching.fit_score import _haversine, _rank_points
from fairs.core.matching.model import (
    COMMUTE_BANDS_KM,
    EARTH_RADIUS_KM,
    FOOD_AND_LODGING_POINTS,
    INDUSTRY_POINTS,
    PART_TIME_POINTS,
    SKILL_POINTS,
    SKILLS_COUNTED,
    Bools,
    Candidate,
    Ints,
    MatchingInput,
    Opening,
)


@dataclass(frozen=True)
class CandidatePairs:
    """Every attendee × organization pair that may meet, with the organization's best position
    for the attendee (highest fit, then lower position id). Equal-length arrays sorted by
    attendee index (into ``problem.candidates``), then organization id. Excludes declined,
    forbidden and already-booked organizations and organizations without interviewers."""

    attendee: Ints
    organization: Ints
    position: Ints
    score: Ints


def candidate_pairs(problem: MatchingInput) -> CandidatePairs:
    """The candidate pairs of ``problem`` (see :class:`CandidatePairs`).

    Not quadratic: positions are indexed by required skill, industry and "no skill asked", and
    positions with a workplace also by map cell, so each attendee is scored only against
    positions that can fit them; cost O(attendees × positions within reach sharing a token).
    """
    event = _prepare(problem)
    att, org, position, score = _pairs(event)
    return CandidatePairs(att, np.array(event.org_ids, np.int64)[org] if len(org) else org, position, score)


_CHUNK = 8192
_THREADS = min(2, os.cpu_count() or 1)
"""Chunks of attendees are scored on this many threads: numpy lets go of the GIL in its sorts
and array arithmetic, so two threads score about 1.9 times as fast on two cores (100,000
attendees: 3.9 s → 2.0 s), and smaller chunks keep the peak memory lower than one big one."""
_MAX_CELLS = 64
_KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180.0


class _Postings:
    """key → values, for vectorised look-ups of many keys at once."""

    def __init__(self, keys: Ints, values: Ints) -> None:
        order = np.lexsort((values, keys))
        keys, self.values = keys[order], values[order]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, np.int64)
        self.keys = keys[starts]
        self.indptr = np.append(starts, len(keys)).astype(np.int64)

    def lookup(self, keys: Ints) -> tuple[Ints, Ints]:
        """(index into ``keys``, value) for every value of every key."""
        if not len(self.keys) or not len(keys):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        pos = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        rows = np.flatnonzero(self.keys[pos] == keys)
        starts = self.indptr[pos[rows]]
        counts = self.indptr[pos[rows] + 1] - starts
        total = int(counts.sum())
        offsets = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(total, dtype=np.int64)
        return np.repeat(rows, counts), self.values[offsets]


def _explode(counts: Ints) -> tuple[Ints, Ints]:
    """For groups of ``counts`` items: (group of each item, position of the item in its group)."""
    groups = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    return groups, np.arange(int(counts.sum()), dtype=np.int64) - starts[groups]


class _OpeningIndex:
    """Openings by token (a required skill, the industry, or "no skill asked"), and those with
    a workplace also by (token, map cell)."""

    def __init__(self, openings: list[Opening], org_index: dict[int, int], candidates: list[Candidate]) -> None:
        self.openings = openings
        self.skill_ids = {s: t for t, s in enumerate(sorted({s for o in openings for s in o.skills}))}
        self.industry_ids = {s: len(self.skill_ids) + t for t, s in enumerate(sorted({o.industry for o in openings}))}
        self.any_token = len(self.skill_ids) + len(self.industry_ids)
        self.org = np.array([org_index[o.organization_id] for o in openings], np.int64)
        self.position = np.array([o.position_id for o in openings], np.int64)
        self.asks_skills = np.array([bool(o.skills) for o in openings], np.bool_)
        self.accepts_older = np.array([o.accepts_older_workers for o in openings], np.bool_)
        self.min_age = np.array([-1 if o.min_age is None else o.min_age for o in openings], np.int64)
        self.max_age = np.array([2**62 if o.max_age is None else o.max_age for o in openings], np.int64)
        self.lat = np.array([np.nan if o.work_location is None else o.work_location[0] for o in openings])
        self.lon = np.array([np.nan if o.work_location is None else o.work_location[1] for o in openings])
        self.food = np.array([o.provides_food_and_lodging for o in openings], np.bool_)
        self.part_time = np.array([o.part_time for o in openings], np.bool_)
        certificates = sorted({c for o in openings for c in o.required_certificates})
        self.certificate_bits = {c: 1 << b for b, c in enumerate(certificates)} if len(certificates) <= 62 else None
        self.needs_certificates = np.array([bool(o.required_certificates) for o in openings], np.bool_)
        self.certificate_mask = np.array(
            [sum(self.certificate_bits[c] for c in o.required_certificates) if self.certificate_bits else 0
             for o in openings], np.int64)
        token_opening: list[tuple[int, int]] = []
        for p, o in enumerate(openings):
            token_opening.extend((self.skill_ids[s], p) for s in o.skills)
            token_opening.append((self.industry_ids[o.industry], p))
            if not o.skills:
                token_opening.append((self.any_token, p))
        pairs = np.array(token_opening, np.int64).reshape(-1, 2)
        tokens, postings = pairs[:, 0], pairs[:, 1]
        located = ~np.isnan(self.lat)
        self.everywhere = _Postings(tokens, postings)
        self.unlocated = _Postings(tokens[~located[postings]], postings[~located[postings]])
        self.grid = located.any()
        self.geo = self.everywhere
        if self.grid:
            reach = [c.max_commute_km for c in candidates if c.max_commute_km is not None and c.home is not None]
            typical = float(np.median(reach)) if reach else 50.0
            self.cell = min(5.0, max(0.01, typical / 2 / _KM_PER_DEGREE))
            self.lat0, self.lon0 = float(np.nanmin(self.lat)), float(np.nanmin(self.lon))
            while True:
                self.rows = int((np.nanmax(self.lat) - self.lat0) // self.cell) + 1
                self.cols = int((np.nanmax(self.lon) - self.lon0) // self.cell) + 1
                if self.rows * self.cols <= 1 << 20:
                    break
                self.cell *= 2
            cell = (((self.lat - self.lat0) // self.cell) * self.cols + (self.lon - self.lon0) // self.cell)
            keep = located[postings]
            self.geo = _Postings(tokens[keep] * (self.rows * self.cols) + cell[postings[keep]].astype(np.int64),
                                 postings[keep])

    def tokens(self, candidates: list[Candidate]) -> tuple[Ints, Ints]:
        """(candidate, token) rows, "no skill asked" included for everyone."""
        rows: list[tuple[int, int]] = []
        for i, c in enumerate(candidates):
            rows.extend((i, self.skill_ids[s]) for s in c.skills if s in self.skill_ids)
            rows.extend((i, self.industry_ids[s]) for s in c.desired_industries if s in self.industry_ids)
            rows.append((i, self.any_token))
        table = np.array(rows, np.int64).reshape(-1, 2)
        return table[:, 0], table[:, 1]

    def reachable(self, candidates: list[Candidate]) -> tuple[Ints, Ints, Ints]:
        """(candidate, opening, token) for every opening sharing a token with the candidate and
        possibly within their commute reach (a superset of the fitting ones)."""
        cand, token = self.tokens(candidates)
        limited = np.array([c.home is not None and c.max_commute_km is not None for c in candidates], np.bool_)
        if self.grid:
            cells_of, cells = self._cells(candidates, limited)  # clears ``limited`` for wide reaches
        else:
            limited[:] = False
        open_rows = np.flatnonzero(~limited[cand])
        r1, o1 = self.everywhere.lookup(token[open_rows])
        rows = [open_rows[r1]]
        found = [o1]
        near_rows = np.flatnonzero(limited[cand])
        if len(near_rows):
            r2, o2 = self.unlocated.lookup(token[near_rows])
            rows.append(near_rows[r2])
            found.append(o2)
            counts = np.bincount(cells_of, minlength=len(candidates))
            starts = np.cumsum(counts) - counts
            row_of, nth = _explode(counts[cand[near_rows]])
            row_of = near_rows[row_of]
            keys = token[row_of] * (self.rows * self.cols) + cells[starts[cand[row_of]] + nth]
            r3, o3 = self.geo.lookup(keys)
            rows.append(row_of[r3])
            found.append(o3)
        hit_rows = np.concatenate(rows)
        return cand[hit_rows], np.concatenate(found), token[hit_rows]

    def _cells(self, candidates: list[Candidate], limited: Bools) -> tuple[Ints, Ints]:
        """(candidate, cell) for every map cell a limited candidate may reach, sorted by
        candidate. A candidate whose reach spans more than ``_MAX_CELLS`` cells is looked up
        without the map instead (``limited`` is cleared for them); the exact distance rule
        applies either way."""
        who = np.flatnonzero(limited)
        lat = np.array([candidates[i].home[0] for i in who])  # type: ignore[index]
        lon = np.array([candidates[i].home[1] for i in who])  # type: ignore[index]
        # a metre beyond the reach covers the rounding of distances to the metre
        reach = np.array([candidates[i].max_commute_km for i in who], np.float64) * 1.0001 + 0.001
        dlat = reach / _KM_PER_DEGREE
        extreme = np.minimum(89.999, np.maximum(np.abs(lat - dlat), np.abs(lat + dlat)))
        ratio = np.sin(reach / (2 * EARTH_RADIUS_KM)) / np.cos(np.radians(extreme))
        dlon = np.degrees(2 * np.arcsin(np.minimum(1.0, ratio)))
        all_cols = (ratio >= 1.0) | (lon - dlon < -180.0) | (lon + dlon > 180.0)
        r0 = np.clip(np.floor((lat - dlat - self.lat0) / self.cell), 0, self.rows).astype(np.int64)
        r1 = np.clip(np.floor((lat + dlat - self.lat0) / self.cell), -1, self.rows - 1).astype(np.int64)
        c0 = np.where(all_cols, 0, np.clip(np.floor((lon - dlon - self.lon0) / self.cell), 0, self.cols))
        c1 = np.where(all_cols, self.cols - 1, np.clip(np.floor((lon + dlon - self.lon0) / self.cell), -1,
                                                          self.cols - 1))
        c0, c1 = c0.astype(np.int64), c1.astype(np.int64)
        height, width = np.maximum(0, r1 - r0 + 1), np.maximum(0, c1 - c0 + 1)
        wide = height * width > _MAX_CELLS
        limited[who[wide]] = False
        height[wide] = 0
        group, nth = _explode(height * width)
        cells = (r0[group] + nth // np.maximum(width[group], 1)) * self.cols + c0[group] + nth % np.maximum(
            width[group], 1)
        return who[group], cells


def _pairs(event: _Event) -> tuple[Ints, Ints, Ints, Ints]:
    """(attendee index, organization index, position id, score), sorted by attendee then
    organization, one row per pair that may meet (see :class:`CandidatePairs`). Sets
    ``event.fitted``: the attendees with a fitting pair before declined, forbidden and booked
    organizations are taken out."""
    openings = [o for o in event.problem.openings if o.organization_id in event.org_index]
    empty = np.zeros(0, np.int64)
    if not openings or not event.candidates:
        return empty, empty, empty, empty
    index = _OpeningIndex(openings, event.org_index, event.candidates)
    starts = range(0, len(event.candidates), _CHUNK)
    with ThreadPoolExecutor(min(_THREADS, len(starts))) as pool:  # results in order: deterministic
        chunks = list(pool.map(lambda start: _score_chunk(event, index, start, min(start + _CHUNK,
                                                                                   len(event.candidates))), starts))
    att, org, position, score = (np.concatenate([c[n] for c in chunks]) for n in range(4))
    event.fitted[att] = True
    if event.excluded:
        n_org = len(event.org_ids)
        banned = np.sort(np.array([i * n_org + j for i, j in event.excluded], np.int64))
        keys = att * n_org + org
        pos = np.minimum(np.searchsorted(banned, keys), len(banned) - 1)
        keep = banned[pos] != keys
        att, org, position, score = att[keep], org[keep], position[keep], score[keep]
    return att, org, position, score


def _score_chunk(event: _Event, index: _OpeningIndex, start: int, stop: int) -> tuple[Ints, Ints, Ints, Ints]:
    people = event.candidates[start:stop]
    n_open = len(index.openings)
    cand, opening, token = index.reachable(people)
    kind = np.where(token < len(index.skill_ids), 0, np.where(token < index.any_token, 1, 2))
    tagged = np.sort((cand * n_open + opening) * 4 + kind)
    pair_of = tagged >> 2
    starts = np.flatnonzero(np.r_[True, pair_of[1:] != pair_of[:-1]]) if len(tagged) else np.zeros(0, np.int64)
    pair_keys = pair_of[starts]
    kinds = tagged & 3
    shared = np.add.reduceat((kinds == 0).astype(np.int64), starts) if len(starts) else np.zeros(0, np.int64)
    wished = (np.add.reduceat((kinds == 1).astype(np.int64), starts) > 0) if len(starts) else np.zeros(0, np.bool_)
    c, p = pair_keys // n_open, pair_keys % n_open
    older = np.array(["older_worker" in x.priority_groups for x in people], np.bool_)
    age = np.array([-1 if x.age is None else x.age for x in people], np.int64)
    home_lat = np.array([np.nan if x.home is None else x.home[0] for x in people])
    home_lon = np.array([np.nan if x.home is None else x.home[1] for x in people])
    reach = np.array([np.nan if x.max_commute_km is None else x.max_commute_km for x in people], np.float64)
    ok = ~(older[c] & ~index.accepts_older[p])
    ok &= ~((age[c] >= 0) & (((index.min_age[p] >= 0) & (age[c] < index.min_age[p])) | (age[c] > index.max_age[p])))
    needs = index.needs_certificates[p]
    if needs.any():
        if index.certificate_bits is not None:
            bits = index.certificate_bits
            held = np.array([sum(bits.get(x, 0) for x in person.certificates) for person in people], np.int64)
            ok &= ~(needs & ((index.certificate_mask[p] & ~held[c]) != 0))
        else:
            for r in np.flatnonzero(needs & ok):
                required = index.openings[int(p[r])].required_certificates
                ok[r] = required <= people[int(c[r])].certificates
    located = ~np.isnan(home_lat[c]) & ~np.isnan(index.lat[p])
    km = np.full(len(pair_keys), np.inf)
    km[located] = _haversine(home_lat[c][located], home_lon[c][located], index.lat[p][located],
                             index.lon[p][located])
    ok &= ~(located & (km > np.where(np.isnan(reach[c]), np.inf, reach[c])))
    ok &= ~(index.asks_skills[p] & (shared == 0) & ~wished)
    c, p, shared, wished, km = c[ok], p[ok], shared[ok], wished[ok], km[ok]
    org = index.org[p]
    commute = np.zeros(len(c), np.int64)
    for limit, points in reversed(COMMUTE_BANDS_KM):
        commute[km <= limit] = points
    food = np.array([x.needs_food_and_lodging for x in people], np.bool_)
    part = np.array([x.wants_part_time for x in people], np.bool_)
    conditions = (FOOD_AND_LODGING_POINTS * (food[c] & index.food[p])
                  + PART_TIME_POINTS * (part[c] & index.part_time[p]))
    score = (SKILL_POINTS * np.minimum(shared, SKILLS_COUNTED) + INDUSTRY_POINTS * wished + commute
             + conditions + _rank_points_of(event, people, c, org))
    order = np.lexsort((index.position[p], -score, org, c))
    c, org, position, score = c[order], org[order], index.position[p][order], score[order]
    first = np.ones(len(c), np.bool_)
    first[1:] = (c[1:] != c[:-1]) | (org[1:] != org[:-1])
    return c[first] + start, org[first], position[first], score[first].astype(np.int64)


def _rank_points_of(event: _Event, people: list[Candidate], cand: Ints, org: Ints) -> Ints:
    n_org = len(event.org_ids)
    ranked: dict[int, int] = {}
    for i, person in enumerate(people):
        for rank, org_id in enumerate(person.ranked_organizations, start=1):
            j = event.org_index.get(org_id)
            if j is not None:
                ranked.setdefault(i * n_org + j, _rank_points(rank))
    points = np.zeros(len(cand), np.int64)
    if ranked:
        keys = np.array(sorted(ranked), np.int64)
        values = np.array([ranked[int(key)] for key in keys], np.int64)
        pair_keys = cand * n_org + org
        pos = np.minimum(np.searchsorted(keys, pair_keys), len(keys) - 1)
        points = np.where(keys[pos] == pair_keys, values[pos], 0)
    return points
