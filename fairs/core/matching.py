"""Interview matching: who meets which employer in which slot.

This is the foundation's simple, deterministic assignment (a later issue replaces it with a
min-cost-flow optimum). It is a pure function of plain data: the service loads, calls
:func:`assign_interviews`, and saves what it returns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Candidate:
    """A registered attendee, as matching sees them. ``order`` breaks ties (registration order)."""

    attendee_id: int
    order: int
    skills: frozenset[str] = frozenset()
    desired_industries: frozenset[str] = frozenset()
    priority_groups: frozenset[str] = frozenset()

    @property
    def is_priority(self) -> bool:
        return bool(self.priority_groups & PRIORITY_GROUPS)


@dataclass(frozen=True)
class Opening:
    """A position of an employer that takes part in the event."""

    position_id: int
    organization_id: int
    industry: str
    skills: frozenset[str] = frozenset()
    accepts_older_workers: bool = True


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


@dataclass(frozen=True)
class FitScore:
    """Why a pair fits: every part is a non-negative integer; ``total`` is their sum."""

    skills: int
    industry_wish: int

    @property
    def total(self) -> int:
        return self.skills + self.industry_wish


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


def fit(candidate: Candidate, opening: Opening) -> FitScore | None:
    """The fit of one attendee for one position, or ``None`` when a hard rule excludes it.

    Hard rules: an older worker never meets a position that does not accept older workers; a
    position asking for skills needs at least one of them, unless its industry is one the
    attendee wishes for. Score: 3 per shared skill, 2 for a wished-for industry.
    """
    if "older_worker" in candidate.priority_groups and not opening.accepts_older_workers:
        return None
    shared = len(candidate.skills & opening.skills)
    wished = opening.industry in candidate.desired_industries
    if opening.skills and not shared and not wished:
        return None
    return FitScore(skills=3 * shared, industry_wish=2 if wished else 0)


def assign_interviews(problem: MatchingInput) -> list[ProposedInterview]:
    """Propose new interviews on top of the ``booked`` ones; never touch those.

    Guarantees:
    - an attendee gets at most ``per_attendee`` interviews in all (booked ones count), never
      two in one slot, and never two with the same organization;
    - an organization never has more interviews in a slot than its interviewers;
    - attendees are served in rounds (everyone's first interview before anyone's second) so
      as many as possible get at least one; within a round priority-group attendees go first,
      then registration order;
    - each attendee takes the best-fitting position first (ties: lower position id), in the
      earliest slot with room;
    - the result is deterministic: the same input gives the same list, in that order.
    Runs in O(rounds · attendees · openings · slots).
    """
    taken_slots: dict[int, set[int]] = defaultdict(set)
    met: dict[int, set[int]] = defaultdict(set)
    load: dict[tuple[int, int], int] = defaultdict(int)
    for booked in problem.booked:
        taken_slots[booked.attendee_id].add(booked.slot_index)
        met[booked.attendee_id].add(booked.organization_id)
        load[(booked.organization_id, booked.slot_index)] += 1
    for attendee_id, organization_id in problem.declined:
        met[attendee_id].add(organization_id)
    blocked: dict[int, set[int]] = defaultdict(set)
    for attendee_id, slot_index in problem.busy:
        blocked[attendee_id].add(slot_index)

    room = {org: n * problem.slot_count for org, n in problem.interviewers.items()}
    for (org, _slot), n in load.items():
        room[org] = room.get(org, 0) - n
    ordered = sorted(problem.candidates, key=lambda c: (not c.is_priority, c.order, c.attendee_id))
    index = _OpeningIndex(problem.openings)
    preferences = {c.attendee_id: _ranked_openings(c, index.relevant(c)) for c in ordered}
    proposals: list[ProposedInterview] = []

    for _round in range(problem.per_attendee):
        for candidate in ordered:
            attendee = candidate.attendee_id
            if len(taken_slots[attendee]) >= problem.per_attendee:
                continue
            for opening, score in preferences[attendee]:
                if opening.organization_id in met[attendee] or room.get(opening.organization_id, 0) <= 0:
                    continue
                slot = _first_free_slot(problem, opening.organization_id, taken_slots[attendee] | blocked[attendee],
                                        load)
                if slot is None:
                    continue
                taken_slots[attendee].add(slot)
                met[attendee].add(opening.organization_id)
                load[(opening.organization_id, slot)] += 1
                room[opening.organization_id] -= 1
                proposals.append(
                    ProposedInterview(attendee, opening.organization_id, opening.position_id, slot, score)
                )
                break
    return proposals


def _ranked_openings(candidate: Candidate, openings: Iterable[Opening]) -> list[tuple[Opening, int]]:
    scored = []
    for opening in openings:
        score = fit(candidate, opening)
        if score is not None:
            scored.append((opening, score.total))
    scored.sort(key=lambda pair: (-pair[1], pair[0].position_id))
    return scored


class _OpeningIndex:
    """Openings by skill and industry, so each attendee is scored only against openings that
    can fit them (a shared skill, a wished-for industry, or no skill asked); ``fit`` still
    decides. Keeps the input order."""

    def __init__(self, openings: Sequence[Opening]) -> None:
        self.openings = list(openings)
        self.open_to_all: list[int] = []
        self.by_skill: dict[str, list[int]] = defaultdict(list)
        self.by_industry: dict[str, list[int]] = defaultdict(list)
        for i, opening in enumerate(self.openings):
            if not opening.skills:
                self.open_to_all.append(i)
            for skill in opening.skills:
                self.by_skill[skill].append(i)
            self.by_industry[opening.industry].append(i)

    def relevant(self, candidate: Candidate) -> list[Opening]:
        positions = set(self.open_to_all)
        for skill in candidate.skills:
            positions.update(self.by_skill.get(skill, ()))
        for industry in candidate.desired_industries:
            positions.update(self.by_industry.get(industry, ()))
        return [self.openings[i] for i in sorted(positions)]


def _first_free_slot(
    problem: MatchingInput,
    organization_id: int,
    attendee_slots: set[int],
    load: dict[tuple[int, int], int],
) -> int | None:
    capacity = problem.interviewers.get(organization_id, 0)
    for slot in range(problem.slot_count):
        if slot not in attendee_slots and load[(organization_id, slot)] < capacity:
            return slot
    return None
