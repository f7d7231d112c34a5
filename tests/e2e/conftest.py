"""Helpers for running the `monitor` command as a user would: a subprocess, a clean env,
and fresh PostgreSQL databases for the replica tests (see tests/postgres.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests import postgres

REPO = Path(__file__).resolve().parents[2]
MONITOR = Path(sys.executable).parent / "monitor"


_LOCALE = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def clean_env(**overrides: str) -> dict[str, str]:
    """The environment minus any MONITOR_* the developer may have set and their locale
    (the command line speaks English unless a test sets MONITOR_LANGUAGE or LANG), plus
    `overrides`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MONITOR_") and k not in _LOCALE}  # fmt: skip
    env.update({"LANG": "C.UTF-8", **overrides})
    return env


def run_monitor(
    *args: str, cwd: Path, timeout: float = 120, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MONITOR), *args],
        cwd=cwd,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def monitor_cli():
    return run_monitor


@pytest.fixture(scope="module")
def fresh_postgres() -> Iterator[Callable[[], str]]:
    """Call it for the URL of a new, empty PostgreSQL database (no tables: `monitor`
    migrates it) on the server named by MONITOR_TEST_POSTGRES_URL; each is dropped when
    the module's tests are done. Without the variable, the calling test is skipped."""
    with ExitStack() as stack:
        yield lambda: stack.enter_context(postgres.fresh_database())
