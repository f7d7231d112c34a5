"""Storage: the only package that speaks SQL (SQLAlchemy 2, SQLite or PostgreSQL).

db          engines, sessions, migrations; the only module that knows database URLs
schema      the tables, with named constraints
mentions    documents and mentions, saved in batches, each mention once
stories     one story, one document: aliases, near-duplicate bands, sightings
seen        every document key ever met, so a crawl tells old items from new
sources     crawl state, health, leases, adapter memory, HTTP validators
outbox      messages decided on, waiting to be sent, retried or given up on
names       when each brand and alert first appeared
upsert      INSERT … ON CONFLICT for the session's dialect
"""
