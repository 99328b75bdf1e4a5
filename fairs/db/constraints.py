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


@dataclass(frozen=True)
class RuleSet:
    """The rules one migration adds. With ``replacing``, each check and unique index first
    drops one of the same name (a later migration widening an earlier rule)."""

    checks: tuple[CheckRule, ...] = ()
    unique_indexes: tuple[UniqueIndex, ...] = ()
    indexes: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    postgres_extra: tuple[str, ...] = ()
    sqlite_extra: tuple[str, ...] = ()
    replacing: bool = False


def _interview_overlap_triggers() -> tuple[str, ...]:
    active_new = ACTIVE_INTERVIEW.replace("status", "NEW.status")
    active_other = ACTIVE_INTERVIEW.replace("status", "other.status")
    return tuple(
        f'CREATE TRIGGER "{INTERVIEW_NO_OVERLAP}_{when.lower()}" BEFORE {when} ON interview_slot '
        f"WHEN {active_new} AND EXISTS (SELECT 1 FROM interview_slot AS other "
        f"WHERE other.attendee = NEW.attendee AND {active_other}{not_self} "
        f"AND other.starts_at < NEW.ends_at AND NEW.starts_at < other.ends_at) "
        f"BEGIN SELECT RAISE(ABORT, 'EXCLUDE constraint failed: {INTERVIEW_NO_OVERLAP}'); END"
        for when, not_self in (("INSERT", ""), ("UPDATE", " AND other.id <> NEW.id"))
    )


FOUNDATION = RuleSet(
    CHECKS, UNIQUE_INDEXES, INDEXES,
    postgres_extra=(
        "CREATE EXTENSION IF NOT EXISTS btree_gist",
        f'ALTER TABLE interview_slot ADD CONSTRAINT "{INTERVIEW_NO_OVERLAP}" EXCLUDE USING gist '
        f"(attendee WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE ({ACTIVE_INTERVIEW})",
    ),
    sqlite_extra=("PRAGMA journal_mode = WAL", *_interview_overlap_triggers()),
)


def postgres_statements(rules: RuleSet = FOUNDATION) -> list[str]:
    drops = [f'ALTER TABLE "{c.table}" DROP CONSTRAINT IF EXISTS "{c.name}"' for c in rules.checks]
    drops += [f'DROP INDEX IF EXISTS "{u.name}"' for u in rules.unique_indexes]
    statements = (drops if rules.replacing else []) + [
        f'ALTER TABLE "{c.table}" ADD CONSTRAINT "{c.name}" CHECK ({c.condition.format(row="")})'
        for c in rules.checks
    ]
    statements += [_unique_index(u) for u in rules.unique_indexes]
    statements += [_index(*i) for i in rules.indexes]
    return statements + list(rules.postgres_extra)


def sqlite_statements(rules: RuleSet = FOUNDATION) -> list[str]:
    statements = [s for s in rules.sqlite_extra if s.startswith("PRAGMA")]
    if rules.replacing:
        statements += [f'DROP TRIGGER IF EXISTS "{c.name}_{when}"'
                       for c in rules.checks for when in ("insert", "update")]
        statements += [f'DROP INDEX IF EXISTS "{u.name}"' for u in rules.unique_indexes]
    for c in rules.checks:
        for when in ("INSERT", "UPDATE"):
            statements.append(
                f'CREATE TRIGGER "{c.name}_{when.lower()}" BEFORE {when} ON "{c.table}" '
                f"WHEN NOT ({c.condition.format(row='NEW.')}) "
                f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {c.name}'); END"
            )
    statements += [_unique_index(u) for u in rules.unique_indexes]
    statements += [_index(*i) for i in rules.indexes]
    return statements + [s for s in rules.sqlite_extra if not s.startswith("PRAGMA")]


def _unique_index(u: UniqueIndex) -> str:
    where = f" WHERE {u.where}" if u.where else ""
    return f'CREATE UNIQUE INDEX "{u.name}" ON "{u.table}" ({", ".join(u.columns)}){where}'


def _index(table: str, name: str, columns: tuple[str, ...]) -> str:
    return f'CREATE INDEX "{name}" ON "{table}" ({", ".join(columns)})'


