"""Interview matching: who meets which employer in which slot, optimal, fair and explainable.

A pure function of plain data: the service loads, calls :func:`assign_interviews` (or
:func:`solve_matching` for the diagnostics too), and saves what it returns.

The rules
=========

An event has ``slot_count`` interview slots, optionally cut into **blocks** (contiguous slot
ranges, e.g. morning 0–7 and afternoon 8–15). An organization has ``interviewers[org]``
interviewers in every slot of the blocks it attends; each attendee gets at most
``per_attendee`` interviews in all (booked ones count, slots taken at other events do not),
never two in one slot, at most one per organization, only in slots they are free, and only
with an organization one of whose positions they *fit* (:func:`fit`: age limits, required
certificates, commute limit, older workers only where accepted, skills or wished industry).
Organizer overrides: ``pinned`` pairs are proposed whenever they can be, ``forbidden`` and
``declined`` pairs never. ``booked`` interviews are kept as they are and count against
everyone's limits.

Among all schedules keeping those rules, the result is **lexicographically optimal**:

0. as many pinned pairs as possible (all of them whenever they can be honoured together);
a. then as many priority-group attendees as possible with at least one interview;
b. then as many attendees as possible with at least one interview;
c. then the largest total fit of the new interviews.

How
===

1. **Candidate pairs** (:func:`candidate_pairs`). Positions are indexed by required skill, by
   industry and by map cell, so each attendee is only scored against positions that can fit
   them (a shared skill, a wished industry, or no skill asked, within commute reach); the
   scoring and the hard rules then run vectorised over those pairs. An attendee × organization
   pair scores the best of the organization's positions (ties: lower position id).
2. **Which pairs** (min-cost flow, OR-Tools ``SimpleMinCostFlow``). Source → attendee: one arc
   of capacity 1 carrying the coverage bonus ``W`` (``2W`` for a priority-group attendee; none
   for an attendee already covered by a booked interview), one of capacity ``k − 1`` at cost 0.
   Attendee → organization-block node (or → a hub of the organization when both are present in
   several blocks; the hub feeds the organization's block nodes), capacity 1, cost ``−fit``
   (``−(fit + Wp)`` for a pin). Organization-block → sink: the interviewer-slots free in the
   block. Source → sink bypass at cost 0, so flow is optional.
3. **Which slot** (bipartite edge colouring). Per block, each organization is split into at
   most ``c`` *copies* (one per interviewer), a copy being free in the slots where that
   interviewer is; the chosen pairs are coloured with the block's slots, greedily and, when an
   edge finds no common free slot, by swapping an alternating (Kempe) path. With every degree
   at most the number of colours this never fails (König's edge-colouring theorem): an attendee
   has at most ``k ≤`` free-slots-in-the-block pairs there and a copy at most one pair per slot.

Why (a) and (b) hold together, and why the weights are enough
=============================================================

*Matroid.* Call a set of attendees *coverable* if one schedule gives each of them an
interview. Routing one unit per attendee through the network above, the coverable sets are the
sets of sources that can be linked to the sink at once: a gammoid (for a one-block event simply
the transversal matroid of attendees × interviewer-slots), hence a matroid; fixing a feasible
set of pins contracts it, still a matroid. In a matroid every maximal independent set has the
maximum size, and the greedy basis that first takes a maximal set of priority attendees has the
most priority attendees of all independent sets. So a schedule exists with both the maximum
number of priority attendees covered (P*) and the maximum number of attendees covered (C*).
Any schedule has P ≤ P*, C ≤ C*, so maximising ``P + C`` reaches (P*, C*) exactly: a bonus
of ``W`` per covered attendee plus ``W`` per covered priority attendee is enough; the priority
bonus does not need to dominate the coverage bonus.

*Weights.* Let F be the largest pair score (≤ :data:`FIT_MAX`), A the attendees and M the
organization-side nodes (blocks and hubs) of the network. ``W = F·min(A, M) + 1`` and
``Wp = 3W``. Suppose the flow optimum Y were not optimal in (P + C): then for a better schedule
X, the difference X − Y splits into cycles of Y's residual network, and one of them, Γ, raises
P + C by at least 1. Γ is simple, so it passes the source once (changing at most two attendees'
bonus arcs) and leaves each organization-side node at most once, so it takes back at most
``min(A, M)`` pairs and loses at most ``F·min(A, M) < W`` fit. Pushing Γ would lower the cost:
a contradiction. The same argument with pins: a cycle gaining a pin gains ``Wp`` and loses at
most ``2W`` of bonus plus less than ``W`` of fit. (When the pins can all be honoured, every
optimal schedule holds all of them and the cycles never touch pin arcs, so (a)–(c) stay exact;
when they cannot, the result has the most pins, then the largest P + C, then fit.)

*Faster when it can be certified.* Without pins the flow is first solved with ``W = F + 1``
(fewer cost-scaling phases, about a third less time at festival scale). Two max flows give P*
and C*; if that flow reaches them it is optimal (it maximises ``W·(P + C) + fit`` and every
schedule with (P*, C*) has the same bonus), otherwise the safe weights are used.

*Overflow.* OR-Tools scales every cost by ``n + 1`` (n nodes) and refuses a problem whose
costs exceed ``INT64_MAX / (2(n + 1))`` (status ``BAD_COST_RANGE``); during cost scaling a
node's potential moves by at most about ``3n·ε`` per phase (Goldberg–Tarjan), ε starting at the
largest scaled cost and shrinking fivefold, so potentials stay within ``4(n + 1)² · max cost``.
Our largest cost is ``Wp + F ≈ 3F·min(A, M)``: with 100,000 attendees and 4,000 organization
blocks about 3.4·10⁵, and ``4n² · 3.4·10⁵ ≈ 1.5·10¹⁶`` is far below ``2⁶² ≈ 4.6·10¹⁸``.
The flow step checks ``4(n + 1)² · max cost < 2⁶²`` and raises :class:`OverflowError` beyond
it (about 1.8 million attendees with 2,000 employers in two blocks) rather than trust a lucky
run; split such an event.

Exact, and where it is a heuristic
==================================

Steps 2–3 are *exact* when (E1) every attendee is free either in all or in none of the slots
of each block (no partial-block busy slots or booked interviews), (E2) each organization has
the same free interviewers in every slot of a block (no booked interviews), and (E3) an
attendee present in several blocks has at least ``k`` free slots in each. Then every flow is
colourable (König), and the flow optimum is the schedule optimum. Block availability is the
common case and is solved exactly. Without (E1)–(E3), extending a partial edge colouring is
NP-hard in general (Fiala, 2003), so this part is a heuristic. Pairs are only offered where
the attendee and the organization share a free slot. The slot step places pins first, then
each attendee's best pair (priority attendees first), then the rest; an edge without a common
free slot tries up to 64 alternating paths over all copies, then may take the slot of another
edge that is placed again elsewhere (or, if the new edge is a pin or an attendee's only cover
and the other is neither, dropped). Pairs it gives up are counted (``slots_lost``), and the
attendees who lost one get up to four repair rounds (flow and colouring again on what is left,
without the lost pairs). The flow is a relaxation of the real problem, so when nothing is lost
in the first round the result is optimal anyway (``proven_optimal``). Measured against the
exact ILP on 400 small instances with booked interviews, busy slots, single-slot availability
and short blocks (``tests/support/matching_ilp.py``): 357 reach the optimum; 2 cover one
attendee fewer; the rest lose 1.4 % of the optimal fit.

Determinism: the same input gives the same result in the same order (interviews sorted by the
attendee's registration order, attendee id, then slot). Ties between equally good schedules
are broken by the solver, deterministically but without a promised preference.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from ortools.graph.python import max_flow, min_cost_flow  # type: ignore[import-untyped]

from fairs.core.errors import InvalidInput

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

PRIORITY_GROUPS = frozenset(
    {
        "older_worker",
        "low_skill",
        "disabled",
        "rural_labour",
        "laid_off",
        "veteran",
        "new_graduate",
    }
)

SKILL_POINTS = 3
"""Per skill the position asks for and the attendee has, counting at most SKILLS_COUNTED."""
SKILLS_COUNTED = 5
INDUSTRY_POINTS = 2
"""The position's industry is one the attendee wishes for."""
COMMUTE_BANDS_KM: tuple[tuple[float, int], ...] = ((5.0, 3), (15.0, 2), (30.0, 1))
"""Points by home–workplace distance: up to 5 km 3, up to 15 km 2, up to 30 km 1, else 0."""
FOOD_AND_LODGING_POINTS = 2
"""The attendee needs food and lodging and the position provides it."""
PART_TIME_POINTS = 1
"""The attendee wants part-time work and the position is part-time."""
RANK_POINTS = (5, 4, 3, 2, 1)
"""The attendee ranked this employer 1st, 2nd, …; 5th and later get 1, unranked 0."""
FIT_MAX = (SKILL_POINTS * SKILLS_COUNTED + INDUSTRY_POINTS + COMMUTE_BANDS_KM[0][1]
           + FOOD_AND_LODGING_POINTS + PART_TIME_POINTS + RANK_POINTS[0])
