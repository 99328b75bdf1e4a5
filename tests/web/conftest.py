import pytest


@pytest.fixture(autouse=True)
def _fresh_database(db: str) -> None:
    """Every test here starts from empty tables and an empty Redis database."""