BOOTHS = RuleSet(
    checks=(
        CheckRule("participation", "participation_status",
                  _one_of("status", "applied", "approved", "rejected", "withdrawn")),
        CheckRule("booth_application", "booth_application_status",
                  _one_of("status", "submitted", "allocated", "unassigned", "withdrawn")),
        CheckRule("allocation_run", "allocation_run_status",
                  _one_of("status", "queued", "running", "succeeded", "failed")),
        CheckRule("event", "event_booth_mode", _one_of("booth_mode", "direct", "application")),
        CheckRule("event", "event_limits",
                  "{row}booths_per_organization >= 1 AND ({row}capacity IS NULL OR {row}capacity >= 0) AND "
                  "({row}events_per_organization_per_month IS NULL OR {row}events_per_organization_per_month >= 1)"),
        CheckRule("booth_reservation", "booth_reservation_source",
                  _one_of("source", "hold", "allocation", "offer", "organizer")),
        CheckRule("booth", "booth_price", "{row}price_yuan IS NULL OR {row}price_yuan >= 0"),
    ),
    unique_indexes=(
        UniqueIndex("participation", "participation_once", ("event", "organization")),
        UniqueIndex("booth_block", "booth_blocked_once", ("event", "booth")),
        UniqueIndex("booth_application", "booth_application_once", ("event", "organization"),
                    "status <> 'withdrawn'"),
        UniqueIndex("floor_plan", "floor_plan_name_per_venue", ("venue", "name")),
        UniqueIndex("allocation_run", "allocation_run_one_active", ("event",), "status IN ('queued', 'running')"),
    ),
    indexes=(
        ("booth", "booth_by_floor_plan", ("floor_plan",)),
        ("participation", "participation_by_organization", ("organization", "status")),
        ("booth_reservation", "booth_reservation_by_organization", ("organization", "event")),
    ),
)


WAITLISTS = RuleSet(
    checks=(
        CheckRule("registration", "registration_status",
                  _one_of("status", "registered", "checked_in", "cancelled", "waitlisted", "offered", "expired")),
        CheckRule("waitlist_entry", "waitlist_entry_status",
                  _one_of("status", "waiting", "offered", "accepted", "expired", "withdrawn")),
    ),
    unique_indexes=(
        UniqueIndex("registration", "registration_once_per_event", ("attendee", "event"),
                    "status NOT IN ('cancelled', 'expired')"),
        UniqueIndex("waitlist_entry", "waitlist_once_per_event", ("event", "organization"),
                    "status IN ('waiting', 'offered')"),
    ),
    indexes=(
        ("waitlist_entry", "waitlist_by_event", ("event", "status", "id")),
        ("registration", "registration_waiting", ("event", "status", "id")),
    ),
    replacing=True,
)


MATCHING = RuleSet(
    checks=(
        CheckRule("match_override", "match_override_kind", _one_of("kind", "pin", "forbid")),
        CheckRule("attendee", "attendee_commute", "{row}max_commute_km IS NULL OR {row}max_commute_km >= 0"),
        CheckRule("position", "position_ages", "{row}min_age IS NULL OR {row}max_age IS NULL OR "
                                               "{row}min_age <= {row}max_age"),
    ),
    unique_indexes=(
        UniqueIndex("match_override", "match_override_once", ("event", "attendee", "organization")),
    ),
    indexes=(
        ("match_override", "match_override_by_event", ("event",)),
        ("interview_slot", "interview_by_event", ("event", "status")),
    ),
)


CALENDAR = RuleSet(
    checks=(
        CheckRule("outbox", "outbox_method", _one_of("method", "", "REQUEST", "CANCEL")),
        CheckRule("outbox", "outbox_sequence", "{row}sequence IS NULL OR {row}sequence >= 0"),
    ),
    unique_indexes=(
        # one lasting item per event for the fair itself (booth and interview items have their own links)
        UniqueIndex("calendar_item", "calendar_item_per_event", ("event", "kind"), "kind = 'fair_event'"),
        UniqueIndex("calendar_feed", "calendar_feed_live_per_account", ("account",), "revoked_at IS NULL"),
        UniqueIndex("calendar_item", "calendar_item_per_booth", ("booth_reservation",),
                    "booth_reservation IS NOT NULL"),
    ),
    indexes=(
        ("outbox", "outbox_due", ("sent_at", "next_attempt_at", "id")),
        ("calendar_item", "calendar_item_by_event", ("event", "kind")),
    ),
    replacing=True,
)


