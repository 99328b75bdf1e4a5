"""Turn the database's refusals into domain conflicts naming what was refused."""

from __future__ import annotations

import re
import sqlite3

import asyncpg

from fairs.core.errors import Conflict
from fairs.db.constraints import (
    BOOTHS,
    CALENDAR,
    FOUNDATION,
    INTERVIEW_NO_OVERLAP,
    MATCHING,
    OUTCOMES,
    TOURS,
    TRAINING,
    WAITLISTS,
    WEBHOOKS,
)

CHECKS = (FOUNDATION.checks + BOOTHS.checks + WAITLISTS.checks + MATCHING.checks + CALENDAR.checks
          + TRAINING.checks + TOURS.checks + OUTCOMES.checks + WEBHOOKS.checks)
UNIQUE_INDEXES = (FOUNDATION.unique_indexes + BOOTHS.unique_indexes + WAITLISTS.unique_indexes
                  + MATCHING.unique_indexes + CALENDAR.unique_indexes + TRAINING.unique_indexes
                  + TOURS.unique_indexes + OUTCOMES.unique_indexes + WEBHOOKS.unique_indexes)

_MESSAGES = {
    "booth_reserved_once_per_event": ("booth", "this booth is already held or reserved for the event"),
    "registration_once_per_event": ("event", "already registered for this event"),
    "interview_once_per_employer": ("organization", "already has an interview with this employer"),
    INTERVIEW_NO_OVERLAP: ("starts_at", "overlaps another interview of the attendee"),
    "booth_code_per_venue": ("code", "a booth with this code already exists at the venue"),
    "match_override_once": ("attendee_id", "this pair already has a pin or a ban for the event"),
    "attendee_phone_key": ("phone", "an attendee with this phone number already exists"),
    "account_login_key": ("login", "this login is taken"),
    "organization_credit_code_key": ("credit_code", "an organization with this credit code already exists"),
    "training_enrollment_once": ("attendee_id", "already enrolled in this training cohort"),
    "tour_village_once": ("area_id", "this village is already on the tour"),
    "tour_enterprise_once": ("organization_id", "this enterprise has already joined the tour"),
    "tour_plan_one_active": ("campaign_id", "a plan of this tour is already queued or running"),
    "calendar_item_per_enrollment": ("training_enrollment", "this enrollment already has its calendar entry"),
}
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?P<cols>.+)")
_SQLITE_NAMED = re.compile(r"(?:CHECK|EXCLUDE) constraint failed: (?P<name>\w+)")


def constraint_name(error: BaseException) -> str | None:
    """The name of the constraint or index that refused the write, if it can be told."""
    if isinstance(error, asyncpg.IntegrityConstraintViolationError):
        return getattr(error, "constraint_name", None)
    if isinstance(error, sqlite3.IntegrityError):
        message = str(error)
        named = _SQLITE_NAMED.search(message)
        if named:
            return named.group("name")
        unique = _SQLITE_UNIQUE.search(message)
        if unique:
            columns = [c.strip() for c in unique.group("cols").split(",")]
            table = columns[0].split(".")[0]
            names = tuple(c.split(".")[1] for c in columns)
            for index in UNIQUE_INDEXES:
                if index.table == table and index.columns == names:
                    return index.name
            if len(names) == 1:
                return f"{table}_{names[0]}_key"
    return None


def is_busy(error: BaseException) -> bool:
    """A lock could not be had in time (PostgreSQL lock_timeout or a deadlock it broke, SQLite
    busy timeout): the caller may simply try again."""
    if isinstance(error, (asyncpg.exceptions.LockNotAvailableError, asyncpg.exceptions.DeadlockDetectedError)):
        return True
    return isinstance(error, sqlite3.OperationalError) and "database is locked" in str(error)


def is_connection_lost(error: BaseException) -> bool:
    """The database connection broke mid-request (killed backend, restart, network). The
    write may or may not have committed: the client retries with its Idempotency-Key."""
    return isinstance(error, asyncpg.exceptions.ConnectionDoesNotExistError | asyncpg.exceptions.InterfaceError
                      | asyncpg.exceptions.AdminShutdownError | asyncpg.exceptions.CannotConnectNowError
                      | asyncpg.exceptions.InternalClientError | ConnectionError)


def is_timeout(error: BaseException) -> bool:
    """The database did not answer in time: no pooled connection free within the timeout, or a
    statement slower than it (``FAIRS_DB_TIMEOUT_SECONDS``; a server-side statement timeout).
    A write may or may not have committed: the client retries with its Idempotency-Key."""
    return isinstance(error, TimeoutError | asyncpg.exceptions.QueryCanceledError)


def is_integrity_error(error: BaseException) -> bool:
    return isinstance(error, asyncpg.IntegrityConstraintViolationError | sqlite3.IntegrityError)


def as_conflict(error: BaseException) -> Conflict:
    name = constraint_name(error) or "constraint"
    field, message = _MESSAGES.get(name, (None, None))
    if message is None:
        check = next((c for c in CHECKS if c.name == name), None)
        message = f"refused by the database rule {name}" if check else "conflicts with existing data"
    return Conflict(message, field=field, code=name)
