"""The service: the long-lived parts and the surfaces people and orchestrators use.

parts       configuration, database, fetcher and mailer, opened and closed together
scheduler   `monitor run`: one job per source, per digest, the outbox, reloads, SIGTERM
web         /healthz and /metrics
cli         the `monitor` command
"""
