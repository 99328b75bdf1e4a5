"""Booth allocation at the close of an application window: random serial dictatorship with priority tiers.

Employers apply during a window with ranked booth or zone preferences; when the window closes,
all booths are allocated at once by :func:`allocate`, a pure function of plain data (no clock,
no I/O). The service loads booths and applications, calls it with a stored seed, and saves what
it returns.

The rules
=========

1. **Order.** Applications are grouped by ``priority``, higher tiers first. Within a tier a
   lottery decides: the tier's organization ids are sorted ascending and shuffled with
   ``random.Random(f"{seed}:{priority}")``. String seeds use version-2 seeding (SHA-512 of the
   string), so the same seed gives the same lottery on every machine and Python version. Input
   order and ``applied_order`` never influence anything: applying first does not win.
2. **Rounds.** Everyone's first booth comes before anyone's second: round *r* walks the order
   and serves each organization that may still take more booths (``max_booths``).
3. **A turn.** An organization takes its best-ranked preference that can still be served and
   is allowed by its zoning (``allowed_zones``): a booth preference gives that booth, a zone
   preference gives the best free booth of that zone (booth code order, then booth id). If no
   preference can be served, then in round 1 only, and only when ``fallback_to_any`` is set (or
   the organization listed no preferences at all, which means "any allowed booth"), it takes the
   best free allowed booth in zone-name order, then code order (``choice=None``). Extra booths
   beyond the first come only from preferences. Otherwise it gets nothing this round, and since
   booths are only ever taken, never freed, nothing in any later round either.
4. **Result.** Every application ends either with at least one :class:`Assignment` or as exactly
   one :class:`Unassigned`, each with an English explanation naming its tier, its lottery
   position, which choice it got, and why better choices were not available.

Why this is fair
================

* *Strategy-proof.* When its turn comes, an organization simply receives its best choice among
  what is still free; what is free depends only on the organizations ahead of it. Listing
  preferences in any order other than the true one can only give it something it likes less,
  so an employer never gains by misreporting (the classic property of serial dictatorship).
* *Equal treatment within a tier.* The lottery gives every permutation of a tier the same
  probability; an identical application has identical chances whoever submitted it and when.
* *Organizer policy is explicit.* The only things that put one employer ahead of another are the
  organizer's ``priority`` tier (e.g. many positions for priority groups) and the published seed.
* *Spread before depth.* Rounds stop a large employer from taking several booths while another
  has none; the per-organization cap is the organizer's ``max_booths``.
* *Reproducible and explainable.* The same seed and input give the identical result; anyone can
  re-run it, and each line of the result says why it came out that way.

Complexity
==========

O(B log B + A log A + total preferences) for B booths and A applications: each zone keeps its
booths in code order with a pointer that lazily skips taken booths, each organization keeps a
pointer past preferences that can no longer be served (booths are never freed, so a preference
that cannot be served now never can again), and every turn either takes a booth or retires the
organization.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from fairs.core.errors import FieldProblem, InvalidInput

__all__ = ["Application", "AllocationResult", "Assignment", "BoothOption", "Preference", "Unassigned", "allocate"]

# An explanation lists at most this many better choices one by one, then counts the rest.
_LISTED_REASONS = 5


@dataclass(frozen=True)
class BoothOption:
    """A booth that can be allocated. Within a zone, booths are "best" in code order (A01 before A02)."""

    booth_id: int
    code: str
    zone: str


@dataclass(frozen=True)
class Preference:
    """One ranked wish: a specific booth, or any booth of a zone. Exactly one of the two is set."""

    booth_id: int | None = None
    zone: str | None = None


@dataclass(frozen=True)
class Application:
    """An employer's application. ``priority``: higher goes first. ``applied_order`` is for display only."""

    organization_id: int
    priority: int
    preferences: tuple[Preference, ...]
    allowed_zones: frozenset[str] | None = None
    max_booths: int = 1
    applied_order: int = 0


@dataclass(frozen=True)
class Assignment:
    """A booth given to an organization. ``choice`` is the 1-based preference rank, None for the fallback."""

    organization_id: int
    booth_id: int
    booth_code: str
    choice: int | None
    explanation: str


