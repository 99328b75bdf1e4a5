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

from fairs.core.matching.colouring import KEMPE_TRIES, colour_bipartite
from fairs.core.matching.fit_score import fit, haversine_km
from fairs.core.matching.flow import FlowOptimum, MatchingNetwork, flow_optimum, matching_network
from fairs.core.matching.model import (
    COMMUTE_BANDS_KM,
    EARTH_RADIUS_KM,
    FIT_MAX,
    FOOD_AND_LODGING_POINTS,
    INDUSTRY_POINTS,
    MAX_BLOCKS,
    PART_TIME_POINTS,
    PRIORITY_GROUPS,
    RANK_POINTS,
    REPAIR_ROUNDS,
    SKILL_POINTS,
    SKILLS_COUNTED,
    Booked,
    Bools,
    Candidate,
    FitScore,
    Floats,
    GeoPoint,
    Ints,
    MatchingInput,
    MatchingMetrics,
    MatchingResult,
    Opening,
    ProposedInterview,
    UnmetPin,
)
from fairs.core.matching.pairs import CandidatePairs, candidate_pairs
from fairs.core.matching.solve import assign_interviews, matching_metrics, solve_matching

__all__ = [
    "Booked",
    "Bools",
    "COMMUTE_BANDS_KM",
    "Candidate",
    "CandidatePairs",
    "EARTH_RADIUS_KM",
    "FIT_MAX",
    "FOOD_AND_LODGING_POINTS",
    "FitScore",
    "Floats",
    "FlowOptimum",
    "GeoPoint",
    "INDUSTRY_POINTS",
    "Ints",
    "KEMPE_TRIES",
    "MAX_BLOCKS",
    "MatchingInput",
    "MatchingMetrics",
    "MatchingNetwork",
    "MatchingResult",
    "Opening",
    "PART_TIME_POINTS",
    "PRIORITY_GROUPS",
    "ProposedInterview",
    "RANK_POINTS",
    "REPAIR_ROUNDS",
    "SKILLS_COUNTED",
    "SKILL_POINTS",
    "UnmetPin",
    "assign_interviews",
    "candidate_pairs",
    "colour_bipartite",
    "fit",
    "flow_optimum",
    "haversine_km",
    "matching_metrics",
    "matching_network",
    "solve_matching",
]
