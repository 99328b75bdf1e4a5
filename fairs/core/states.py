"""State machines of the things that change state. docs/domain.md draws them.

Each machine is a mapping ``state -> states it may move to``. :func:`move` is the one place
a transition is checked; services call it before they write the new state.
"""

from __future__ import annotations

from collections.abc import Mapping

from fairs.core.errors import Conflict

EVENT: Mapping[str, frozenset[str]] = {
    "draft": frozenset({"published", "cancelled"}),
    "published": frozenset({"closed", "cancelled"}),
    "closed": frozenset(),
    "cancelled": frozenset(),
}
BOOTH_RESERVATION: Mapping[str, frozenset[str]] = {
    "held": frozenset({"confirmed", "cancelled"}),
    "confirmed": frozenset({"cancelled"}),
    "cancelled": frozenset(),
}
REGISTRATION: Mapping[str, frozenset[str]] = {
    "registered": frozenset({"checked_in", "cancelled"}),
    "waitlisted": frozenset({"offered", "cancelled"}),
    "offered": frozenset({"registered", "expired", "cancelled"}),
    "checked_in": frozenset(),
    "cancelled": frozenset(),
    "expired": frozenset(),
}
INTERVIEW: Mapping[str, frozenset[str]] = {
    "proposed": frozenset({"accepted", "declined", "cancelled"}),
    "accepted": frozenset({"cancelled"}),
    "declined": frozenset(),
    "cancelled": frozenset(),
}
PARTICIPATION: Mapping[str, frozenset[str]] = {
    "applied": frozenset({"approved", "rejected", "withdrawn"}),
    "approved": frozenset({"withdrawn", "rejected"}),
    "rejected": frozenset({"approved"}),
    "withdrawn": frozenset({"applied"}),
}
MATCH_RUN: Mapping[str, frozenset[str]] = {
    "queued": frozenset({"running", "failed"}),
    "running": frozenset({"succeeded", "failed", "running"}),
    "succeeded": frozenset(),
    "failed": frozenset(),
}
TOUR_PLAN: Mapping[str, frozenset[str]] = {
    "queued": frozenset({"running", "failed"}),
    "running": frozenset({"ready", "failed"}),
    "ready": frozenset({"published"}),
    "published": frozenset({"superseded"}),
    "superseded": frozenset(),
    "failed": frozenset(),
}

MACHINES: Mapping[str, Mapping[str, frozenset[str]]] = {
    "event": EVENT,
    "booth_reservation": BOOTH_RESERVATION,
    "registration": REGISTRATION,
    "interview": INTERVIEW,
    "match_run": MATCH_RUN,
    "participation": PARTICIPATION,
    "tour_plan": TOUR_PLAN,
}

ACTIVE_RESERVATION = ("held", "confirmed")
ACTIVE_INTERVIEW = ("proposed", "accepted")


def move(machine: str, current: str, wanted: str) -> str:
    """Return ``wanted`` if ``machine`` allows ``current → wanted``; else raise Conflict.

    Staying in the same state is allowed only where the table lists it (a running match run
    restarted after a crash); everywhere else it is a conflict, so a retried request that
    already took effect is answered by its idempotency key, not by this check.
    """
    allowed = MACHINES[machine][current]
    if wanted not in allowed:
        raise Conflict(
            f"a {machine.replace('_', ' ')} that is {current} cannot become {wanted}",
            field="status",
            code="invalid_transition",
        )
    return wanted