TRAINING = RuleSet(
    checks=(
        CheckRule("training_cohort", "training_cohort_status", _one_of("status", "draft", "published", "cancelled")),
        CheckRule("training_cohort", "training_cohort_days", "{row}days >= 1 AND {row}days <= 30"),
        CheckRule("training_cohort", "training_cohort_times",
                  "{row}first_session_ends_at > {row}first_session_starts_at"),
        CheckRule("training_cohort", "training_cohort_capacity", "{row}capacity IS NULL OR {row}capacity >= 1"),
        CheckRule("training_enrollment", "training_enrollment_status", _one_of("status", "enrolled", "withdrawn")),
    ),
    unique_indexes=(
        UniqueIndex("training_enrollment", "training_enrollment_once", ("cohort", "attendee"), "status = 'enrolled'"),
        # SQLite cannot add a UNIQUE column: one calendar item per enrollment by a partial unique index
        UniqueIndex("calendar_item", "calendar_item_per_enrollment", ("training_enrollment",),
                    "training_enrollment IS NOT NULL"),
    ),
    indexes=(
        ("training_cohort", "training_cohort_by_area", ("area", "status")),
        ("training_cohort", "training_cohort_by_status", ("status", "first_session_starts_at")),
        ("training_enrollment", "training_enrollment_by_cohort", ("cohort", "status")),
        ("training_enrollment", "training_enrollment_by_attendee", ("attendee",)),
    ),
)


TOURS = RuleSet(
    checks=(
        CheckRule("tour_plan", "tour_plan_status",
                  _one_of("status", "queued", "running", "ready", "failed", "published", "superseded")),
        CheckRule("tour_enterprise", "tour_enterprise_status", _one_of("status", "joined", "dropped")),
        CheckRule("tour_enterprise", "tour_enterprise_numbers",
                  "{row}staff >= 1 AND {row}max_stops_per_day >= 1 AND ({row}max_days IS NULL OR {row}max_days >= 1)"),
        CheckRule("tour_setup", "tour_setup_numbers",
                  "{row}buses_per_day >= 0 AND {row}seats >= 1 AND {row}detour_factor >= 1 AND "
                  "{row}average_speed_kmh > 0 AND {row}min_enterprises_per_stop >= 0 AND "
                  "({row}max_same_industry IS NULL OR {row}max_same_industry >= 1) AND "
                  "({row}max_stops_per_bus IS NULL OR {row}max_stops_per_bus >= 1)"),
        CheckRule("tour_village", "tour_village_numbers",
                  "{row}stop_minutes > 0 AND {row}booth_capacity >= 1 AND {row}required_stops >= 0"),
        CheckRule("booth_reservation", "booth_reservation_source",
                  _one_of("source", "hold", "allocation", "offer", "organizer", "tour")),
    ),
    unique_indexes=(
        UniqueIndex("tour_village", "tour_village_once", ("campaign", "area")),
        UniqueIndex("tour_enterprise", "tour_enterprise_once", ("campaign", "organization")),
        UniqueIndex("tour_plan", "tour_plan_one_active", ("campaign",), "status IN ('queued', 'running')"),
        UniqueIndex("tour_bus_day", "tour_bus_day_once", ("plan", "day", "bus")),
        UniqueIndex("tour_stop", "tour_stop_once", ("plan", "village", "stop_number")),
        UniqueIndex("tour_rider", "tour_rider_once", ("bus_day", "organization")),
        UniqueIndex("tour_ride", "tour_ride_once", ("campaign", "organization", "day")),
        # SQLite cannot add a UNIQUE column: one calendar item per ride by a partial unique index
        UniqueIndex("calendar_item", "calendar_item_per_ride", ("tour_ride",), "tour_ride IS NOT NULL"),
    ),
    indexes=(
        ("tour_stop", "tour_stop_by_plan", ("plan", "bus_day", "position")),
        ("tour_rider", "tour_rider_by_plan", ("plan", "bus_day")),
        ("event", "event_by_tour_village", ("tour_village", "status")),
        ("tour_plan", "tour_plan_by_campaign", ("campaign", "status")),
    ),
    replacing=True,
)


