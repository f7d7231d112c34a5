"""`monitor run`: APScheduler (asyncio) with one job per source, per digest, and the outbox.

Every job claims its work in the database before doing it (see pipeline and outbox), so
any number of processes can run this side by side. On SIGTERM or SIGINT no new job
starts; jobs already running get a grace period to finish, then are cancelled, which
loses nothing: their leases expire and the work is picked up again.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor import sources
from monitor.alerting import delivery, digest
from monitor.config import diff as config_diff
from monitor.config import schedule, sources_yaml
from monitor.crawl import pipeline
from monitor.errors import ConfigError
from monitor.service import web
from monitor.service.parts import Service
from monitor.telemetry import metrics

log = logging.getLogger(__name__)

OUTBOX_EVERY = timedelta(seconds=30)
WATCH_EVERY = timedelta(seconds=2)
RELOAD_WITHIN = timedelta(seconds=10)
HEARTBEAT_EVERY = timedelta(seconds=5)
HOUSEKEEPING_EVERY = timedelta(hours=12)
# SIGTERM to exit must stay within 10 s (container runtimes then kill): 7 s for running
# jobs to finish, then at most HANDBACK_SECONDS for the cancelled ones to hand back their
# leases, and what is left for closing the database and the HTTP client.
GRACE_SECONDS = 7.0
HANDBACK_SECONDS = 1.5


def utcnow() -> datetime:
    return datetime.now(UTC)


def _trigger(rule: schedule.Schedule, timezone: str) -> IntervalTrigger | CronTrigger:
    if isinstance(rule, schedule.Interval):
        return IntervalTrigger(seconds=rule.every.total_seconds(), timezone=timezone)
    return CronTrigger.from_crontab(rule.expression, timezone=timezone)


class Runner:
    """Owns the scheduler and the set of jobs in flight."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.scheduler = AsyncIOScheduler(timezone=service.config.settings.timezone)
        self.in_flight: set[asyncio.Task[Any]] = set()
        self.stopping = asyncio.Event()
        # Set when a crawl committed a mail to send at once; the sender loop waits on it
        # (or OUTBOX_EVERY, the safety net for what other processes queued).
        self.mail_waiting = asyncio.Event()
        self.sender: asyncio.Task[None] | None = None
        self.last_tick_at: float | None = None
        self.config_stamp: int | None = None
        self.scheduler.add_listener(self._record_lag, EVENT_JOB_SUBMITTED)

    def _record_lag(self, event: JobSubmissionEvent) -> None:
        if event.scheduled_run_times:
            lag = (utcnow() - event.scheduled_run_times[0]).total_seconds()
            metrics.JOB_LAG.labels(metrics.job_kind(event.job_id)).observe(max(lag, 0.0))

    async def heartbeat(self) -> None:
        self.last_tick_at = time.time()
        metrics.LAST_TICK.set(self.last_tick_at)

    def _job(
        self, name: str, work: Callable[[], Awaitable[object]]
    ) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            if self.stopping.is_set():
                return
            task = asyncio.current_task()
            assert task is not None
            self.in_flight.add(task)
            try:
                await work()
            except asyncio.CancelledError:
                if not self.stopping.is_set():
                    raise
                # A deliberate stop (SIGTERM): the work was handed back; nothing failed.
                log.info("job stopped for shutdown", extra={"event": "job_stopped", "job": name})
            except Exception:
                log.exception("job failed", extra={"event": "job_failed", "job": name})
            finally:
                self.in_flight.discard(task)

        return run

    def schedule_all(self) -> None:
        config = self.service.config
        now = utcnow()
        for source in config.sources:
            self._schedule_source(source, now)
        for alert in config.digest_alerts:
            self._schedule_digest(alert)
        self.scheduler.add_job(
            self._job("catch-up", self.catch_up), id="catch-up", next_run_time=now
        )
        self.scheduler.add_job(
            self.heartbeat,
            IntervalTrigger(seconds=HEARTBEAT_EVERY.total_seconds()),
            id="heartbeat",
            next_run_time=now,
        )
        self.scheduler.add_job(
            self._job("housekeeping", self.housekeeping),
            IntervalTrigger(seconds=HOUSEKEEPING_EVERY.total_seconds()),
            id="housekeeping",
            next_run_time=now + timedelta(minutes=1),  # not in the start-up rush
            max_instances=1,
            coalesce=True,
        )
        if self.service.settings.config.exists():
            # The file as it was loaded: any later change, however soon, is a change.
            self.config_stamp = self.service.settings.config.stat().st_mtime_ns
            self.scheduler.add_job(
                self._job("watch", self.watch_config),
                IntervalTrigger(seconds=WATCH_EVERY.total_seconds()),
                id="watch",
                max_instances=1,
                coalesce=True,
            )

    def _schedule_source(self, source: sources.SourceBase, first_run: datetime) -> None:
        if not source.enabled:
            return
        config = self.service.config
        self.scheduler.add_job(
            self._job(f"crawl:{source.name}", functools.partial(self.crawl, source.name)),
            IntervalTrigger(seconds=config.interval(source).total_seconds()),
            id=f"crawl:{source.name}",
            next_run_time=first_run,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            replace_existing=True,
        )

    def _schedule_digest(self, alert: sources_yaml.Alert) -> None:
        config = self.service.config
        self.scheduler.add_job(
            self._job(f"digest:{alert.name}", functools.partial(self.send_digest, alert.name)),
            _trigger(alert.digest_schedule, alert.timezone or config.settings.timezone),
            id=f"digest:{alert.name}",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            replace_existing=True,
        )

    async def watch_config(self) -> None:
        """Reload when sources.yaml's modification time changes (polled: no extra library,
        and it works on every file system a container may mount)."""
        try:
            stamp = self.service.settings.config.stat().st_mtime_ns
        except OSError as error:
            if self.config_stamp is not None:  # said once, until the file is back
                self.config_stamp = None
                log.error(
                    "%s cannot be read (%s): the running configuration stays",
                    self.service.settings.config, error.strerror or error,
                    extra={"event": "config_unreadable"},
                )  # fmt: skip
            return
        if stamp != self.config_stamp:
            self.config_stamp = stamp
            await self.reload()

    async def reload(self) -> None:
        """Validate sources.yaml again; if it is valid, reschedule only what changed. If it is
        not, the running configuration stays and the error is logged with its line."""
        path = self.service.settings.config
        try:
            # Off the event loop, within a time bound: crawls, mail and /healthz go on
            # while a large or hostile file is read.
            new = await asyncio.wait_for(asyncio.to_thread(sources_yaml.load, path),
                                         RELOAD_WITHIN.total_seconds())  # fmt: skip
        except ConfigError as error:
            log.error(
                "%s not reloaded, the running configuration stays: %s", path.name, error,
                extra={"event": "config_invalid", "problems": [str(p) for p in error.problems]},
            )  # fmt: skip
            return
        except TimeoutError:
            log.error(
                "%s not reloaded: reading it took longer than %s s; the running "
                "configuration stays", path.name, RELOAD_WITHIN.total_seconds(),
                extra={"event": "config_invalid"},
            )  # fmt: skip
            return
        diff = config_diff.changes(self.service.config, new)
        if not diff.any:
            return
        crawler = pipeline.Crawler.build(
            new,
            self.service.fetcher,
            self.service.sessions,
            sender=self.service.settings.mail_from,
        )
        self.service = dataclasses.replace(self.service, config=new, crawler=crawler)
        now = utcnow()
        sources_changed, alerts_changed = diff.sources_changed, diff.alerts_changed
        if diff.settings_changed:
            # The time zone, the default interval: every trigger may differ.
            kept = {s.name for s in new.sources} - set(diff.sources_added)
            sources_changed = tuple(sorted(kept))
            alerts_changed = tuple(sorted({a.name for a in new.alerts} - set(diff.alerts_added)))
        for name in (*diff.sources_removed, *sources_changed):
            self._unschedule(f"crawl:{name}")
        for name in (*diff.sources_added, *sources_changed):
            self._schedule_source(new.source(name), now)
        for name in (*diff.alerts_removed, *alerts_changed):
            self._unschedule(f"digest:{name}")
        for name in (*diff.alerts_added, *alerts_changed):
            alert = new.alert(name)
            if alert.digest is not None:
                self._schedule_digest(alert)
        log.info(
            "sources.yaml reloaded",
            extra={"event": "config_reloaded", "changes": dataclasses.asdict(diff)},
        )
        if diff.needs_restart:
            log.warning(
                "changes to %s take effect after a restart", " and ".join(diff.needs_restart),
                extra={"event": "config_needs_restart", "parts": list(diff.needs_restart)},
            )  # fmt: skip

    def _unschedule(self, job_id: str) -> None:
        if self.scheduler.get_job(job_id) is not None:
            self.scheduler.remove_job(job_id)

    async def crawl(self, name: str) -> pipeline.CrawlResult:
        # Looked up by name at run time, so a reload's new settings apply to the next crawl.
        source = self.service.config.source(name)
        crawler = dataclasses.replace(self.service.crawler, queued=self.mail_waiting.set)
        return await pipeline.poll_source(
            crawler, source, now=utcnow(), interval=self.service.config.interval(source),
        )  # fmt: skip

    async def send_loop(self) -> None:
        """Send what is due: at once when a crawl here queued an urgent mail, else every
        OUTBOX_EVERY (mails other processes queued, retries whose time has come)."""
        drain = self._job("outbox", self.drain)
        while not self.stopping.is_set():
            self.mail_waiting.clear()
            await drain()
            with contextlib.suppress(TimeoutError):  # the tick: send what others queued
                await asyncio.wait_for(self.mail_waiting.wait(), OUTBOX_EVERY.total_seconds())

    async def send_digest(self, name: str) -> None:
        alert = self.service.config.alert(name)
        await digest.close_window(
            self.service.config, alert, self.service.sessions,
            sender=self.service.settings.mail_from, now=utcnow(),
        )  # fmt: skip
        await self.drain()

    async def catch_up(self) -> None:
        """Close windows that ended while no process was running (each is sent once)."""
        for alert in self.service.config.digest_alerts:
            await self.send_digest(alert.name)

    async def drain(self) -> None:
        await delivery.drain(
            self.service.sessions, self.service.mailer,
            sender=self.service.settings.mail_from, clock=utcnow,
        )  # fmt: skip

    async def housekeeping(self) -> None:
        memory, validators = await pipeline.forget_stale_state(self.service.sessions, now=utcnow())
        if memory or validators:
            log.info(
                "forgot %d memory entries and %d HTTP validators no crawl wrote for months",
                memory, validators,
                extra={"event": "stale_state_forgotten", "memory": memory,
                       "validators": validators},
            )  # fmt: skip

    async def run_until_stopped(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stopping.set)
        loop.add_signal_handler(signal.SIGHUP, self._reload_soon)
        self.schedule_all()
        self.scheduler.start()
        self.sender = asyncio.create_task(self.send_loop(), name="sender")
        http = await self._serve_http()
        log.info(
            "monitor is running",
            extra={"event": "service_started", "sources": len(self.service.config.sources),
                   "alerts": len(self.service.config.alerts)},
        )  # fmt: skip
        try:
            await self.stopping.wait()
        finally:
            if http is not None:
                http.close()
            await self.stop()
            for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(sig)

    def _reload_soon(self) -> None:
        self.scheduler.add_job(self._job("reload", self.reload), id="reload", replace_existing=True)

    async def _serve_http(self) -> asyncio.Server | None:
        settings = self.service.settings
        if not settings.http_port:
            return None
        # The service as it is now: a reload replaces it.
        probe = web.Probe(lambda: self.service, lambda: self.scheduler.running,
                          lambda: self.last_tick_at)  # fmt: skip
        try:
            return await web.serve(probe, settings.http_host, settings.http_port)
        except OSError as error:
            # Crawling and mail matter more than the probe: keep running, say so loudly (a
            # container's HEALTHCHECK then fails and shows it).
            log.error(
                "cannot serve /healthz and /metrics on %s:%s: %s",
                settings.http_host, settings.http_port, error, extra={"event": "http_failed"},
            )  # fmt: skip
            return None

    async def stop(self) -> None:
        self.stopping.set()
        self.mail_waiting.set()  # the sender loop ends after the drain in flight, if any
        # No new jobs; running ones get the grace period. (APScheduler's own shutdown
        # cancels running asyncio jobs at once, so it comes last.)
        self.scheduler.pause()
        if self.in_flight:
            log.info("waiting for running jobs", extra={"event": "service_draining",
                                                       "jobs": len(self.in_flight)})  # fmt: skip
            _, pending = await asyncio.wait(set(self.in_flight), timeout=GRACE_SECONDS)
            for task in pending:
                task.cancel()
            if pending:
                # What is not handed back by then keeps its lease until it runs out.
                await asyncio.wait(pending, timeout=HANDBACK_SECONDS)
        if self.sender is not None:
            self.sender.cancel()
            await asyncio.gather(self.sender, return_exceptions=True)
        self.scheduler.shutdown(wait=False)
        log.info("monitor stopped", extra={"event": "service_stopped"})
