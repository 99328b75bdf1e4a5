"""The whole matching: flow, slots and repair rounds, with the diagnostics and the metrics."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from fairs.core.matching.colouring import _place
from fairs.core.matching.event import _Event, _prepare
from fairs.core.matching.flow import MatchingNetwork, _capacity_by_block, _choose, _network, _pair_blocks
from fairs.core.matching.model import (
    REPAIR_ROUNDS,
    Bools,
    Ints,
    MatchingInput,
    MatchingMetrics,
    MatchingResult,
    ProposedInterview,
    UnmetPin,
)
from fairs.core.matching.pairs import _pairs


def solve_matching(problem: MatchingInput, *, clock: Callable[[], float] | None = None) -> MatchingResult:
    """Propose new interviews on top of the ``booked`` ones (never touched), lexicographically
    optimal as the package docstring explains, with diagnostics.

    Guarantees, always: an attendee gets at most ``per_attendee`` interviews in all (booked
    ones count), only in their free slots, never two in one slot, never two with the same
    organization, never a declined or forbidden one, and only with an organization one of
    whose positions they fit; an organization never has more interviews in a slot than it has
    interviewers, nor any outside its blocks. Optimal when ``proven_optimal``; see the module
    docstring for when that is certain in advance. ``clock`` (e.g. ``time.perf_counter``)
    fills ``phase_seconds``: ``pairs``, ``flow``, ``slots``, and ``min_cost_flow`` (OR-Tools'
    part of ``flow``). Deterministic; interviews sorted by the attendee's ``order``, attendee
    id, then slot.
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
                                 net.pair_pinned[sel], capacity, clock, seconds)
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
    order = np.array([c.order for c in event.candidates], np.int64)
    att = net.pair_attendee[rows]
    rows = rows[np.lexsort((placed_slot[rows], net.attendee_ids[att], order[att]))]
    return tuple(map(ProposedInterview, net.attendee_ids[net.pair_attendee[rows]].tolist(),
                     net.organization_ids[net.pair_organization[rows]].tolist(), net.pair_position[rows].tolist(),
                     placed_slot[rows].tolist(), net.pair_score[rows].tolist(), net.pair_pinned[rows].tolist()))


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