"""The largest possible fit (28)."""
EARTH_RADIUS_KM = 6371.0
REPAIR_ROUNDS = 4
MAX_BLOCKS = 62

GeoPoint = tuple[float, float]
"""(latitude, longitude) in degrees."""


@dataclass(frozen=True)
class Candidate:
    """A registered attendee, as matching sees them. ``order`` breaks ties (registration order).

    ``ranked_organizations`` lists the employers the attendee chose, best first. ``home`` and
    ``max_commute_km``: ``None`` means unknown or no limit. ``available_blocks`` (block indexes)
    and ``available_slots`` (slot indexes): ``None`` means all.
    """

    attendee_id: int
    order: int
    skills: frozenset[str] = frozenset()
    desired_industries: frozenset[str] = frozenset()
    priority_groups: frozenset[str] = frozenset()
    ranked_organizations: tuple[int, ...] = ()
    age: int | None = None
    certificates: frozenset[str] = frozenset()
    home: GeoPoint | None = None
    max_commute_km: float | None = None
    needs_food_and_lodging: bool = False
    wants_part_time: bool = False
    available_blocks: frozenset[int] | None = None
    available_slots: frozenset[int] | None = None

    @property
    def is_priority(self) -> bool:
        return bool(self.priority_groups & PRIORITY_GROUPS)


@dataclass(frozen=True)
class Opening:
    """A position of an employer that takes part in the event. ``None`` limits mean no limit."""

    position_id: int
    organization_id: int
    industry: str
    skills: frozenset[str] = frozenset()
    accepts_older_workers: bool = True
    min_age: int | None = None
    max_age: int | None = None
    required_certificates: frozenset[str] = frozenset()
    work_location: GeoPoint | None = None
    provides_food_and_lodging: bool = False
    part_time: bool = False


@dataclass(frozen=True)
class Booked:
    """An interview that already exists and is kept as it is."""

    attendee_id: int
    organization_id: int
    slot_index: int


@dataclass(frozen=True)
class ProposedInterview:
    attendee_id: int
    organization_id: int
    position_id: int
    slot_index: int
    score: int
    pinned: bool = False


@dataclass(frozen=True)
class FitScore:
    """Why a pair fits: every part is a non-negative integer; ``total`` is their sum (0–28).

    ``skills`` 3 per required skill held (at most 5 counted); ``industry_wish`` 2; ``commute``
    3/2/1 within 5/15/30 km; ``conditions`` 2 for food and lodging needed and provided, 1 for
    part-time wished and offered; ``own_ranking`` 5 for the attendee's 1st-ranked employer down
    to 1 for the 5th and later.
    """

    skills: int
    industry_wish: int
    commute: int = 0
    conditions: int = 0
    own_ranking: int = 0

    @property
    def total(self) -> int:
        return self.skills + self.industry_wish + self.commute + self.conditions + self.own_ranking

    def parts(self) -> dict[str, int]:
        """The parts by name, for an explanation ("why this employer")."""
        return {"skills": self.skills, "industry_wish": self.industry_wish, "commute": self.commute,
                "conditions": self.conditions, "own_ranking": self.own_ranking}


@dataclass
class MatchingInput:
    candidates: Sequence[Candidate]
    openings: Sequence[Opening]
    interviewers: dict[int, int]
    """organization id → interviewers per slot (its capacity in each slot)."""
    slot_count: int
    per_attendee: int = 3
    booked: Sequence[Booked] = field(default_factory=tuple)
    declined: Sequence[tuple[int, int]] = field(default_factory=tuple)
    """(attendee id, organization id) pairs the attendee turned down: never proposed again."""
    busy: Sequence[tuple[int, int]] = field(default_factory=tuple)
    """(attendee id, slot index) taken by something else (an interview at another event):
    the slot is not free, but it does not count towards ``per_attendee``."""
    blocks: Sequence[tuple[int, int]] = field(default_factory=tuple)
    """Half-open slot ranges ``(first, stop)`` covering ``0…slot_count`` in order; empty means
    one block of all slots."""
    organization_blocks: Mapping[int, frozenset[int]] = field(default_factory=dict)
    """organization id → the blocks it attends; an organization not listed attends all."""
    pinned: Sequence[tuple[int, int]] = field(default_factory=tuple)
    """(attendee id, organization id) pairs the organizer wants proposed whenever possible."""
    forbidden: Sequence[tuple[int, int]] = field(default_factory=tuple)
    """(attendee id, organization id) pairs the organizer never wants proposed."""


