"""The service: its long-lived parts, its schedule, and what orchestrators ask it.

parts       database, fetcher and mailer, opened and closed together; open_database
scheduler   `monitor run`: one job per source, per digest, the outbox, reloads, SIGTERM
web         /healthz and /metrics
"""