@dataclass(frozen=True)
class Unassigned:
    """An organization that got no booth at all, and why."""

    organization_id: int
    explanation: str


@dataclass(frozen=True)
class AllocationResult:
    """``order``: organization ids in the order they chose. ``assignments``: in the order they were made."""

    seed: int
    order: tuple[int, ...]
    assignments: tuple[Assignment, ...]
    unassigned: tuple[Unassigned, ...]


def allocate(
    booths: Sequence[BoothOption],
    applications: Sequence[Application],
    seed: int,
    fallback_to_any: bool = True,
) -> AllocationResult:
    """Allocate all booths at once by random serial dictatorship with priority tiers (see the module docstring).

    Guarantees: no booth is given twice; no organization gets more than its ``max_booths``; no
    booth outside an organization's ``allowed_zones``; every organization's first booth before
    anyone's second; the result depends only on the *sets* of booths and applications and on
    ``seed`` (not on their order, nor on ``applied_order``). Runs in O(B log B + A log A + P) for
    B booths, A applications and P preferences in total.

    Raises :class:`~fairs.core.errors.InvalidInput` (with every problem in ``problems``) for
    duplicate booth ids, duplicate organization ids, a preference that sets both or neither of
    ``booth_id``/``zone``, a preference naming an unknown booth id, or ``max_booths`` < 1.
    """
    _validate(booths, applications)
    return _Allocation(booths, applications, seed, fallback_to_any).run()


def _validate(booths: Sequence[BoothOption], applications: Sequence[Application]) -> None:
    problems: list[FieldProblem] = []
    booth_ids: set[int] = set()
    for i, booth in enumerate(booths):
        if booth.booth_id in booth_ids:
            problems.append(FieldProblem(f"booths[{i}].booth_id", f"booth id {booth.booth_id} appears twice"))
        booth_ids.add(booth.booth_id)
    organization_ids: set[int] = set()
    for i, application in enumerate(applications):
        if application.organization_id in organization_ids:
            problems.append(
                FieldProblem(
                    f"applications[{i}].organization_id",
                    f"organization {application.organization_id} applies twice",
                )
            )
        organization_ids.add(application.organization_id)
        if application.max_booths < 1:
            problems.append(FieldProblem(f"applications[{i}].max_booths", "must be at least 1"))
        for j, preference in enumerate(application.preferences):
            field = f"applications[{i}].preferences[{j}]"
            if (preference.booth_id is None) == (preference.zone is None):
                problems.append(FieldProblem(field, "must name exactly one of booth_id or zone"))
            elif preference.booth_id is not None and preference.booth_id not in booth_ids:
                problems.append(FieldProblem(f"{field}.booth_id", f"no booth with id {preference.booth_id}"))
    if problems:
        first = problems[0]
        raise InvalidInput(first.message, first.field, code="invalid_allocation_input", problems=problems)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _booths(n: int) -> str:
    return "1 booth" if n == 1 else f"{n} booths"


class _ZoneQueue:
    """A zone's booths in code order, with a pointer that lazily skips booths taken since."""

    __slots__ = ("booths", "next")

    def __init__(self, booths: list[BoothOption]) -> None:
        self.booths = booths
        self.next = 0

    def best_free(self, taken: dict[int, tuple[int, int]]) -> BoothOption | None:
        while self.next < len(self.booths) and self.booths[self.next].booth_id in taken:
            self.next += 1
        return self.booths[self.next] if self.next < len(self.booths) else None