@dataclass(frozen=True)
class UnmetPin:
    """A pin the result does not hold, and why: ``unknown_attendee``, ``unknown_organization``,
    ``declined``, ``forbidden``, ``no_fitting_position``, ``unavailable`` (no common free block
    or no interview left), ``capacity`` (pins and limits cannot all hold), ``slot_conflict``."""

    attendee_id: int
    organization_id: int
    reason: str


@dataclass(frozen=True)
class MatchingResult:
    interviews: tuple[ProposedInterview, ...]
    slots_lost: int
    """Pairs the flow chose that the slot step could not place (all rounds)."""
    repair_rounds: int
    proven_optimal: bool
    """Nothing was lost in the first slot step and no usable pin was left out, so the result
    reaches the optimum of the flow relaxation: (0)–(c) are optimal."""
    fit_upper_bound: int
    """Sum over attendees of their best ``k`` pair scores (``k`` their interviews left)."""
    unreachable: Mapping[int, str]
    """attendee id → why no pair can serve them: ``no_fitting_position``, ``excluded`` (every
    fitting organization is declined, forbidden or already booked) or ``unavailable``."""
    unmet_pins: tuple[UnmetPin, ...] = ()
    phase_seconds: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class MatchingMetrics:
    attendees: int
    covered: int
    priority_attendees: int
    priority_covered: int
    interviews: int
    total_fit: int
    fit_upper_bound: int
    slots_lost: int
    pins: int
    pins_met: int
    uncovered: Mapping[int, str]
    """attendee id → ``no_fitting_position`` (no organization fits), ``excluded`` (every fitting
    one declined, forbidden or already booked), ``unavailable`` (no common free slot with any
    fitting organization, or no interview left) or ``capacity`` (the interviewers they could
    meet are needed for others)."""


# --------------------------------------------------------------------------------------------
# fit


