# monitor as a container: `monitor run` on the configuration in /config, state in /data.
# The install steps are the README's, and tests/e2e/test_packaging.py runs them on a wheel
# (no Docker engine runs in CI), so a broken package shows up before an image is built.

# A current 3.12 patch release: earlier ones let header injection through e-mail headers.
FROM python:3.12.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MONITOR_DATA_DIR=/data \
    MONITOR_CONFIG=/config/sources.yaml \
    MONITOR_HTTP_HOST=0.0.0.0 \
    MONITOR_HTTP_PORT=8080

WORKDIR /src
COPY pyproject.toml README.md alembic.ini ./
COPY monitor ./monitor
COPY alembic ./alembic
RUN pip install --no-cache-dir . && rm -rf /src

# The configuration is mounted, never baked in: an image serves any team's sources.yaml
# (docker run -v ./sources.yaml:/config/sources.yaml:ro …). Without one, `monitor run`
# stops at once, naming the missing file.
RUN useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin monitor \
    && mkdir -p /data /config && chown monitor /data

USER monitor
WORKDIR /data
VOLUME ["/data"]

EXPOSE 8080
# /healthz: the database answers, the scheduler runs, its heartbeat is recent. Asked on
# the port the service listens on, MONITOR_HTTP_PORT, whatever it was set to at `run`.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('MONITOR_HTTP_PORT', '8080'), timeout=8)"]

# SIGTERM: running jobs get 7 s to finish, then hand their work back (leases released);
# the process is gone within 10 s, inside Docker's default stop timeout.
STOPSIGNAL SIGTERM

ENTRYPOINT ["monitor"]
CMD ["run"]