OUTCOMES = RuleSet(
    checks=(
        CheckRule("interview_slot", "interview_outcome",
                  _one_of("outcome", "", "no_show", "attended", "offer", "hired")),
        CheckRule("interview_slot", "interview_hire_has_position",
                  "{row}outcome <> 'hired' OR ({row}hired_position IS NOT NULL AND {row}start_date IS NOT NULL)"),
        CheckRule("follow_up", "follow_up_kind",
                  _one_of("kind", "retention_1m", "retention_3m", "retention_6m", "no_offer")),
        CheckRule("follow_up", "follow_up_status", _one_of("status", "open", "done")),
        CheckRule("follow_up", "follow_up_subject",
                  "({row}interview IS NOT NULL) <> ({row}registration IS NOT NULL)"),
        CheckRule("walk_in", "walk_in_status", _one_of("status", "waiting", "called", "served", "left")),
        CheckRule("walk_in", "walk_in_number", "{row}number >= 1"),
    ),
    unique_indexes=(
        UniqueIndex("follow_up", "follow_up_once_per_interview", ("interview", "kind"), "interview IS NOT NULL"),
        UniqueIndex("follow_up", "follow_up_once_per_registration", ("registration", "kind"),
                    "registration IS NOT NULL"),
        UniqueIndex("walk_in", "walk_in_number_once", ("event", "organization", "number")),
    ),
    indexes=(
        ("follow_up", "follow_up_by_station", ("station", "status", "due_on")),
        ("contact_read", "contact_read_by_attendee", ("attendee", "at")),
        ("contact_read", "contact_read_by_organization", ("organization", "at")),
        ("walk_in", "walk_in_queue", ("event", "organization", "status", "number")),
        ("interview_slot", "interview_by_outcome", ("event", "outcome")),
        ("registration", "registration_by_event_status", ("event", "status")),
    ),
)


CHECK_INS = RuleSet(
    checks=(),
    unique_indexes=(),
    indexes=(("registration", "registration_arrivals", ("event", "checked_in_at")),),
)


WEBHOOKS = RuleSet(
    checks=(
        CheckRule("webhook_delivery", "webhook_delivery_status",
                  _one_of("status", "pending", "delivered", "failed", "dead")),
        CheckRule("webhook_delivery", "webhook_delivery_attempts", "{row}attempts >= 0"),
        CheckRule("webhook_endpoint", "webhook_endpoint_url",
                  "{row}url LIKE 'http://%' OR {row}url LIKE 'https://%'"),
    ),
    unique_indexes=(
        # an event reaches an endpoint once, however often the change that caused it is written
        UniqueIndex("webhook_delivery", "webhook_delivery_once", ("endpoint", "event_id")),
    ),
    indexes=(
        ("webhook_endpoint", "webhook_endpoint_by_area", ("area", "active")),
        ("webhook_delivery", "webhook_delivery_due", ("status", "next_attempt_at")),
        ("webhook_delivery", "webhook_delivery_log", ("endpoint", "id")),
    ),
)


