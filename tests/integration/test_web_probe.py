"""/healthz and /metrics when the database does not answer: failures (503), never a
healthy-looking zero. A real server on loopback, a real engine pointed at a PostgreSQL
database that does not exist."""

from __future__ import annotations

import dataclasses
import time

import httpx
import pytest

from monitor.config import sources_yaml
from monitor.service import web
from monitor.store import db
from tests import postgres


@dataclasses.dataclass
class _Parts:  # what the probe reads of a Service
    engine: object
    sessions: object
    config: sources_yaml.Config


async def test_a_database_that_does_not_answer_is_a_503_on_both_probes() -> None:
    server = postgres.require_server()
    url = server.set(drivername="postgresql+psycopg", database="monitor_no_such_database")
    engine = db.create_engine(url.render_as_string(hide_password=False))
    config = sources_yaml.parse("brands: [{name: Vaude, query: Vaude}]\n", filename="s.yaml")
    parts = _Parts(engine, db.sessions(engine), config)
    probe = web.Probe(lambda: parts, lambda: True, time.time)  # type: ignore[arg-type,return-value]
    listening = await web.serve(probe, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            health = await client.get("/healthz")
            scraped = await client.get("/metrics")
    finally:
        listening.close()
        await engine.dispose()
    assert health.status_code == 503
    assert health.json()["database"] == "unreachable"
    assert scraped.status_code == 503
    assert "the database did not answer" in scraped.text


pytestmark = pytest.mark.postgres