def haversine_km(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance in km, rounded to the metre (the vectorised scoring uses the same
    formula, so both agree)."""
    return float(_haversine(np.array([a[0]]), np.array([a[1]]), np.array([b[0]]), np.array([b[1]]))[0])


def _haversine(lat1: Floats, lon1: Floats, lat2: Floats, lon2: Floats) -> Floats:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    km: Floats = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
    return np.floor(km * 1000.0 + 0.5) / 1000.0


def _commute_points(km: float | None) -> int:
    if km is None:
        return 0
    for limit, points in COMMUTE_BANDS_KM:
        if km <= limit:
            return points
    return 0


def _rank_points(rank: int) -> int:
    """``rank`` is 1-based; 0 means not ranked."""
    return 0 if rank <= 0 else RANK_POINTS[min(rank, len(RANK_POINTS)) - 1]


def fit(candidate: Candidate, opening: Opening) -> FitScore | None:
    """The fit of one attendee for one position, or ``None`` when a hard rule excludes it.

    Hard rules: an older worker never meets a position that does not accept older workers; a
    known age must lie within the position's ``min_age``/``max_age``; the attendee must hold
    every required certificate; with both places known and a commute limit, the workplace must
    be within it (haversine, km rounded to the metre); a position asking for skills needs at
    least one of them, unless its industry is one the attendee wishes for. Unknown data never
    excludes. The score's scale is documented on :class:`FitScore`.
    """
    if "older_worker" in candidate.priority_groups and not opening.accepts_older_workers:
        return None
    if candidate.age is not None and (
            (opening.min_age is not None and candidate.age < opening.min_age)
            or (opening.max_age is not None and candidate.age > opening.max_age)):
        return None
    if not opening.required_certificates <= candidate.certificates:
        return None
    km = None
    if candidate.home is not None and opening.work_location is not None:
        km = haversine_km(candidate.home, opening.work_location)
        if candidate.max_commute_km is not None and km > candidate.max_commute_km:
            return None
    shared = len(candidate.skills & opening.skills)
    wished = opening.industry in candidate.desired_industries
    if opening.skills and not shared and not wished:
        return None
    ranked = candidate.ranked_organizations
    rank = ranked.index(opening.organization_id) + 1 if opening.organization_id in ranked else 0
    return FitScore(
        skills=SKILL_POINTS * min(shared, SKILLS_COUNTED),
        industry_wish=INDUSTRY_POINTS if wished else 0,
        commute=_commute_points(km),
        conditions=(FOOD_AND_LODGING_POINTS if candidate.needs_food_and_lodging and opening.provides_food_and_lodging
                    else 0) + (PART_TIME_POINTS if candidate.wants_part_time and opening.part_time else 0),
        own_ranking=_rank_points(rank),
    )


# --------------------------------------------------------------------------------------------
# the event: slots and blocks, who is free when, who may meet whom


@dataclass
class _Event:
    problem: MatchingInput
    candidates: list[Candidate]
    blocks: list[tuple[int, int]]
    block_slots: list[int]
    """Per block, the bitmask of its slots."""
    org_ids: list[int]
    org_index: dict[int, int]
    att_index: dict[int, int]
    free: list[int]
    """Per attendee, the bitmask of their free slots."""
    k: Ints
    """Per attendee, the interviews still allowed (limit − booked, at most their free slots)."""
    covered: Bools
    """Per attendee: already has a booked interview."""
    priority: Bools
    org_cap: Ints
    """(organization, slot) → free interviewers."""
    excluded: dict[tuple[int, int], str]
    """(attendee, organization) indexes never proposed → why (booked, declined, forbidden)."""
    fitted: Bools
    """Per attendee: fits some organization's position (set by :func:`_pairs`)."""


def _blocks(problem: MatchingInput) -> list[tuple[int, int]]:
    slots = problem.slot_count
    if not problem.blocks:
        return [(0, slots)] if slots > 0 else []
    blocks = [(int(a), int(b)) for a, b in problem.blocks]
    cursor = 0
    for first, stop in blocks:
        if first != cursor or stop <= first:
            raise InvalidInput("blocks must cover the slots in order, without gaps or overlaps", "blocks")
        cursor = stop
    if cursor != slots:
        raise InvalidInput("blocks must end at the last slot", "blocks")
    if len(blocks) > MAX_BLOCKS:
        raise InvalidInput(f"at most {MAX_BLOCKS} blocks", "blocks")
    return blocks


def _prepare(problem: MatchingInput) -> _Event:
    slots = problem.slot_count
    if slots < 0:
        raise InvalidInput("must not be negative", "slot_count")
    if problem.per_attendee < 0:
        raise InvalidInput("must not be negative", "per_attendee")
    blocks = _blocks(problem)
    block_slots = [((1 << stop) - 1) ^ ((1 << first) - 1) for first, stop in blocks]
    candidates = list(problem.candidates)
    att_index: dict[int, int] = {}
    for i, candidate in enumerate(candidates):
        if candidate.attendee_id in att_index:
            raise InvalidInput(f"attendee {candidate.attendee_id} appears twice", "candidates")
        att_index[candidate.attendee_id] = i
    org_ids = sorted(org for org, n in problem.interviewers.items() if n > 0)
    org_index = {org: j for j, org in enumerate(org_ids)}
    org_cap = np.zeros((len(org_ids), slots), np.int64)
    for j, org in enumerate(org_ids):
        attends = problem.organization_blocks.get(org)
        for b, (first, stop) in enumerate(blocks):
            if attends is None or b in attends:
                org_cap[j, first:stop] = problem.interviewers[org]
    full = (1 << slots) - 1
    free = []
    for candidate in candidates:
        mask = full
        if candidate.available_slots is not None:
            mask &= sum(1 << s for s in set(candidate.available_slots) if 0 <= s < slots)
        if candidate.available_blocks is not None:
            mask &= sum(block_slots[b] for b in set(candidate.available_blocks) if 0 <= b < len(blocks))
        free.append(mask)
    for attendee_id, slot in problem.busy:
        who = att_index.get(attendee_id)
        if who is not None and 0 <= slot < slots:
            free[who] &= ~(1 << slot)
    booked = np.zeros(len(candidates), np.int64)
    covered = np.zeros(len(candidates), np.bool_)
    excluded: dict[tuple[int, int], str] = {}
    for interview in problem.booked:
        who = att_index.get(interview.attendee_id)
        where = org_index.get(interview.organization_id)
        inside = 0 <= interview.slot_index < slots
        if who is not None:
            booked[who] += 1
            covered[who] = True
            if inside:
                free[who] &= ~(1 << interview.slot_index)
            if where is not None:
                excluded[(who, where)] = "booked"
        if where is not None and inside and org_cap[where, interview.slot_index] > 0:
            org_cap[where, interview.slot_index] -= 1
    for reason, pairs in (("declined", problem.declined), ("forbidden", problem.forbidden)):
        for attendee_id, org in pairs:
            who, where = att_index.get(attendee_id), org_index.get(org)
            if who is not None and where is not None:
                excluded.setdefault((who, where), reason)
    free_count = np.array([mask.bit_count() for mask in free], np.int64)
    k = np.maximum(0, np.minimum(problem.per_attendee - booked, free_count))
    priority = np.array([c.is_priority for c in candidates], np.bool_)
    return _Event(problem, candidates, blocks, block_slots, org_ids, org_index, att_index, free, k, covered,
                  priority, org_cap, excluded, np.zeros(len(candidates), np.bool_))


# --------------------------------------------------------------------------------------------
# candidate pairs


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


_CHUNK = 16384
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
    chunks = [_score_chunk(event, index, start, min(start + _CHUNK, len(event.candidates)))
              for start in range(0, len(event.candidates), _CHUNK)]
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


# --------------------------------------------------------------------------------------------
# which pairs: min-cost flow


@dataclass(frozen=True)
class MatchingNetwork:
    """The flow side of a problem: attendees, their pairs and the organizations' capacity per
    block, before any slot is chosen. Indexes: attendees as in ``problem.candidates``,
    organizations as in ``organization_ids``; ``pair_blocks`` is the bitmask of blocks in which
    both are free (0: none)."""

    attendee_ids: Ints
    priority: Bools
    covered: Bools
    """Already has a booked interview."""
    k: Ints
    pair_attendee: Ints
    pair_organization: Ints
    pair_position: Ints
    pair_score: Ints
    pair_blocks: Ints
    pair_pinned: Bools
    organization_ids: Ints
    block_capacity: Ints
    """(organization, block) → free interviewer-slots."""


@dataclass(frozen=True)
class FlowOptimum:
    """The optimum of the flow step alone (no slots): an upper bound for any schedule."""

    interviews: int
    total_fit: int
    covered: int
    priority_covered: int
    pins: int


def _attendee_blocks(free: list[int], block_slots: list[int]) -> Ints:
    masks = np.zeros(len(free), np.int64)
    for b, slots in enumerate(block_slots):
        masks |= np.array([(f & slots) != 0 for f in free], np.bool_).astype(np.int64) << b
    return masks


def _capacity_by_block(org_cap: Ints, blocks: list[tuple[int, int]]) -> Ints:
    out = np.zeros((org_cap.shape[0], len(blocks)), np.int64)
    for b, (first, stop) in enumerate(blocks):
        out[:, b] = org_cap[:, first:stop].sum(axis=1)
    return out


def _block_bits(capacity: Ints) -> Ints:
    weights = np.left_shift(np.int64(1), np.arange(capacity.shape[1], dtype=np.int64))
    return ((capacity > 0).astype(np.int64) * weights).sum(axis=1) if capacity.shape[1] else np.zeros(
        capacity.shape[0], np.int64)


def _pair_blocks(free: list[int], org_cap: Ints, blocks: list[tuple[int, int]], block_slots: list[int],
                 att: Ints, org: Ints) -> Ints:
    """Per pair, the bitmask of blocks with a slot where the attendee is free and the
    organization has a free interviewer (slot-exact up to 62 slots, block-level beyond)."""
    slots = org_cap.shape[1]
    if slots > 62:
        return _attendee_blocks(free, block_slots)[att] & _block_bits(_capacity_by_block(org_cap, blocks))[org]
    weights = np.left_shift(np.int64(1), np.arange(slots, dtype=np.int64))
    common = np.array(free, np.int64)[att] & ((org_cap > 0) * weights).sum(axis=1)[org]
    masks = np.zeros(len(att), np.int64)
    for b, mask in enumerate(block_slots):
        masks |= ((common & mask) != 0).astype(np.int64) << b
    return masks


def _network(event: _Event, pairs: tuple[Ints, Ints, Ints, Ints]) -> MatchingNetwork:
    att, org, position, score = pairs
    capacity = _capacity_by_block(event.org_cap, event.blocks)
    masks = _pair_blocks(event.free, event.org_cap, event.blocks, event.block_slots, att, org)
    n_org = len(event.org_ids)
    pins = {event.att_index[a] * n_org + event.org_index[o] for a, o in event.problem.pinned
            if a in event.att_index and o in event.org_index}
    pinned = np.isin(att * n_org + org, np.array(sorted(pins), np.int64))
    return MatchingNetwork(
        attendee_ids=np.array([c.attendee_id for c in event.candidates], np.int64), priority=event.priority,
        covered=event.covered, k=event.k, pair_attendee=att, pair_organization=org, pair_position=position,
        pair_score=score, pair_blocks=masks, pair_pinned=pinned,
        organization_ids=np.array(event.org_ids, np.int64), block_capacity=capacity)


def matching_network(problem: MatchingInput) -> MatchingNetwork:
    """The flow side of ``problem`` (see :class:`MatchingNetwork`)."""
    event = _prepare(problem)
    return _network(event, _pairs(event))


def flow_optimum(network: MatchingNetwork, *, coverage_rule: bool = True) -> FlowOptimum:
    """Solve the flow step alone. With ``coverage_rule`` it is the relaxation of the full
    objective (pins, priority coverage, coverage, fit); without, the largest total fit when
    coverage and pins do not matter. Either way no schedule does better."""
    usable = np.flatnonzero((network.pair_blocks != 0) & (network.k[network.pair_attendee] > 0))
    bonus = np.where(network.covered, 0, np.where(network.priority, 2, 1)) if coverage_rule else np.zeros_like(
        network.k)
    chosen, _blocks_chosen = _choose(
        network.k, bonus, network.pair_attendee[usable], network.pair_organization[usable],
        network.pair_blocks[usable], network.pair_score[usable],
        network.pair_pinned[usable] & coverage_rule, network.block_capacity)
    picked = usable[chosen]
    served = np.zeros(len(network.k), np.bool_)
    served[network.pair_attendee[picked]] = True
    served |= network.covered
    return FlowOptimum(interviews=len(picked), total_fit=int(network.pair_score[picked].sum()),
                       covered=int(served.sum()), priority_covered=int((served & network.priority).sum()),
                       pins=int(network.pair_pinned[picked].sum()))


def _dense_unique(keys: Ints) -> tuple[Ints, Ints]:
    """``np.unique(keys, return_inverse=True)`` for non-negative keys of a modest range, in
    linear time (numpy's own is a sort, or a hash that is very slow on large arrays)."""
    if not len(keys):
        return keys, keys
    present = np.zeros(int(keys.max()) + 1, np.bool_)
    present[keys] = True
    rank = np.cumsum(present) - 1
    return np.flatnonzero(present), rank[keys]


def _bits(mask: int) -> list[int]:
    return [b for b in range(mask.bit_length()) if mask >> b & 1]


def _choose(k: Ints, bonus: Ints, att: Ints, org: Ints, masks: Ints, score: Ints, pinned: Bools,
            capacity: Ints) -> tuple[Ints, Ints]:
    """The min-cost flow of the module docstring, optimal for (0)–(c) over the flow relaxation.
    ``bonus``: per attendee 0, 1 (coverage) or 2 (priority). Returns (indexes of the chosen
    pairs, the block of each).

    Without pins it first tries a small coverage weight ``W = F + 1``: the cost-scaling solver
    needs fewer phases (about a third less time at 100,000 attendees). That flow maximises
    ``W·(P + C) + fit``; when its (P, C) equals the most priority attendees and the most
    attendees that can be covered at all (two max flows), no flow covers more and it has the
    most fit among those that cover as many: it is optimal. Otherwise it solves again with the
    safe weight."""
    if len(att) and not pinned.any():
        chosen, blocks = _flow(k, bonus, att, org, masks, score, pinned, capacity, int(score.max()) + 1)
        served = np.zeros(len(k), np.bool_)
        served[att[chosen]] = True
        served &= bonus > 0
        if (int((served & (bonus == 2)).sum()) == _most_covered(bonus == 2, att, org, masks, capacity)
                and int(served.sum()) == _most_covered(bonus > 0, att, org, masks, capacity)):
            return chosen, blocks
    return _flow(k, bonus, att, org, masks, score, pinned, capacity, None)


def _most_covered(who: Bools, att: Ints, org: Ints, masks: Ints, capacity: Ints) -> int:
    """The most attendees among ``who`` that can each get one pair at once (a max flow)."""
    n_org, n_blocks = capacity.shape
    rows = np.flatnonzero(who[att])
    bits = np.left_shift(np.int64(1), np.arange(n_blocks, dtype=np.int64))
    pair_rows, block = np.nonzero((masks[rows, None] & bits) != 0)
    rows = rows[pair_rows]
    if not len(rows):
        return 0
    people, person_of = _dense_unique(att[rows])
    source, sink = len(people) + n_org * n_blocks, len(people) + n_org * n_blocks + 1
    tails = np.concatenate([np.full(len(people), source), person_of, len(people) + np.arange(n_org * n_blocks)])
    heads = np.concatenate([np.arange(len(people)), len(people) + org[rows] * n_blocks + block,
                            np.full(n_org * n_blocks, sink)])
    caps = np.concatenate([np.ones(len(people) + len(rows), np.int64), capacity.ravel()])
    solver = max_flow.SimpleMaxFlow()
    solver.add_arcs_with_capacity(tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64))
    if solver.solve(source, sink) != solver.OPTIMAL:
        raise RuntimeError("max flow failed")
    return int(solver.optimal_flow())


