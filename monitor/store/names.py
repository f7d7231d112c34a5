"""When each brand and alert first appeared, recorded the first time a process sees it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from monitor.domain import NameKind
from monitor.store import upsert
from monitor.store.schema import KnownName


async def added_at(
    session: AsyncSession, kind: NameKind, names: Iterable[str], *, now: datetime
) -> dict[str, datetime]:
    """The time each name was first seen; names seen for the first time get `now`."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return {}
    await session.execute(
        upsert.insert(session, KnownName)
        .values([{"kind": kind, "name": name, "added_at": now} for name in wanted])
        .on_conflict_do_nothing(index_elements=["kind", "name"])
    )
    rows = await session.execute(
        select(KnownName.name, KnownName.added_at).where(
            KnownName.kind == kind, KnownName.name.in_(wanted)
        )
    )
    return {name: value for name, value in rows.all()}