_ACTIVE_NEW = ACTIVE_INTERVIEW.replace("status", "n.status")
_ACTIVE_OLD = ACTIVE_INTERVIEW.replace("status", "o.status")
_OVERLAP_CHECK = f"""
CREATE OR REPLACE FUNCTION {INTERVIEW_NO_OVERLAP}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touched bigint[];
BEGIN
    -- The attendees this statement may have given an overlap: those of rows now active that
    -- are new, or (an update) became active, moved in time or changed attendee. Recording an
    -- outcome or a fit's parts touches nobody.
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT n.attendee) INTO touched FROM new_rows AS n WHERE {_ACTIVE_NEW};
    ELSE
        SELECT array_agg(DISTINCT n.attendee) INTO touched FROM new_rows AS n
        WHERE {_ACTIVE_NEW} AND NOT EXISTS (
            SELECT 1 FROM old_rows AS o
            WHERE o.id = n.id AND o.attendee = n.attendee AND o.starts_at = n.starts_at
              AND o.ends_at = n.ends_at AND {_ACTIVE_OLD});
    END IF;
    IF touched IS NULL THEN
        RETURN NULL;
    END IF;
    -- Locked in id order: a writer for one of them in another transaction waits here until
    -- this one ends, then (READ COMMITTED: a new snapshot for the next statement) sees what
    -- it wrote.
    PERFORM 1 FROM attendee WHERE id = ANY(touched) ORDER BY id FOR NO KEY UPDATE;
    -- In each such attendee's active interviews ordered by start, one that starts before an
    -- earlier one ends overlaps it (half-open times, as tstzrange: back to back is fine).
    PERFORM 1 FROM (
        SELECT s.starts_at, max(s.ends_at) OVER (
            PARTITION BY s.attendee ORDER BY s.starts_at, s.id
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier_ends
        FROM interview_slot AS s
        WHERE s.attendee = ANY(touched) AND s.{ACTIVE_INTERVIEW}
    ) AS ordered
    WHERE ordered.earlier_ends > ordered.starts_at
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'conflicting key value violates exclusion constraint "{INTERVIEW_NO_OVERLAP}"'
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = '{INTERVIEW_NO_OVERLAP}',
                  TABLE = 'interview_slot', DETAIL = 'two active interviews of one attendee overlap in time';
    END IF;
    RETURN NULL;
END
$$"""

OVERLAP_IN_BULK = RuleSet(postgres_extra=(
    f'ALTER TABLE interview_slot DROP CONSTRAINT IF EXISTS "{INTERVIEW_NO_OVERLAP}"',
    _OVERLAP_CHECK,
    f'CREATE TRIGGER "{INTERVIEW_NO_OVERLAP}_insert" AFTER INSERT ON interview_slot '
    f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {INTERVIEW_NO_OVERLAP}()",
    f'CREATE TRIGGER "{INTERVIEW_NO_OVERLAP}_update" AFTER UPDATE ON interview_slot '
    f"REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    f"EXECUTE FUNCTION {INTERVIEW_NO_OVERLAP}()",
))
"""PostgreSQL: the no-overlap rule checked once per statement instead of by a GiST exclusion
constraint. The rule is the same (an attendee's active interviews never overlap, across
events), still enforced by the database on every path that writes interviews, and refused
with the same SQLSTATE (23P01) and constraint name. But a matching run writing 235,000
interviews paid about 4.4 s for the GiST index, row by row; this check costs one lock per
attendee and one sorted pass (about 0.5 s). SQLite keeps its row triggers (FOUNDATION)."""


ACTOR_NOTICES = RuleSet(postgres_extra=(
    """CREATE OR REPLACE FUNCTION fairs_actor_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_LEVEL = 'ROW' THEN
    PERFORM pg_notify('fairs_actor', OLD.id::text);
  ELSE
    PERFORM pg_notify('fairs_actor', '*');
  END IF;
  RETURN NULL;
END $$""",
    "CREATE TRIGGER account_changed_tells_api AFTER UPDATE OR DELETE ON account "
    "FOR EACH ROW EXECUTE FUNCTION fairs_actor_changed()",
    "CREATE TRIGGER account_emptied_tells_api AFTER TRUNCATE ON account "
    "FOR EACH STATEMENT EXECUTE FUNCTION fairs_actor_changed()",
    "CREATE TRIGGER area_changed_tells_api AFTER UPDATE OR DELETE OR TRUNCATE ON area "
    "FOR EACH STATEMENT EXECUTE FUNCTION fairs_actor_changed()",
))
"""PostgreSQL: a change to an account (each row: its id) or to any area (whose path is part of
an actor: everyone, ``*``) notifies channel ``fairs_actor`` when it commits, whatever path
made it; API processes drop the actors they keep (fairs/services/known_actors.py).
PostgreSQL sends one notification per distinct payload per transaction."""


def _foreign_key(table: str, column: str) -> str:
    return f"{table}_{column}_fkey"


@dataclass(frozen=True)
class Reference:
    """A foreign key checked per statement: ``column`` refers to ``parent`` (the table named
    as the column unless given), and deleting a parent is refused while a row refers to it
    (``restrict``) or empties the rows' reference (``set null``)."""

    column: str
    on_delete: str
    parent: str = ""

    @property
    def table(self) -> str:
        return self.parent or self.column