def _flow(k: Ints, bonus: Ints, att: Ints, org: Ints, masks: Ints, score: Ints, pinned: Bools,
          capacity: Ints, small_weight: int | None) -> tuple[Ints, Ints]:
    """One min-cost flow: the safe weights of the module docstring, or ``small_weight`` as the
    coverage weight. Returns (indexes of the chosen pairs, the block of each)."""
    if not len(att):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    n_org, n_blocks = capacity.shape
    people, att_node = _dense_unique(att)
    unique_masks, mask_of = np.unique(masks, return_inverse=True)
    mask_bits = [_bits(int(m)) for m in unique_masks]
    single = np.array([len(b) == 1 for b in mask_bits], np.bool_)[mask_of]
    block_nodes = np.flatnonzero(capacity.ravel() > 0)
    node_of_block = np.full(n_org * n_blocks, -1, np.int64)
    first_block = 2 + len(people)
    node_of_block[block_nodes] = first_block + np.arange(len(block_nodes))
    hub_keys, hub_of = _dense_unique((org * len(unique_masks) + mask_of)[~single])
    first_hub = first_block + len(block_nodes)
    head = np.empty(len(att), np.int64)
    single_block = np.array([b[0] if len(b) == 1 else -1 for b in mask_bits], np.int64)[mask_of]
    head[single] = node_of_block[org[single] * n_blocks + single_block[single]]
    head[~single] = first_hub + hub_of
    hub_tail, hub_head, hub_cap, hub_block = [], [], [], []
    for h, key in enumerate(hub_keys.tolist()):
        j, m = divmod(key, len(unique_masks))
        for b in mask_bits[m]:
            hub_tail.append(first_hub + h)
            hub_head.append(int(node_of_block[j * n_blocks + b]))
            hub_cap.append(int(capacity[j, b]))
            hub_block.append(b)
    nodes = first_hub + len(hub_keys)
    a_k = k[people]
    a_bonus = bonus[people]
    top = int(score.max()) if len(score) else 0
    weight = small_weight or top * min(len(people), len(block_nodes) + len(hub_keys)) + 1
    pin_weight = 3 * weight
    largest = max(top + (pin_weight if pinned.any() else 0), 2 * weight)
    if 4 * (nodes + 1) ** 2 * largest >= 2**62:
        raise OverflowError("matching problem too large for exact integer costs; split the event")
    with_bonus = a_bonus > 0
    source, sink = 0, 1
    people_nodes = 2 + np.arange(len(people), dtype=np.int64)
    tails = np.concatenate([
        np.full(int(with_bonus.sum()), source), np.full(len(people), source), people_nodes[att_node],
        np.array(hub_tail, np.int64), node_of_block[block_nodes], [source]])
    heads = np.concatenate([
        people_nodes[with_bonus], people_nodes, head, np.array(hub_head, np.int64),
        np.full(len(block_nodes), sink), [sink]])
    total = int(a_k.sum())
    caps = np.concatenate([
        np.ones(int(with_bonus.sum()), np.int64), a_k - with_bonus, np.ones(len(att), np.int64),
        np.array(hub_cap, np.int64), capacity.ravel()[block_nodes], [total]])
    costs = np.concatenate([
        -weight * a_bonus[with_bonus], np.zeros(len(people), np.int64), -(score + pin_weight * pinned),
        np.zeros(len(hub_tail) + len(block_nodes) + 1, np.int64)])
    solver = min_cost_flow.SimpleMinCostFlow()
    arcs = np.asarray(solver.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64), costs.astype(np.int64)))
    solver.set_node_supply(source, total)
    solver.set_node_supply(sink, -total)
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    first_pair = int(with_bonus.sum()) + len(people)
    flows = np.asarray(solver.flows(arcs[first_pair:first_pair + len(att) + len(hub_tail)].astype(np.int32)))
    chosen = np.flatnonzero(flows[:len(att)] > 0)
    blocks = single_block[chosen].copy()
    via_hub = np.flatnonzero(~single[chosen])
    if len(via_hub):
        # hub h received its pairs in attendee order; hand them to the hub's blocks in block
        # order, as many as the flow sent to each block
        hub_flow = flows[len(att):]
        cumulative = np.cumsum(hub_flow)
        hub_start = np.searchsorted(np.array(hub_tail, np.int64), first_hub + np.arange(len(hub_keys)))
        before = cumulative[hub_start] - hub_flow[hub_start]
        pair_hub = np.full(len(att), -1, np.int64)
        pair_hub[~single] = hub_of
        ph = pair_hub[chosen[via_hub]]
        order = np.lexsort((att[chosen[via_hub]], ph))
        ranked = np.empty(len(order), np.int64)
        sorted_hubs = ph[order]
        group_start = np.searchsorted(sorted_hubs, sorted_hubs)
        ranked[order] = np.arange(len(order)) - group_start
        arc = np.searchsorted(cumulative, before[ph] + ranked, side="right")
        blocks[via_hub] = np.array(hub_block, np.int64)[arc]
    return chosen, blocks


