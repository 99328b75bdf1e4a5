"""Which slot: bipartite edge colouring, and the placement of the chosen pairs in slots."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from fairs.core.matching.event import _Event
from fairs.core.matching.flow import MatchingNetwork, _dense_unique
from fairs.core.matching.model import Bools, Ints

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