def _references_check(table: str, references: tuple[Reference, ...]) -> str:
    """``table``'s foreign keys checked once per statement: for each reference the statement
    wrote (an insert: every row's; an update: the rows whose reference changed), the parents
    are locked ``FOR KEY SHARE`` (as each row's check locks its parent: nobody can delete it
    before this transaction ends) and a missing one refuses the statement. An empty reference
    refers to nothing and is not looked at."""
    blocks = []
    for reference in references:
        column, key = reference.column, _foreign_key(table, reference.column)
        blocks.append(f"""
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT n."{column}") INTO wanted FROM new_rows AS n WHERE n."{column}" IS NOT NULL;
    ELSE
        SELECT array_agg(DISTINCT n."{column}") INTO wanted FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id
        WHERE n."{column}" IS NOT NULL AND n."{column}" IS DISTINCT FROM o."{column}";
    END IF;
    IF wanted IS NOT NULL AND (SELECT count(*) FROM (
            SELECT 1 FROM "{reference.table}" AS p WHERE p.id = ANY(wanted) FOR KEY SHARE) AS locked)
            < cardinality(wanted) THEN
        RAISE EXCEPTION 'insert or update on table "{table}" violates foreign key constraint "%"', '{key}'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{key}', TABLE = '{table}',
                  DETAIL = 'a row refers to a missing row of {reference.table}';
    END IF;""")
    new = ", ".join(f'n."{r.column}"' for r in references)
    old = ", ".join(f'o."{r.column}"' for r in references)
    # An update that changes no reference (an interview's status or outcome, an item's
    # sequence: most of them) is done after one look, as PostgreSQL's own keys skip an
    # unchanged key. (A column list, UPDATE OF, cannot go with transition tables.)
    unchanged = f"""
    IF TG_OP = 'UPDATE' THEN  -- (a separate test: an INSERT has no old_rows to parse)
        IF NOT EXISTS (SELECT 1 FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id
                       WHERE ({new}) IS DISTINCT FROM ({old})) THEN
            RETURN NULL;
        END IF;
    END IF;"""
    return (f"CREATE OR REPLACE FUNCTION {table}_references() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "DECLARE\n    wanted bigint[];\nBEGIN" + unchanged + "".join(blocks) + "\n    RETURN NULL;\nEND\n$$")


def _parent_gone(table: str, reference: Reference) -> tuple[str, ...]:
    """Deleting parents of ``table`` (a statement's rows at once): refused while a row refers
    to one (``restrict``), or the rows' reference emptied (``set null``)."""
    column, parent = reference.column, reference.table
    name, key = f"{table}_{column}_gone", _foreign_key(table, column)
    if reference.on_delete == "restrict":
        body = f"""
    IF EXISTS (SELECT 1 FROM "{table}" AS r WHERE r."{column}" IN (SELECT id FROM gone)) THEN
        RAISE EXCEPTION 'update or delete on table "{parent}" violates foreign key constraint "%" on table '
                '"{table}"', '{key}'
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{key}', TABLE = '{table}',
                  DETAIL = 'rows still refer to it';
    END IF;"""
    else:
        body = f"""
    UPDATE "{table}" SET "{column}" = NULL WHERE "{column}" IN (SELECT id FROM gone);"""
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN{body}\n"
        "    RETURN NULL;\nEND\n$$",
        f'DROP TRIGGER IF EXISTS {name} ON "{parent}"',
        f'CREATE TRIGGER {name} AFTER DELETE ON "{parent}" REFERENCING OLD TABLE AS gone '
        f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
    )


def references_in_bulk(table: str, references: tuple[Reference, ...]) -> RuleSet:
    """PostgreSQL: ``table``'s foreign keys ``references`` checked once per statement instead
    of row by row (see :data:`INTERVIEW_REFERENCES_IN_BULK`). Applying it again (with more
    references) replaces what an earlier application made."""
    return RuleSet(postgres_extra=(
        *(f'ALTER TABLE "{table}" DROP CONSTRAINT IF EXISTS "{_foreign_key(table, r.column)}"' for r in references),
        _references_check(table, references),
        f'DROP TRIGGER IF EXISTS {table}_references_insert ON "{table}"',
        f"CREATE TRIGGER {table}_references_insert AFTER INSERT ON \"{table}\" "
        f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {table}_references()",
        f'DROP TRIGGER IF EXISTS {table}_references_update ON "{table}"',
        f"CREATE TRIGGER {table}_references_update AFTER UPDATE ON \"{table}\" "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {table}_references()",
        *(statement for reference in references for statement in _parent_gone(table, reference)),
    ))