# --------------------------------------------------------------------------------------------
# which slot: bipartite edge colouring

KEMPE_TRIES = 64
"""Alternating paths tried for one edge before it is given up (only restricted slots need more
than one)."""


def colour_bipartite(edges: Sequence[tuple[int, int]], colours: int, *,
                     left_allowed: Mapping[int, int] | None = None,
                     right_allowed: Mapping[int, int] | None = None) -> list[int | None]:
    """Colour the edges of a bipartite multigraph (left vertex, right vertex) with colours
    ``0…colours−1`` so that no two edges at a vertex share one; ``None`` for an edge left out.

    ``*_allowed`` maps a vertex to the bitmask of colours it may use (default: all). Without
    restrictions and with every degree at most ``colours`` every edge is coloured (König).
    Greedy first free common colour, else an alternating-path (Kempe) swap; O(E · path length).
    """
    lefts = sorted({u for u, _ in edges})
    rights = sorted({v for _, v in edges})
    left_of = {u: i for i, u in enumerate(lefts)}
    right_of = {v: i for i, v in enumerate(rights)}
    full = (1 << colours) - 1
    left_free = [full & (left_allowed or {}).get(u, full) for u in lefts]
    copies = [[full & (right_allowed or {}).get(v, full)] for v in rights]
    slots = _colour(colours, left_free, [left_of[u] for u, _ in edges], [right_of[v] for _, v in edges], copies,
                    list(range(len(edges))))
    return [None if s < 0 else s for s in slots]


