"""Every saved page under tests/golden/ parses into the documents and requests beside it.

A folder per preset (or source type): `source.yaml` (the source's config, without a
name), saved pages, and for each page `<page>.expected.yaml` holding the request that
fetched it (`case`: url, kind, context, headers, now, memory) and what the adapter must
make of it. Adding a preset is adding a folder. To write the expected files from the
code's current output (then read every diff!): MONITOR_UPDATE_GOLDEN=1 pytest this file.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from tests.unit.sources import golden

UPDATE = os.environ.get("MONITOR_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize(
    ("folder", "expected_file"),
    golden.cases(),
    ids=[f"{folder.name}/{file.name.split('.')[0]}" for folder, file in golden.cases()],
)
def test_saved_page_parses_as_expected(folder: Path, expected_file: Path) -> None:
    expected = yaml.safe_load(expected_file.read_text(encoding="utf-8"))
    page = folder / expected["page"]
    source = golden.load_source(folder)
    result = golden.run(source, page, expected["case"])
    if UPDATE:
        expected.update(result)
        expected_file.write_text(
            yaml.safe_dump(expected, allow_unicode=True, sort_keys=False, width=100),
            encoding="utf-8",
        )
    assert result == {key: expected[key] for key in result}


def test_every_preset_has_golden_pages() -> None:
    from monitor.sources import presets

    folders = {folder.name for folder, _ in golden.cases()}
    assert set(presets.names()) <= folders
    assert "discourse" in folders
