"""Logs are events: one line each, with stable keys (event, source, duration_ms…).

On a terminal they read as `LEVEL message  key=value …`; elsewhere (a container, a file)
each line is a JSON object. Secrets are never passed to a logger in the first place.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

# Attributes every LogRecord has; anything else was passed in `extra=` and is an event key.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = {k: v for k, v in vars(record).items() if k not in _STANDARD}
    # Libraries log without our keys; give every line an event all the same.
    fields.setdefault("event", "library_log" if not record.name.startswith("monitor") else "log")
    return fields


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "at": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class ReadableFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = _fields(record)
        if fields["event"] in ("log", "library_log"):
            del fields["event"]
        pairs = " ".join(f"{k}={v}" for k, v in fields.items())
        line = f"{record.levelname:<7} {record.getMessage()}" + (f"  {pairs}" if pairs else "")
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure(level: str = "INFO", stream: TextIO | None = None) -> None:
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    handler.setFormatter(ReadableFormatter() if stream.isatty() else JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Libraries' chatter (each HTTP request, each SMTP command) is not an event of ours.
    for noisy in ("httpx", "httpcore", "aiosmtplib", "mail.log", "apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # "Skipped: maximum number of running instances reached" only says a crawl took
    # longer than its interval; the crawl's own events tell that story.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
