"""Webhook endpoints and their delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from msgspec import Meta, Struct

from fairs.api.schemas.common import Id

EventType = Annotated[str, Meta(min_length=1, max_length=40)]


class WebhookIn(Struct, forbid_unknown_fields=True):
    url: Annotated[str, Meta(min_length=1, max_length=500)]
    """Where to POST: https:// (http:// is refused in production)."""
    event_types: Annotated[list[EventType], Meta(max_length=20)]
    """registration.created, registration.cancelled, checkin.created, interviews.scheduled,
    interview.outcome"""
    description: Annotated[str, Meta(max_length=200)] = ""
    area_id: Id | None = None
    """Whose events: an area of mine (default: my own area)."""


class WebhookChangeIn(Struct, forbid_unknown_fields=True):
    url: Annotated[str, Meta(min_length=1, max_length=500)] | None = None
    event_types: Annotated[list[EventType], Meta(max_length=20)] | None = None
    active: bool | None = None
    description: Annotated[str, Meta(max_length=200)] | None = None


class DeliveryCounts(Struct):
    pending: int
    delivered: int
    failed: int
    dead: int


class WebhookOut(Struct):
    id: int
    area: int
    area_code: str
    url: str
    description: str
    event_types: list[str]
    active: bool
    created_at: datetime
    deliveries: DeliveryCounts


class WebhookSecretOut(WebhookOut):
    secret: str
    """The signing secret: shown now and never again (rotate it if it is lost)."""


class WebhookDeliveryOut(Struct):
    id: int
    endpoint: int
    event_type: str
    event_id: str
    status: str
    """pending, delivered, failed (will be retried at next_attempt_at), dead (given up)"""
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str
    delivered_at: datetime | None
    created_at: datetime
    payload: dict[str, Any]
    """The body sent: {"id", "type", "created_at", "data"}."""
