"""Running an adapter over a saved page, and the result as plain data for comparison."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter

from monitor import domain, sources

GOLDEN = Path(__file__).parents[2] / "golden"
TEXT_PREFIX = 80
_CONFIG: TypeAdapter[Any] = TypeAdapter(sources.SourceConfig)


def load_source(folder: Path) -> sources.SourceBase:
    data = yaml.safe_load((folder / "source.yaml").read_text(encoding="utf-8"))
    return _CONFIG.validate_python({"name": folder.name, **data})  # type: ignore[no-any-return]


def run(source: sources.SourceBase, page: Path, case: Mapping[str, Any]) -> dict[str, Any]:
    """Parse `page` as the response to the request `case` describes; the Page as data."""
    request = domain.Request(
        url=case["url"], kind=case.get("kind", "page"), context=case.get("context", "")
    )
    response = domain.Response(
        request=request, url=case["url"], status=200, content=page_bytes(page),
        headers=case.get("headers") or {},
    )  # fmt: skip
    now = datetime.fromisoformat(case["now"])
    result = sources.adapter_for(source).parse(
        source, response, now=now, memory=case.get("memory") or {},
        derived=sources.Derived(source.timezone or "UTC"),
    )  # fmt: skip
    return as_data(result)


def page_bytes(page: Path) -> bytes:
    """A saved page's bytes; for a page of the real-page corpus stored as a harvest JSON,
    its "html" field as UTF-8 (serve it with charset=utf-8 in the case's headers)."""
    if page.name.endswith(".harvest.json"):
        return str(json.loads(page.read_text(encoding="utf-8"))["html"]).encode("utf-8")
    return page.read_bytes()


def as_data(page: domain.Page) -> dict[str, Any]:
    return {
        "documents": [
            {
                "key": d.key, "url": d.url, "title": d.title, "author": d.author,
                "published_at": d.published_at.isoformat() if d.published_at else None,
                "rating": d.rating, "text": d.text[:TEXT_PREFIX],
            }
            for d in page.documents
        ],
        "requests": [
            {"url": r.url, "kind": r.kind, "context": r.context, "continuation": r.continuation}
            for r in page.requests
        ],
        "remember": [list(pair) for pair in page.remember],
        "warnings": list(page.warnings),
    }  # fmt: skip


def cases() -> list[tuple[Path, Path]]:
    """(folder, expected file) for every saved page with an expected-documents file."""
    return sorted((expected.parent, expected) for expected in GOLDEN.glob("*/*.expected.yaml"))