INTERVIEW_REFERENCES_IN_BULK = references_in_bulk("interview_slot", (
    Reference("event", "restrict"), Reference("organization", "restrict"), Reference("position", "restrict"),
    Reference("attendee", "restrict"), Reference("booth_reservation", "set null"),
    Reference("match_run", "set null"), Reference("hired_position", "restrict", "position"),
    Reference("outcome_by", "set null", "account")))
"""PostgreSQL: the foreign keys of an interview checked once per statement instead of row by
row. The rules are the same: an interview never refers to a missing row, the parent cannot be
deleted under a writer (``FOR KEY SHARE``, as PostgreSQL's own check locks it), deleting an
event, organization, position or attendee that has interviews, or the position someone was
hired for, is refused (``RESTRICT``), and deleting a booth reservation, a match run or the
account that recorded an outcome empties the reference (``SET NULL``); refusals keep SQLSTATE
23503 and the constraint's name. A matching run writes six of them for each of its 235,374
interviews: row by row they cost 5.1 s of the 5.3 s insert, per statement about 0.6 s. The
other two are empty in a new interview, but PostgreSQL still queued and ran a check of each
empty key for every row (about 0.1 s each per 235,000 rows). Parents' ids never change
(serial keys the app never updates), so the keys' ``ON UPDATE CASCADE`` had nothing to do and
is not kept. SQLite keeps its foreign keys."""


CALENDAR_REFERENCES_IN_BULK = references_in_bulk("calendar_item", (
    Reference("event", "restrict"), Reference("interview_slot", "restrict"),
    Reference("booth_reservation", "restrict"), Reference("training_enrollment", "restrict"),
    Reference("tour_ride", "restrict")))
"""PostgreSQL: a calendar item's references checked once per statement, as the interviews'
(the event and the interview cost a matching run's 235,374 items 1.7 s row by row; the
booth reservation, training enrollment and tour ride, empty in an interview's item, about
0.3 s)."""

OUTBOX_REFERENCES_IN_BULK = references_in_bulk("outbox", (Reference("calendar_item", "set null"),))
"""PostgreSQL: an outbox message's calendar item checked once per statement (a matching run's
235,374 text invitations have none, which row by row still cost a check each)."""


_LEANER_INDEXES = (
    'DROP INDEX IF EXISTS "outbox_unsent"',
    'DROP INDEX IF EXISTS "outbox_due"',
    'CREATE INDEX "outbox_unsent" ON "outbox" (id) WHERE sent_at IS NULL',
    'CREATE INDEX "outbox_sent" ON "outbox" (sent_at) WHERE sent_at IS NOT NULL',
)

LEANER_INDEXES = RuleSet(
    postgres_extra=(
        *_LEANER_INDEXES,
        'DROP INDEX IF EXISTS "interview_by_outcome"',
        """CREATE INDEX "interview_by_outcome" ON "interview_slot" (event, outcome) WHERE outcome <> ''""",
    ),
    sqlite_extra=_LEANER_INDEXES,
)
"""Indexes a new row does not need an entry in (a matching run writes 235,000 interviews and
as many invitations, and each index entry costs PostgreSQL about 1–2 µs a row):

- the outbox's two indexes on ``(sent_at, …)`` become one on ``id`` of the unsent messages
  (the sender reads them in id order, the metrics count them) and one on ``sent_at`` of the
  sent ones (the retention purge), which a message joins when it is sent, not when it is
  queued;
- PostgreSQL: interviews are found by outcome (hires, offers) among the marked ones only;
  its planner proves ``outcome = 'hired'`` or ``IN ('offer', 'hired')`` implies
  ``outcome <> ''``. SQLite would not use such an index for those queries (it only matches
  a partial index's condition word for word), so it keeps the whole one."""
