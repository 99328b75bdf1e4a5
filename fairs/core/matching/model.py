"""The matching model: the input and result dataclasses, the fit scale and the limits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

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


class ProposedInterview(NamedTuple):
    """One proposed interview. A named tuple, not a frozen dataclass: a festival's run makes
    235,000 of them, and a frozen dataclass's ``__init__`` took 1.3 s of it (0.2 s now)."""

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