class _Allocation:
    """The state of one allocation run; :meth:`run` is called once."""

    def __init__(
        self, booths: Sequence[BoothOption], applications: Sequence[Application], seed: int, fallback_to_any: bool
    ) -> None:
        self.seed = seed
        self.fallback_to_any = fallback_to_any
        self.booth_by_id = {booth.booth_id: booth for booth in booths}
        by_zone: dict[str, list[BoothOption]] = defaultdict(list)
        for booth in booths:
            by_zone[booth.zone].append(booth)
        self.zone_names = sorted(by_zone)
        self.zones = {
            zone: _ZoneQueue(sorted(by_zone[zone], key=lambda b: (b.code, b.booth_id))) for zone in self.zone_names
        }
        # Every booth in fallback order (zone, code, id): the fallback for organizations allowed in any zone.
        self.any_zone = _ZoneQueue([booth for zone in self.zone_names for booth in self.zones[zone].booths])
        self.application = {a.organization_id: a for a in applications}
        self.taken: dict[int, tuple[int, int]] = {}  # booth id -> (organization id, round)
        self.held: dict[int, int] = defaultdict(int)  # organization id -> booths so far
        self.first_open: dict[int, int] = defaultdict(int)  # organization id -> first preference maybe servable
        self.order: list[int] = []
        self.position: dict[int, tuple[int, int]] = {}  # organization id -> (lottery position, tier size)
        tiers: dict[int, list[int]] = defaultdict(list)
        for application in applications:
            tiers[application.priority].append(application.organization_id)
        for priority in sorted(tiers, reverse=True):
            tier = sorted(tiers[priority])
            random.Random(f"{seed}:{priority}").shuffle(tier)
            for place, organization_id in enumerate(tier, start=1):
                self.position[organization_id] = (place, len(tier))
            self.order.extend(tier)

    def run(self) -> AllocationResult:
        assignments: list[Assignment] = []
        unassigned: list[Unassigned] = []
        active = self.order
        round_number = 1
        while active:
            still_active: list[int] = []
            for organization_id in active:
                assignment = self.turn(self.application[organization_id], round_number)
                if assignment is None:
                    if round_number == 1:
                        unassigned.append(self.unassigned(self.application[organization_id]))
                    continue
                assignments.append(assignment)
                if self.held[organization_id] < self.application[organization_id].max_booths:
                    still_active.append(organization_id)
            active = still_active
            round_number += 1
        return AllocationResult(self.seed, tuple(self.order), tuple(assignments), tuple(unassigned))

    def allows(self, application: Application, zone: str) -> bool:
        return application.allowed_zones is None or zone in application.allowed_zones

    def serve(self, application: Application, preference: Preference) -> BoothOption | None:
        """The booth this preference gives now, or None if it cannot be served (now or ever again)."""
        if preference.booth_id is not None:
            booth = self.booth_by_id[preference.booth_id]
            free = booth.booth_id not in self.taken and self.allows(application, booth.zone)
            return booth if free else None
        assert preference.zone is not None
        queue = self.zones.get(preference.zone)
        if queue is None or not self.allows(application, preference.zone):
            return None
        return queue.best_free(self.taken)

    def fallback(self, application: Application) -> BoothOption | None:
        if application.allowed_zones is None:
            return self.any_zone.best_free(self.taken)
        for zone in self.zone_names:
            if zone in application.allowed_zones:
                booth = self.zones[zone].best_free(self.taken)
                if booth is not None:
                    return booth
        return None

    def turn(self, application: Application, round_number: int) -> Assignment | None:
        organization_id = application.organization_id
        preferences = application.preferences
        rank = self.first_open[organization_id]
        booth: BoothOption | None = None
        while rank < len(preferences):
            booth = self.serve(application, preferences[rank])
            if booth is not None:
                break
            rank += 1
        self.first_open[organization_id] = rank
        choice: int | None = rank + 1
        if booth is None:
            choice = None
            if round_number == 1 and (self.fallback_to_any or not preferences):
                booth = self.fallback(application)
            if booth is None:
                return None
        self.taken[booth.booth_id] = (organization_id, round_number)
        self.held[organization_id] += 1
        return Assignment(
            organization_id, booth.booth_id, booth.code, choice, self.explain(application, round_number, choice, booth)
        )

    def heading(self, application: Application) -> str:
        place, size = self.position[application.organization_id]
        return f"priority {application.priority}, lottery position {place} of {size} in that tier"

    def describe(self, preference: Preference) -> str:
        if preference.booth_id is not None:
            return self.booth_by_id[preference.booth_id].code
        return f"zone {preference.zone}"

    def why_not(self, application: Application, preference: Preference, round_number: int) -> str:
        """Why a preference could not be served at this organization's turn in this round."""
        if preference.booth_id is not None:
            booth = self.booth_by_id[preference.booth_id]
            if not self.allows(application, booth.zone):
                return "is outside its allowed zones"
            holder, taken_in = self.taken[booth.booth_id]
            if holder == application.organization_id:
                return "is already its booth"
            if taken_in < round_number:
                return f"was taken by another applicant in round {taken_in}"
            return "was taken by an applicant ahead of it"
        assert preference.zone is not None
        if preference.zone not in self.zones:
            return "has no booths"
        if not self.allows(application, preference.zone):
            return "is outside its allowed zones"
        return "had no free booth left"

    def explain(self, application: Application, round_number: int, choice: int | None, booth: BoothOption) -> str:
        parts = [self.heading(application)]
        if round_number > 1:
            parts.append(f"booth {round_number} of at most {application.max_booths}, round {round_number}")
        preferences = application.preferences
        if choice is None and not preferences:
            parts.append(
                f"listed no preferences, so it got {booth.code}, the best free booth {self.where(application)}"
            )
            return "; ".join(parts)
        if choice is None:
            better = len(preferences)
            none = "its only choice could not" if better == 1 else f"none of its {better} choices could"
            parts.append(f"{none} be served, so it got {booth.code}, the best free booth {self.where(application)}")
        else:
            preference = preferences[choice - 1]
            what = booth.code if preference.booth_id is not None else f"(zone {preference.zone}), booth {booth.code}"
            parts.append(f"got its {_ordinal(choice)} choice {what}")
            better = choice - 1
        for rank in range(min(better, _LISTED_REASONS)):
            preference = preferences[rank]
            reason = self.why_not(application, preference, round_number)
            parts.append(f"its {_ordinal(rank + 1)} choice {self.describe(preference)} {reason}")
        if better > _LISTED_REASONS:
            parts.append(f"{better - _LISTED_REASONS} more better choices were not available either")
        return "; ".join(parts)

    def where(self, application: Application) -> str:
        if application.allowed_zones is None:
            return "in any zone"
        return f"in its allowed zones ({', '.join(sorted(application.allowed_zones))})"

    def usable_count(self, application: Application) -> int:
        """How many booths this organization could have got in round 1 had they all been free."""
        if self.fallback_to_any or not application.preferences:
            return sum(len(self.zones[z].booths) for z in self.zone_names if self.allows(application, z))
        zones = {p.zone for p in application.preferences if p.zone in self.zones and self.allows(application, p.zone)}
        booth_ids = {
            p.booth_id
            for p in application.preferences
            if p.booth_id is not None
            and self.booth_by_id[p.booth_id].zone not in zones
            and self.allows(application, self.booth_by_id[p.booth_id].zone)
        }
        return sum(len(self.zones[z].booths) for z in zones if z is not None) + len(booth_ids)

    def unassigned(self, application: Application) -> Unassigned:
        parts = [self.heading(application)]
        usable = self.usable_count(application)
        allowed_anywhere = any(self.allows(application, zone) for zone in self.zone_names)
        allowed = application.allowed_zones or frozenset()
        if usable:
            could = "it could use were" if usable != 1 else "it could use was"
            if not self.fallback_to_any and application.preferences:
                could = "it asked for were" if usable != 1 else "it asked for was"
            every = "all " if usable != 1 else "the "
            taken = "applicants" if usable != 1 else "an applicant"
            parts.append(f"{every}{_booths(usable)} {could} taken by {taken} ahead of it")
        elif not self.zone_names:
            parts.append("there were no booths to allocate")
        elif not allowed_anywhere:
            parts.append(f"no booth is {self.where(application)}")
        elif all(
            not self.allows(application, self.booth_by_id[p.booth_id].zone if p.booth_id is not None else str(p.zone))
            for p in application.preferences
        ):
            parts.append(f"every choice it listed is outside its allowed zones ({', '.join(sorted(allowed))})")
        else:
            parts.append("its choices name only zones without booths or booths outside its allowed zones")
        if not self.fallback_to_any and application.preferences and allowed_anywhere:
            parts.append("falling back to any free booth is switched off")
        return Unassigned(application.organization_id, "; ".join(parts))
