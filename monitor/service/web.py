"""The service's own small HTTP server: /healthz for orchestrators, /metrics for Prometheus.

It runs on the service's event loop with asyncio streams (two read-only routes need no web
framework). /healthz answers 200 when the database answers, the scheduler runs and its
heartbeat is recent, 503 otherwise, with the details as JSON either way.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text

from monitor.domain import HealthState
from monitor.service.parts import Service
from monitor.store.schema import Source
from monitor.telemetry import metrics

log = logging.getLogger(__name__)

# The heartbeat job runs every few seconds; a minute without one means the loop is stuck.
STALE_AFTER_SECONDS = 60.0


@dataclass
class Probe:
    """What /healthz and /metrics need from the running service."""

    current: Callable[[], Service]  # the running service (a reload replaces it)
    scheduler_running: Callable[[], bool]
    last_tick: Callable[[], float | None]  # time.time() of the scheduler's last heartbeat

    async def database_ok(self) -> bool:
        try:
            async with asyncio.timeout(5), self.current().engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return True
        except Exception:  # any failure to answer is "not reachable"
            log.warning("database check failed", exc_info=True,
                        extra={"event": "healthz_database_failed"})  # fmt: skip
            return False

    async def health(self) -> tuple[int, dict[str, object]]:
        last = self.last_tick()
        age = time.time() - last if last is not None else None
        database = await self.database_ok()
        scheduler = self.scheduler_running()
        fresh = age is not None and age < STALE_AFTER_SECONDS
        healthy = database and scheduler and fresh
        body: dict[str, object] = {
            "status": "ok" if healthy else "unhealthy",
            "database": "ok" if database else "unreachable",
            "scheduler": "running" if scheduler else "stopped",
            "last_tick_age_seconds": None if age is None else round(age, 1),
        }
        return (200 if healthy else 503), body

    async def metrics_text(self) -> bytes:
        service = self.current()
        configured = [s.name for s in service.config.sources]
        async with asyncio.timeout(5), service.sessions() as session:
            rows = await session.execute(
                select(Source.health, func.count())
                .where(Source.name.in_(configured))
                .group_by(Source.health)
            )
            counts = dict(rows.all())
        for state in HealthState:
            metrics.SOURCES.labels(state).set(counts.get(state, 0))
        return generate_latest(metrics.REGISTRY)


async def serve(probe: Probe, host: str, port: int) -> asyncio.Server:
    """Start listening; the caller closes the returned server."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), timeout=5)
            while (await asyncio.wait_for(reader.readline(), timeout=5)) not in (b"\r\n", b""):
                pass  # headers: nothing here needs them
            parts = request.decode("latin-1").split()
            path = parts[1].split("?")[0] if len(parts) >= 2 else ""
            routes: dict[str, Callable[[], Awaitable[tuple[int, str, bytes]]]] = {
                "/healthz": lambda: _health(probe),
                "/metrics": lambda: _metrics(probe),
            }
            route = routes.get(path)
            status, kind, body = await route() if route else (404, "text/plain", b"not found\n")
            reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[status]
            writer.write(
                f"HTTP/1.1 {status} {reason}\r\nContent-Type: {kind}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, host, port)
    log.info("serving /healthz and /metrics", extra={"event": "http_started", "port": port})
    return server


async def _health(probe: Probe) -> tuple[int, str, bytes]:
    status, body = await probe.health()
    return status, "application/json", json.dumps(body).encode() + b"\n"


async def _metrics(probe: Probe) -> tuple[int, str, bytes]:
    try:
        return 200, CONTENT_TYPE_LATEST, await probe.metrics_text()
    except Exception as error:  # a count of 0 would look like a healthy, empty service
        log.warning("metrics not served: %s", error, extra={"event": "metrics_failed"})
        return 503, "text/plain", f"the database did not answer: {error}\n".encode()
