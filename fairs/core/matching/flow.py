"""Which pairs: the flow network and its min-cost flow, with the weights and the certificate
of the package docstring."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow  # type: ignore[import-untyped]

from fairs.core.matching.event import _Event, _prepare
from fairs.core.matching.model import Bools, Ints, MatchingInput
from fairs.core.matching.pairs import _pairs


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
            capacity: Ints, clock: Callable[[], float] | None = None,
            seconds: dict[str, float] | None = None) -> tuple[Ints, Ints]:
    """The min-cost flow of the package docstring, optimal for (0)–(c) over the flow relaxation.
    ``bonus``: per attendee 0, 1 (coverage) or 2 (priority). Returns (indexes of the chosen
    pairs, the block of each).

    Without pins it first tries a small coverage weight ``W = F + 1``: the cost-scaling solver
    needs fewer phases (about a third less time at 100,000 attendees). That flow maximises
    ``W·(P + C) + fit``; when its (P, C) equals the most priority attendees and the most
    attendees that can be covered at all (two max flows), no flow covers more and it has the
    most fit among those that cover as many: it is optimal. Otherwise it solves again with the
    safe weight. With ``clock``, ``seconds["min_cost_flow"]`` adds up the time OR-Tools spends
    solving (the rest is building its network and reading the flow back)."""
    if len(att) and not pinned.any():
        chosen, blocks = _flow(k, bonus, att, org, masks, score, pinned, capacity, int(score.max()) + 1, clock,
                               seconds)
        served = np.zeros(len(k), np.bool_)
        served[att[chosen]] = True
        served &= bonus > 0
        if (int((served & (bonus == 2)).sum()) == _most_covered(bonus == 2, att, org, masks, capacity)
                and int(served.sum()) == _most_covered(bonus > 0, att, org, masks, capacity)):
            return chosen, blocks
    return _flow(k, bonus, att, org, masks, score, pinned, capacity, None, clock, seconds)


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
          capacity: Ints, small_weight: int | None, clock: Callable[[], float] | None = None,
          seconds: dict[str, float] | None = None) -> tuple[Ints, Ints]:
    """One min-cost flow: the safe weights of the package docstring, or ``small_weight`` as the
    coverage weight. Returns (indexes of the chosen pairs, the block of each)."""
    if not len(att):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    n_org, n_blocks = capacity.shape
    people, att_node = _dense_unique(att)
    unique_masks, mask_of = _dense_unique(masks) if len(masks) and masks.max() < 1 << 20 else np.unique(
        masks, return_inverse=True)
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
    started = clock() if clock else 0.0
    status = solver.solve()
    if clock and seconds is not None:
        seconds["min_cost_flow"] = seconds.get("min_cost_flow", 0.0) + clock() - started
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
