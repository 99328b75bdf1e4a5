"""Golden files: the exact bytes of every kind of calendar item in every form, fixed clock.

The files live in tests/golden/ics/. ``FAIRS_UPDATE_GOLDEN=1`` rewrites them from the current
code (review the diff before committing); otherwise each test compares bytes, CRLF included.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fairs.core.ics import build_feed, calendar_entry
from tests.unit.test_ics_samples import FORMS, KINDS, STAMP, Form, facts_of, file_of

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "ics"
UPDATE = os.environ.get("FAIRS_UPDATE_GOLDEN") == "1"
FEEDS = {
    "feed-attendee.ics": [("interview", "update"), ("fair_event", "cancel"), ("training_cohort", "update")],
    "feed-employer.ics": [("booth_reservation", "update"), ("village_ride", "cancel")],
}


def golden_names() -> set[str]:
    names = {f"{kind}-{form}.ics" for kind in KINDS for form in FORMS}
    names |= {f"{kind}-download-en.ics" for kind in KINDS}
    return names | set(FEEDS)


def assert_golden(name: str, raw: bytes) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)
    assert path.exists(), f"no golden file {path}: run with FAIRS_UPDATE_GOLDEN=1 and review it"
    expected = path.read_bytes()
    # line lists first, for a readable diff; then bytes, for line ends and encoding
    assert raw.decode("utf-8").split("\r\n") == expected.decode("utf-8").split("\r\n")
    assert raw == expected


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_and_form_matches_its_golden_file(kind: str, form: Form) -> None:
    assert_golden(f"{kind}-{form}.ics", file_of(kind, form))


@pytest.mark.parametrize("kind", KINDS)
def test_english_download_matches_its_golden_file(kind: str) -> None:
    assert_golden(f"{kind}-download-en.ics", file_of(kind, "download", "en"))


@pytest.mark.parametrize("name", sorted(FEEDS))
def test_feed_matches_its_golden_file(name: str) -> None:
    entries = [calendar_entry(facts_of(kind, form), "zh") for kind, form in FEEDS[name]]
    assert_golden(name, build_feed(entries, stamped_at=STAMP, name="株洲就业服务日程"))


def test_every_golden_file_belongs_to_a_test() -> None:
    assert {p.name for p in GOLDEN.glob("*.ics")} == golden_names()


def test_golden_files_keep_crlf_line_ends() -> None:
    """A checkout that turned CRLF into LF would make every comparison above fail obscurely."""
    for name in sorted(golden_names()):
        raw = (GOLDEN / name).read_bytes()
        assert raw.endswith(b"END:VCALENDAR\r\n"), name
        assert raw.count(b"\n") == raw.count(b"\r\n"), name
