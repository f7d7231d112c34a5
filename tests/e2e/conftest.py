"""Helpers for running the `monitor` command as a user would: a subprocess, a clean env."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MONITOR = Path(sys.executable).parent / "monitor"


def clean_env(**overrides: str) -> dict[str, str]:
    """The environment minus any MONITOR_* the developer may have set, plus `overrides`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    env.update(overrides)
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
