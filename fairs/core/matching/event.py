"""The event: slots and blocks, who is free when, who may meet whom."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fairs.core.errors import InvalidInput
from fairs.core.matching.model import MAX_BLOCKS, Bools, Candidate, Ints, MatchingInput


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
