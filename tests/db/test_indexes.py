"""The partial indexes of migration m0025 (``constraints.LEANER_INDEXES``) serve the queries
they were made for: the planner can prove each query's condition implies the index's. The
tables here are nearly empty, so sequential scans are switched off to ask the planner which
index it *can* use."""

from __future__ import annotations

import pytest

from fairs.db.tables import Outbox
from tests.conftest import ENGINE

pytestmark = pytest.mark.skipif(ENGINE != "postgres", reason="PostgreSQL's planner and its partial indexes")

QUERIES = [
    # services/outbox.py: deliver_pending, the next batch to send
    ("outbox_unsent", "SELECT * FROM outbox WHERE sent_at IS NULL AND attempts < 5 AND id > 0 "
                      "AND (next_attempt_at IS NULL OR next_attempt_at <= now()) ORDER BY id LIMIT 100"),
    # observe/metrics.py: the backlog
    ("outbox_unsent", "SELECT count(*) FROM outbox WHERE sent_at IS NULL"),
    # services/data_rights.py: the retention purge
    ("outbox_sent", "SELECT id FROM outbox WHERE sent_at IS NOT NULL AND sent_at < now() - interval '90 days'"),
    # services/outcomes.py: offers and hires of some events; a report's hires
    ("interview_by_outcome", "SELECT event, attendee FROM interview_slot "
                             "WHERE outcome IN ('offer', 'hired') AND event IN (1, 2)"),
    ("interview_by_outcome", "SELECT id FROM interview_slot WHERE event = 1 AND outcome = 'hired'"),
]


@pytest.mark.parametrize(("index", "query"), QUERIES)
async def test_the_query_can_use_its_partial_index(index, query):
    plan = await _plan(query)
    assert index in plan, plan


async def _plan(query: str) -> str:
    from fairs.db.transactions import write_transaction

    async with write_transaction():
        await Outbox.raw("SET LOCAL enable_seqscan = off")
        rows = await Outbox.raw(f"EXPLAIN {query}")
    return "\n".join(r["QUERY PLAN"] for r in rows)
