"""How hard monitor may press one host: the `hosts:` entries of sources.yaml.

    hosts:
      forum.example.org: {concurrency: 1, delay: 5s}
      api.example.com: {delay: 200ms}

Every source on a host shares that host's budget. `concurrency` caps requests in flight at
once; `delay` is the least time between two request starts. A host not listed gets the
defaults (2 at a time, 1 s apart). A robots.txt `Crawl-delay` larger than `delay` wins.

Pure: pydantic and the standard library only, so `config` (layer 1.5) can validate it and
`fetch` (layer 2) can obey it without either importing the other.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from monitor.phrasebook import problems

DEFAULT_CONCURRENCY = 2
DEFAULT_DELAY = 1.0

_SECONDS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, None: 1.0}


def _seconds(value: Any) -> Any:
    """`1.5`, `"1.5"`, `"500ms"`, `"2s"`, `"1m"` → seconds as a float; anything else as is."""
    if isinstance(value, str):
        match = _SECONDS.match(value.lower())
        if not match:
            raise problems.invalid("not_a_delay", value=value)
        return float(match.group(1)) * _UNIT[match.group(2)]
    return value


Seconds = Annotated[float, BeforeValidator(_seconds)]


class HostPolicy(BaseModel):
    """One host's budget. Values outside the bounds are configuration mistakes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    concurrency: int = Field(
        default=DEFAULT_CONCURRENCY, ge=1, le=16, description="Requests in flight at once."
    )
    delay: Seconds = Field(
        default=DEFAULT_DELAY, ge=0, le=3600, description="Least time between request starts."
    )


def host_key(host: str) -> str:
    """How a host is named in `hosts:` and in the fetch layer: lower case, no trailing dot."""
    return host.strip().lower().rstrip(".")