def _colour(slots: int, left_free: list[int], edge_left: list[int], edge_group: list[int],
            group_copies: list[list[int]], order: Iterable[int], *, pinned: Sequence[bool] = (),
            left_covered: Sequence[bool] = ()) -> list[int]:
    """Colour edges (left vertex, group) in ``order``; a group is a right-hand vertex split
    into copies, each with the bitmask of colours it may use, and an edge may go to any copy.
    Returns each edge's colour, −1 for an edge that could not be coloured.

    When restricted colours leave a ``pinned`` edge, or the first edge of a left vertex not yet
    ``left_covered``, without a colour, it may take the colour of an edge that is neither
    pinned nor its vertex's only cover (which is then placed again, or lost)."""
    n_left = len(left_free)
    degree = [0] * n_left
    copy_base = []
    allowed = list(left_free)
    for copies in group_copies:
        copy_base.append(len(allowed))
        allowed.extend(copies)
    free = list(allowed)
    at = [-1] * (len(allowed) * slots)
    end_of = [-1] * len(edge_left)
    colour = [-1] * len(edge_left)

    def other(e: int, v: int) -> int:
        return end_of[e] if v < n_left else edge_left[e]

    def put(e: int, u: int, q: int, c: int) -> None:
        bit = 1 << c
        free[u] ^= bit
        free[q] ^= bit
        at[u * slots + c] = e
        at[q * slots + c] = e
        end_of[e] = q
        colour[e] = c
        degree[u] += 1

    def take_back(e: int) -> None:
        u, q, c = edge_left[e], end_of[e], colour[e]
        free[u] ^= 1 << c
        free[q] ^= 1 << c
        at[u * slots + c] = -1
        at[q * slots + c] = -1
        colour[e] = -1
        degree[u] -= 1

    def needed(e: int, u: int) -> bool:
        return bool(pinned and pinned[e]) or (degree[u] == 0 and not (left_covered and left_covered[u]))

    def swap_path(q: int, alpha: int, beta: int) -> bool:
        path = []
        v, c = q, alpha
        while True:
            e = at[v * slots + c]
            if e < 0:
                break
            path.append(e)
            v = other(e, v)
            c = beta if c == alpha else alpha
        if not free[v] >> c & 1:
            return False  # the path's far end may not take the swapped colour
        for e in path:
            old = colour[e]
            at[edge_left[e] * slots + old] = -1
            at[end_of[e] * slots + old] = -1
        for e in path:
            new = beta if colour[e] == alpha else alpha
            colour[e] = new
            at[edge_left[e] * slots + new] = e
            at[end_of[e] * slots + new] = e
        both = (1 << alpha) | (1 << beta)
        free[q] ^= both
        free[v] ^= both
        return True

    def kempe(e: int, u: int, first: int, last: int) -> bool:
        tries = 0
        fu = free[u]
        for q in range(first, last):
            fq = free[q]
            if not fq:
                continue
            alphas = fu & allowed[q] & ~fq
            while alphas:
                alpha_bit = alphas & -alphas
                alphas ^= alpha_bit
                betas = fq
                while betas:
                    beta_bit = betas & -betas
                    betas ^= beta_bit
                    if tries == KEMPE_TRIES:
                        return False
                    tries += 1
                    if swap_path(q, alpha_bit.bit_length() - 1, beta_bit.bit_length() - 1):
                        put(e, u, q, alpha_bit.bit_length() - 1)
                        return True
        return False

    def evict(e: int, u: int, first: int, last: int) -> bool:
        """Give ``e`` the colour of an edge at one of its copies and place that edge again;
        when that fails, keep the swap only if ``e`` is needed and the other edge is not."""
        tries = 0
        for q in range(first, last):
            taken = free[u] & allowed[q] & ~free[q]
            while taken and tries < KEMPE_TRIES:
                tries += 1
                bit = taken & -taken
                taken ^= bit
                c = bit.bit_length() - 1
                victim = at[q * slots + c]
                owner = edge_left[victim]
                spare = needed(e, u) and not (pinned and pinned[victim]) and (
                    degree[owner] >= 2 or bool(left_covered and left_covered[owner]))
                take_back(victim)
                put(e, u, q, c)
                if place(victim, False) or spare:
                    return True
                take_back(e)
                put(victim, owner, q, c)
        return False

    def place(e: int, may_evict: bool) -> bool:
        u = edge_left[e]
        fu = free[u]
        if not fu:
            return False
        first = copy_base[edge_group[e]]
        last = first + len(group_copies[edge_group[e]])
        for q in range(first, last):
            common = fu & free[q]
            if common:
                put(e, u, q, (common & -common).bit_length() - 1)
                return True
        if kempe(e, u, first, last):
            return True
        return may_evict and evict(e, u, first, last)

    for e in order:
        place(e, True)
    return colour


def _copies(org_cap: Ints, j: int, first: int, stop: int) -> list[int]:
    """The interviewers of organization ``j`` in one block, each as the bitmask of the block's
    slots in which they are free: interviewer ``t`` is free where more than ``t`` are."""
    caps = org_cap[j, first:stop]
    weights = np.left_shift(np.int64(1), np.arange(first, stop, dtype=np.int64)).astype(object)
    return [int((weights * (caps > t)).sum()) for t in range(int(caps.max()))]


def _place(event: _Event, free: list[int], org_cap: Ints, covered: Bools, net: MatchingNetwork, picked: Ints,
           blocks: Ints) -> Ints:
    """Slot for each chosen pair (−1: lost). Pins go first, then each attendee's best pair
    (priority attendees first), then the rest by score, so a restricted colouring loses the
    least important pairs."""
    if not len(picked):
        return np.zeros(0, np.int64)
    att, org = net.pair_attendee[picked], net.pair_organization[picked]
    score, pinned = net.pair_score[picked], net.pair_pinned[picked]
    by_attendee = np.lexsort((-score, att))
    best = np.zeros(len(att), np.bool_)
    best[by_attendee[np.r_[True, att[by_attendee][1:] != att[by_attendee][:-1]]]] = True
    order = np.lexsort((org, att, -score, ~event.priority[att], ~best, ~pinned))
    n_blocks = len(event.blocks)
    groups, group_of = _dense_unique(org * n_blocks + blocks)
    copies = []
    for key in groups.tolist():
        j, b = divmod(key, n_blocks)
        copies.append(_copies(org_cap, j, *event.blocks[b]))
    people, person_of = _dense_unique(att)
    colours = _colour(event.problem.slot_count, [free[i] for i in people.tolist()], person_of.tolist(),
                      group_of.tolist(), copies, order.tolist(), pinned=pinned.tolist(),
                      left_covered=covered[people].tolist())
    return np.array(colours, np.int64)


