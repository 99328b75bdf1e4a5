"""Outbound webhooks, the pure part: the event types, the signature and its verification.

A delivery is signed like Stripe's: the header ``Fairs-Signature: t=<unix seconds>,v1=<hex>``
where ``<hex>`` is HMAC-SHA256, keyed with the endpoint's secret, of ``"<t>.<raw body>"``.
Right after a secret was rotated the header carries one ``v1=`` per secret still valid (the
new one first), so a receiver keeps working while it switches.

:func:`verify_signature` is what a receiver runs; it uses nothing but the standard library,
so integrators can copy it as it is (docs/webhooks.md).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

EVENT_TYPES: tuple[str, ...] = (
    "registration.created",
    "registration.cancelled",
    "checkin.created",
    "interviews.scheduled",
    "interview.outcome",
)
"""What an endpoint may subscribe to. ``ping`` (a test delivery asked for by the organizer) is
sent to one endpoint whatever it subscribes to."""
PING = "ping"
TOLERANCE_SECONDS = 300
"""A receiver refuses signatures older (or further in the future) than this: a replay."""


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>.<body>"`` keyed with ``secret``."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secrets: Sequence[str], timestamp: int, body: bytes) -> str:
    """``t=<timestamp>,v1=<hex>[,v1=<hex>…]``: one ``v1`` per secret, in the given order."""
    return ",".join([f"t={timestamp}", *(f"v1={signature(s, timestamp, body)}" for s in secrets)])


def verify_signature(secret: str, header: str, body: bytes, now: float,
                     tolerance: int = TOLERANCE_SECONDS) -> bool:
    """Whether ``header`` (the ``Fairs-Signature`` value) signs ``body`` (the raw bytes as
    received, before any JSON parsing) with ``secret``, at a time within ``tolerance`` seconds
    of ``now`` (Unix seconds). Compares in constant time."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates or abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
