"""Presets: the selectors of a forum or review engine, shipped as YAML data beside this file.

Each ``<name>.yaml`` holds `kind` (forum, reviews, search or json), `engine` (what it was
written for, with the version), `selectors` (field -> selector spec, see
`sources.selectors`) and optional `options` (engine facts such as whether a list row links
the thread's last page; for search and json presets the URL template and JSON mapping,
see `sources.search` and `sources.jsonapi`).
A source names a preset and may override any selector; adding an engine is adding a file
here and a fixture folder under tests/golden/.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel

from monitor.phrasebook import problems


@dataclass(frozen=True, slots=True)
class Preset:
    name: str
    kind: str
    engine: str
    selectors: Mapping[str, str]
    options: Mapping[str, Any] = field(default_factory=dict)


def names(kind: str | None = None) -> list[str]:
    """Every shipped preset (of `kind`, if given), sorted."""
    found = sorted(
        entry.name.removesuffix(".yaml")
        for entry in resources.files(__package__).iterdir()
        if entry.name.endswith(".yaml")
    )
    return [name for name in found if kind is None or load(name).kind == kind]


@lru_cache(maxsize=32)
def load(name: str) -> Preset:
    """The preset called `name`; ValueError (naming the known ones) if there is none."""
    file = resources.files(__package__).joinpath(f"{name}.yaml")
    if not name.replace("_", "").isalnum() or not file.is_file():
        raise problems.invalid("unknown_preset", value=name, choices=", ".join(names()))
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    return Preset(
        name=name,
        kind=str(data["kind"]),
        engine=str(data["engine"]),
        selectors={str(k): str(v) for k, v in (data.get("selectors") or {}).items()},
        options=dict(data.get("options") or {}),
    )


Selectors = TypeVar("Selectors", bound=BaseModel)


def with_overrides(name: str | None, overrides: Selectors) -> Selectors:
    """The selectors of preset `name` (none if None) with every field `overrides` sets on
    top, validated as the overrides' own model."""
    merged = dict(load(name).selectors) if name else {}
    merged.update(overrides.model_dump(exclude_none=True))
    return type(overrides).model_validate(merged)
