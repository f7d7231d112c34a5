"""Alerting: which mentions go out, when, and making sure they arrive.

urgency     which immediate rules a new mention sets off, and why (pure)
immediate   immediate alerts and source-health mails, queued in the crawl's transaction
digest      digest windows closed on their schedule, once per (alert, window)
delivery    the outbox drained: sent, retried with backoff, or failed visibly
"""
