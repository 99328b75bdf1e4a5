"""Everything the database must refuse, listed once and written for each engine.

PostgreSQL gets CHECK constraints, (partial) unique indexes and an exclusion constraint;
SQLite gets the same unique indexes and, since it cannot add constraints to an existing
table, BEFORE INSERT/UPDATE triggers that raise with the constraint's name.
The names are what :mod:`fairs.db.integrity` maps back to a 409 answer.
"""

from __future__ import annotations

from dataclasses import dataclass

ACTIVE_RESERVATION = "status IN ('held', 'confirmed')"
ACTIVE_INTERVIEW = "status IN ('proposed', 'accepted')"


@dataclass(frozen=True)
class CheckRule:
    table: str
    name: str
    condition: str
    """SQL over the row's columns; ``{row}`` stands before each column name."""


@dataclass(frozen=True)
class UniqueIndex:
    table: str
    name: str
    columns: tuple[str, ...]
    where: str = ""


def _one_of(column: str, *values: str) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{{row}}{column} IN ({quoted})"


CHECKS: tuple[CheckRule, ...] = (
    CheckRule("area", "area_level", _one_of("level", "city", "county", "township", "village")),
    CheckRule("area", "area_code", "length({row}code) = 12"),
    CheckRule("service_station", "service_station_kind",
              _one_of("kind", "post_station", "gig_home", "employment_supermarket")),
    CheckRule("account", "account_scope",
              "{row}role NOT IN ('organizer', 'staff') OR {row}area IS NOT NULL"),
    CheckRule("attendee", "attendee_language", _one_of("language", "zh", "en")),
    CheckRule("account", "account_role", _one_of("role", "organizer", "employer", "staff", "attendee")),
    CheckRule("campaign", "campaign_kind", _one_of("kind", "village_tour", "festival", "other")),
    CheckRule("event", "event_kind", _one_of("kind", "onsite_fair", "village_stop", "online_fair", "training")),
    CheckRule("event", "event_status", _one_of("status", "draft", "published", "closed", "cancelled")),
    CheckRule("event", "event_times", "{row}ends_at > {row}starts_at"),
    CheckRule("event", "event_interview_settings",
              "{row}interview_slot_minutes > 0 AND {row}interviews_per_attendee > 0"),
    CheckRule("position", "position_headcount", "{row}headcount > 0"),
    CheckRule("position", "position_wage_range",
              "{row}wage_min IS NULL OR {row}wage_max IS NULL OR {row}wage_min <= {row}wage_max"),
    CheckRule("registration", "registration_status", _one_of("status", "registered", "checked_in", "cancelled")),
    CheckRule("registration", "registration_channel", _one_of("channel", "self", "staff")),
    CheckRule("booth_reservation", "booth_reservation_status", _one_of("status", "held", "confirmed", "cancelled")),
    CheckRule("booth_reservation", "booth_reservation_interviewers", "{row}interviewers >= 0"),
    CheckRule("booth_reservation", "booth_reservation_hold_has_expiry",
              "{row}status <> 'held' OR {row}hold_expires_at IS NOT NULL"),
    CheckRule("match_run", "match_run_status", _one_of("status", "queued", "running", "succeeded", "failed")),
    CheckRule("interview_slot", "interview_status", _one_of("status", "proposed", "accepted", "declined", "cancelled")),
    CheckRule("interview_slot", "interview_times", "{row}ends_at > {row}starts_at"),
    CheckRule("calendar_item", "calendar_item_kind",
              _one_of("kind", "interview", "fair_event", "booth_reservation", "village_stop", "training")),
    CheckRule("calendar_item", "calendar_item_sequence", "{row}sequence >= 0"),
    CheckRule("outbox", "outbox_channel", _one_of("channel", "email", "sms")),
)

