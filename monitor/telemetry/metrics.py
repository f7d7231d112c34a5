"""Prometheus metrics of this process, served on /metrics (see monitor.service.web).

Counters only count; they never decide anything. Labels stay few and bounded (outcome,
state, source type), never a source name: ten thousand sources must not mean ten
thousand series.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

FETCHES = Counter(
    "monitor_fetches", "Pages fetched, by outcome (ok, not_modified, error).",
    ["outcome"], registry=REGISTRY,
)  # fmt: skip
CRAWLS = Counter(
    "monitor_crawls", "Crawls of a source, by outcome (ok, error).", ["outcome"],
    registry=REGISTRY,
)  # fmt: skip
ITEMS = Counter(
    "monitor_items_parsed", "Documents read from pages, by source type.", ["source_type"],
    registry=REGISTRY,
)  # fmt: skip
MENTIONS = Counter("monitor_mentions_stored", "Mentions new to the database.", registry=REGISTRY)
MAILS = Counter(
    "monitor_mails", "Mails handed to SMTP, by outcome (sent, retry, failed).", ["outcome"],
    registry=REGISTRY,
)  # fmt: skip
SOURCES = Gauge(
    "monitor_sources", "Configured sources by health state (ok, failing, broken).", ["state"],
    registry=REGISTRY,
)  # fmt: skip
JOB_LAG = Histogram(
    "monitor_job_lag_seconds", "How late a scheduled job started.", ["job"],
    buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900), registry=REGISTRY,
)  # fmt: skip
LAST_TICK = Gauge(
    "monitor_scheduler_last_tick_timestamp_seconds", "When the scheduler last ran its heartbeat.",
    registry=REGISTRY,
)  # fmt: skip


def job_kind(job_id: str) -> str:
    """`crawl:Forum X` → `crawl`: the label is the kind of job, not the source."""
    return job_id.split(":", 1)[0]