def solve_matching(problem: MatchingInput, *, clock: Callable[[], float] | None = None) -> MatchingResult:
    """Propose new interviews on top of the ``booked`` ones (never touched), lexicographically
    optimal as the module docstring explains, with diagnostics.

    Guarantees, always: an attendee gets at most ``per_attendee`` interviews in all (booked
    ones count), only in their free slots, never two in one slot, never two with the same
    organization, never a declined or forbidden one, and only with an organization one of
    whose positions they fit; an organization never has more interviews in a slot than it has
    interviewers, nor any outside its blocks. Optimal when ``proven_optimal``; see the module
    docstring for when that is certain in advance. ``clock`` (e.g. ``time.perf_counter``)
    fills ``phase_seconds``. Deterministic; interviews sorted by the attendee's ``order``,
    attendee id, then slot.
    """
    seconds: dict[str, float] = {}
    mark = clock() if clock else 0.0

    def lap(name: str) -> None:
        nonlocal mark
        if clock:
            now = clock()
            seconds[name] = seconds.get(name, 0.0) + now - mark
            mark = now

    event = _prepare(problem)
    net = _network(event, _pairs(event))
    lap("pairs")
    att, org = net.pair_attendee, net.pair_organization
    free, k, covered, org_cap = list(event.free), event.k.copy(), event.covered.copy(), event.org_cap.copy()
    usable = (net.pair_blocks != 0) & (k[att] > 0)
    alive = usable.copy()
    placed_slot = np.full(len(att), -1, np.int64)
    flow_chose = np.zeros(len(att), np.bool_)
    participants = np.ones(len(k), np.bool_)
    slots_lost = first_lost = rounds = 0
    for round_no in range(REPAIR_ROUNDS + 1):
        capacity = _capacity_by_block(org_cap, event.blocks)
        masks = _pair_blocks(free, org_cap, event.blocks, event.block_slots, att, org)
        sel = np.flatnonzero(alive & participants[att] & (k[att] > 0) & (masks != 0))
        if not len(sel):
            break
        rounds = round_no
        bonus = np.where(covered, 0, np.where(event.priority, 2, 1))
        chosen, blocks = _choose(k, bonus, att[sel], org[sel], masks[sel], net.pair_score[sel],
                                 net.pair_pinned[sel], capacity)
        lap("flow")
        picked = sel[chosen]
        flow_chose[picked] = True
        slots = _place(event, free, org_cap, covered, net, picked, blocks)
        lap("slots")
        ok = slots >= 0
        for pair, slot in zip(picked[ok].tolist(), slots[ok].tolist(), strict=True):
            free[int(att[pair])] &= ~(1 << slot)
        placed_slot[picked[ok]] = slots[ok]
        np.subtract.at(k, att[picked[ok]], 1)
        covered[att[picked[ok]]] = True
        np.subtract.at(org_cap, (org[picked[ok]], slots[ok]), 1)
        alive[picked] = False
        lost = picked[~ok]
        slots_lost += len(lost)
        if round_no == 0:
            first_lost = len(lost)
        if not len(lost):
            break
        participants = np.zeros(len(k), np.bool_)
        participants[att[lost]] = True
    unmet = _unmet_pins(event, net, usable, placed_slot, flow_chose)
    return MatchingResult(
        interviews=_interviews(event, net, placed_slot), slots_lost=slots_lost, repair_rounds=rounds,
        proven_optimal=first_lost == 0 and not any(p.reason in ("capacity", "slot_conflict") for p in unmet),
        fit_upper_bound=_fit_upper_bound(net, usable), unreachable=_unreachable(event, net, usable),
        unmet_pins=unmet, phase_seconds=seconds)


def assign_interviews(problem: MatchingInput) -> list[ProposedInterview]:
    """The interviews of :func:`solve_matching`, in its order (all its guarantees hold)."""
    return list(solve_matching(problem).interviews)


def _interviews(event: _Event, net: MatchingNetwork, placed_slot: Ints) -> tuple[ProposedInterview, ...]:
    rows = np.flatnonzero(placed_slot >= 0)
    made = [
        ProposedInterview(int(net.attendee_ids[a]), int(net.organization_ids[o]), int(p), int(s), int(sc), bool(pin))
        for a, o, p, s, sc, pin in zip(
            net.pair_attendee[rows], net.pair_organization[rows], net.pair_position[rows], placed_slot[rows],
            net.pair_score[rows], net.pair_pinned[rows], strict=True)
    ]
    order = {c.attendee_id: c.order for c in event.candidates}
    made.sort(key=lambda i: (order[i.attendee_id], i.attendee_id, i.slot_index))
    return tuple(made)


def _fit_upper_bound(net: MatchingNetwork, usable: Bools) -> int:
    rows = np.flatnonzero(usable)
    att, score = net.pair_attendee[rows], net.pair_score[rows]
    order = np.lexsort((-score, att))
    att, score = att[order], score[order]
    rank = np.arange(len(att)) - np.searchsorted(att, att)
    return int(score[rank < net.k[att]].sum())


def _unreachable(event: _Event, net: MatchingNetwork, usable: Bools) -> dict[int, str]:
    has_pair = np.zeros(len(event.candidates), np.bool_)
    has_pair[net.pair_attendee] = True
    can_meet = np.zeros(len(event.candidates), np.bool_)
    can_meet[net.pair_attendee[usable]] = True
    out = {int(net.attendee_ids[i]): "no_fitting_position" for i in np.flatnonzero(~event.fitted)}
    out.update({int(net.attendee_ids[i]): "excluded" for i in np.flatnonzero(event.fitted & ~has_pair)})
    out.update({int(net.attendee_ids[i]): "unavailable" for i in np.flatnonzero(has_pair & ~can_meet)})
    return out


def _unmet_pins(event: _Event, net: MatchingNetwork, usable: Bools, placed_slot: Ints,
                flow_chose: Bools) -> tuple[UnmetPin, ...]:
    n_org = len(event.org_ids)
    keys = net.pair_attendee * n_org + net.pair_organization
    unmet = []
    for attendee_id, org_id in dict.fromkeys(event.problem.pinned):
        i, j = event.att_index.get(attendee_id), event.org_index.get(org_id)
        reason = None
        if i is None:
            reason = "unknown_attendee"
        elif j is None:
            reason = "unknown_organization"
        elif (i, j) in event.excluded:
            reason = None if event.excluded[(i, j)] == "booked" else event.excluded[(i, j)]
        else:
            pos = int(np.searchsorted(keys, i * n_org + j))
            if pos == len(keys) or keys[pos] != i * n_org + j:
                reason = "no_fitting_position"
            elif not usable[pos]:
                reason = "unavailable"
            elif placed_slot[pos] < 0:
                reason = "slot_conflict" if flow_chose[pos] else "capacity"
        if reason is not None:
            unmet.append(UnmetPin(attendee_id, org_id, reason))
    return tuple(unmet)


def matching_metrics(problem: MatchingInput, result: MatchingResult) -> MatchingMetrics:
    """Figures about a result: coverage (booked interviews count), priority coverage, fit and
    its upper bound, pairs lost in the slot step, pins, and why each uncovered attendee is."""
    ids = [c.attendee_id for c in problem.candidates]
    served = ({b.attendee_id for b in problem.booked} | {i.attendee_id for i in result.interviews}) & set(ids)
    priority = {c.attendee_id for c in problem.candidates if c.is_priority}
    pins = len(dict.fromkeys(problem.pinned))
    return MatchingMetrics(
        attendees=len(ids), covered=len(served), priority_attendees=len(priority),
        priority_covered=len(served & priority), interviews=len(result.interviews),
        total_fit=sum(i.score for i in result.interviews), fit_upper_bound=result.fit_upper_bound,
        slots_lost=result.slots_lost, pins=pins, pins_met=pins - len(result.unmet_pins),
        uncovered={a: result.unreachable.get(a, "capacity") for a in ids if a not in served})
