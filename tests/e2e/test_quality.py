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

# Which layer each module belongs to, stage by stage as the packages are (see
# docs/architecture.md). A module may import its own layer and those below; I/O adapters
# (layer 2) may not import each other. The longest entry that prefixes a module decides its
# layer; a module no entry covers fails the test, so a new one must be placed.
LAYERS: dict[str, float] = {
    # The shared vocabulary: frozen values, the exception tree, what a reader sees,
    # durations and time zones as written.
    "monitor": 0,
    "monitor.domain": 0,
    "monitor.errors": 0,
    "monitor.phrasebook": 0,
    "monitor.phrasebook.language": 0,
    "monitor.phrasebook.explanation": 0,
    "monitor.phrasebook.diagnostics": 0,
    "monitor.phrasebook.said": 0,
    "monitor.phrasebook.query_syntax": 0,
    "monitor.phrasebook.problems": 0,
    "monitor.text": 1,
    "monitor.time_values": 1,
    # Configuration: sources.yaml, its grammar of durations and schedules, the environment.
    "monitor.config": 1,
    "monitor.config.schedule": 1,
    "monitor.config.host_policy": 1,
    "monitor.config.yaml_lines": 1,
    "monitor.config.sources_yaml": 1.5,
    "monitor.config.diff": 1.5,
    "monitor.config.environment": 1.5,
    # Reading pages: the source types and the readers only they use (pure).
    "monitor.sources": 1,
    # Identity: canonical URLs, document keys, content and near-duplicate fingerprints.
    "monitor.identity": 1,
    # The query language and matching engine.
    "monitor.query": 1,
    # What the process tells ops: logs and metrics.
    "monitor.telemetry": 1,
    # I/O adapters.
    "monitor.fetch": 2,
    "monitor.store": 2,
    # Mail: rendering and building messages (pure), handing them to SMTP (I/O).
    "monitor.notify": 1,
    "monitor.notify.email": 2,
    # Crawling: one walk, one crawl stored in one transaction, the dry run; source health.
    "monitor.crawl": 3,
    "monitor.crawl.health": 1,
    # Alerting: urgency (pure), immediate and health mails, digest windows, delivery.
    "monitor.alerting": 3,
    "monitor.alerting.urgency": 1,
    # The service: its long-lived parts, the scheduler, the web surface.
    "monitor.service": 4,
    "monitor.service.parts": 3,
    # The bundled demo: a board renderer (pure), a loopback site and mail sink, the run.
    "monitor.demo": 4,
    "monitor.demo.board": 1,
    "monitor.demo.site": 2,
    "monitor.demo.mailsink": 2,
    # The command people type, over everything else (the demo included).
    "monitor.cli": 5,
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
