"""The layering and the code standards are checked by the suite, not by goodwill."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_import_contracts_hold():
    done = run(str(BIN / "lint-imports"))
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_is_clean():
    done = run(str(BIN / "ruff"), "check", "fairs", "workers", "tests")
    assert done.returncode == 0, done.stdout


def test_core_passes_mypy_strict():
    done = run(str(BIN / "mypy"))
    assert done.returncode == 0, done.stdout
