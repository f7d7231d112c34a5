"""The repository as a reviewer sees it: lint, types, layering, and docs that match the code."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import click
import pytest

from monitor import cli, sources
from tests.e2e.conftest import REPO

BIN = Path(sys.executable).parent

# Which layer each module belongs to (see docs/architecture.md). A module may import its
# own layer and those below; I/O adapters (layer 2) may not import each other.
LAYERS: dict[str, float] = {
    "monitor": 0,
    "monitor.domain": 0,
    "monitor.errors": 0,
    "monitor.text": 1,
    "monitor.challenges": 1,
    "monitor.fingerprint": 1,
    "monitor.neardup": 1,
    "monitor.matching": 1,
    "monitor.query": 1,
    "monitor.schedule": 1,
    "monitor.urgency": 1,
    "monitor.health": 1,
    "monitor.metrics": 1,
    "monitor.yaml_lines": 1,
    "monitor.politeness_policy": 1,
    "monitor.dates": 1,
    "monitor.encoding": 1,
    "monitor.ratings": 1,
    "monitor.sources": 1,
    "monitor.notify": 1,
    "monitor.notify.render": 1,
    "monitor.notify.words": 1,
    "monitor.notify.message": 1,
    "monitor.logs": 1,
    "monitor.config": 1.5,
    "monitor.config_diff": 1.5,
    "monitor.settings": 1.5,
    "monitor.fetch": 2,
    "monitor.store": 2,
    "monitor.notify.email": 2,
    "monitor.demo.board": 1,
    "monitor.demo.site": 2,
    "monitor.demo.mailsink": 2,
    "monitor.pipeline": 3,
    "monitor.walk": 3,
    "monitor.dry_run": 3,
    "monitor.alerting": 3,
    "monitor.digest": 3,
    "monitor.delivery": 3,
    "monitor.service": 3,
    "monitor.scheduler": 4,
    "monitor.web": 4,
    "monitor.cli": 4,
    "monitor.demo": 4,
    "monitor.demo.run": 4,
}
ADAPTERS = ("monitor.fetch", "monitor.store", "monitor.notify.email", "monitor.demo.site",
            "monitor.demo.mailsink")  # fmt: skip


def _layer(module: str) -> tuple[float, str]:
    """The layer of `module` and the LAYERS entry that decided it (longest prefix)."""
    parts = module.split(".")
    # The bare package is layer 0 only by itself: a new module must be placed explicitly.
    for end in range(len(parts), 1 if len(parts) > 1 else 0, -1):
        name = ".".join(parts[:end])
        if name in LAYERS:
            return LAYERS[name], name
    raise AssertionError(f"{module} has no layer: add it to LAYERS and docs/architecture.md")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("monitor"):
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("monitor"))
    return found


def _module_name(path: Path) -> str:
    relative = path.relative_to(REPO).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def _known(name: str) -> str:
    """`monitor.store.db` from an import of `monitor.store.db.create_engine`."""
    parts = name.split(".")
    while (
        parts
        and not (REPO / Path(*parts)).with_suffix(".py").exists()
        and not (REPO / Path(*parts)).is_dir()
    ):
        parts.pop()
    return ".".join(parts)


def test_modules_import_only_downwards() -> None:
    wrong = []
    for path in sorted((REPO / "monitor").rglob("*.py")):
        module = _module_name(path)
        level, own = _layer(module)
        for imported in sorted(_imports(path)):
            target = _known(imported)
            target_level, target_entry = _layer(target)
            if target_level > level:
                wrong.append(f"{module} (layer {level}) imports {target} (layer {target_level})")
            elif (
                level == 2 and target_level == 2 and own != target_entry
                and own.startswith(ADAPTERS) and target_entry.startswith(ADAPTERS)
            ):  # fmt: skip
                wrong.append(f"I/O adapter {module} imports another adapter, {target}")
    assert wrong == []


def _tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]], cwd=REPO, capture_output=True, text=True,
        timeout=600, check=False,
    )  # fmt: skip


def test_ruff_finds_nothing() -> None:
    result = _tool("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_code_is_formatted() -> None:
    result = _tool("ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_is_clean() -> None:
    result = _tool("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def _commands(group: click.Group, prefix: str = "") -> list[str]:
    names = []
    for name, command in group.commands.items():
        full = f"{prefix}{name}"
        if isinstance(command, click.Group):
            names.extend(_commands(command, f"{full} "))
        else:
            names.append(full)
    return names


README = (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", _commands(cli.main))
def test_readme_documents_every_command(command: str) -> None:
    assert f"monitor {command}" in README


@pytest.mark.parametrize("source_type", sorted(sources.ADAPTERS))
def test_readme_and_example_document_every_source_type(source_type: str) -> None:
    assert f"`{source_type}`" in README
    assert f"type: {source_type}" in (REPO / "sources.yaml").read_text(encoding="utf-8")


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    command = next(line for line in ci.splitlines() if line.startswith("python3 -m venv"))
    assert command in README
