"""Crawling: one source's pages walked, parsed, matched and stored in one transaction.

walk       start -> fetch -> parse -> follow, within the source's bounds and history
pipeline   one crawl of one source, stored with its immediate alerts; never raises
dry_run    `monitor try`: the same walk with no history, stored nowhere
health     the source state machine (ok, failing, broken) and when to tell the admins
"""
