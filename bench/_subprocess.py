"""A bench server script in a subprocess, so that its CPU is not counted as the benchmark's.

The script prints `READY <fields…>` as its first line once it listens, and stops when its
stdin is closed (`bench/_loopback.py`, `bench/_board.py`).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def server(script: str | Path, *arguments: str) -> Iterator[list[str]]:
    """Run `script` with `arguments`; yield the fields after READY; stop it on leaving."""
    process = subprocess.Popen(
        [sys.executable, str(script), *arguments],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        ready = process.stdout.readline().split()
        if not ready or ready[0] != "READY":
            raise SystemExit(f"{Path(script).name} did not start")
        yield ready[1:]
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
