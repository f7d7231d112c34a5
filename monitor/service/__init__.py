"""The service: the long-lived parts and the surfaces people and orchestrators use.

parts       database, fetcher and mailer, opened and closed together; open_database
scheduler   `monitor run`: one job per source, per digest, the outbox, reloads, SIGTERM
web         /healthz and /metrics
cli/        the `monitor` command: common (consoles, exit codes), checks (check, db),
            work (run, crawl, digest, demo), trying (try, query), stored (mentions,
            sources, outbox)
"""