UNIQUE_INDEXES: tuple[UniqueIndex, ...] = (
    UniqueIndex("booth", "booth_code_per_venue", ("venue", "code")),
    UniqueIndex("registration", "registration_once_per_event", ("attendee", "event"), "status <> 'cancelled'"),
    UniqueIndex("booth_reservation", "booth_reserved_once_per_event", ("booth", "event"), ACTIVE_RESERVATION),
    UniqueIndex("interview_slot", "interview_once_per_employer", ("event", "attendee", "organization"),
                ACTIVE_INTERVIEW),
    UniqueIndex("idempotency_record", "idempotency_key_per_account", ("account", "key")),
    UniqueIndex("calendar_item", "calendar_item_per_event", ("event", "kind"), "interview_slot IS NULL"),
)

INTERVIEW_NO_OVERLAP = "interview_no_overlap"

# Plain indexes for the lookups every request makes.
INDEXES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("area", "area_by_parent", ("parent",)),
    ("campaign", "campaign_by_area", ("area",)),
    ("venue", "venue_by_area", ("area",)),
    ("event", "event_by_area", ("area", "status")),
    ("attendee", "attendee_by_home_area", ("home_area",)),
    ("registration", "registration_by_attendee", ("attendee",)),
    ("service_station", "service_station_by_area", ("area",)),
    ("interview_slot", "interview_by_attendee", ("attendee", "starts_at")),
    ("interview_slot", "interview_by_organization", ("organization", "event", "slot_index")),
    ("registration", "registration_by_event", ("event", "status")),
    ("booth_reservation", "booth_reservation_by_event", ("event", "status")),
    ("position", "position_by_organization", ("organization",)),
    ("outbox", "outbox_unsent", ("sent_at", "id")),
    ("match_run", "match_run_by_event", ("event", "status")),
)


def postgres_statements() -> list[str]:
    statements = [
        f'ALTER TABLE "{c.table}" ADD CONSTRAINT "{c.name}" CHECK ({c.condition.format(row="")})'
        for c in CHECKS
    ]
    statements += [_unique_index(u) for u in UNIQUE_INDEXES]
    statements += [_index(*i) for i in INDEXES]
    statements += [
        "CREATE EXTENSION IF NOT EXISTS btree_gist",
        f'ALTER TABLE interview_slot ADD CONSTRAINT "{INTERVIEW_NO_OVERLAP}" EXCLUDE USING gist '
        f"(attendee WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE ({ACTIVE_INTERVIEW})",
    ]
    return statements


def sqlite_statements() -> list[str]:
    statements: list[str] = ["PRAGMA journal_mode = WAL"]
    for c in CHECKS:
        for when in ("INSERT", "UPDATE"):
            statements.append(
                f'CREATE TRIGGER "{c.name}_{when.lower()}" BEFORE {when} ON "{c.table}" '
                f"WHEN NOT ({c.condition.format(row='NEW.')}) "
                f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {c.name}'); END"
            )
    statements += [_unique_index(u) for u in UNIQUE_INDEXES]
    statements += [_index(*i) for i in INDEXES]
    active_new = ACTIVE_INTERVIEW.replace("status", "NEW.status")
    active_other = ACTIVE_INTERVIEW.replace("status", "other.status")
    for when, not_self in (("INSERT", ""), ("UPDATE", " AND other.id <> NEW.id")):
        statements.append(
            f'CREATE TRIGGER "{INTERVIEW_NO_OVERLAP}_{when.lower()}" BEFORE {when} ON interview_slot '
            f"WHEN {active_new} AND EXISTS (SELECT 1 FROM interview_slot AS other "
            f"WHERE other.attendee = NEW.attendee AND {active_other}{not_self} "
            f"AND other.starts_at < NEW.ends_at AND NEW.starts_at < other.ends_at) "
            f"BEGIN SELECT RAISE(ABORT, 'EXCLUDE constraint failed: {INTERVIEW_NO_OVERLAP}'); END"
        )
    return statements


def _unique_index(u: UniqueIndex) -> str:
    where = f" WHERE {u.where}" if u.where else ""
    return f'CREATE UNIQUE INDEX "{u.name}" ON "{u.table}" ({", ".join(u.columns)}){where}'


def _index(table: str, name: str, columns: tuple[str, ...]) -> str:
    return f'CREATE INDEX "{name}" ON "{table}" ({", ".join(columns)})'
