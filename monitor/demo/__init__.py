"""`monitor demo`: the real code paths on a bundled loopback site and SMTP sink.

board      a phpBB board rendered from data (the crawl tests use it too)
site       the loopback site: a blog feed, the board, a shop's reviews
mailsink   an SMTP server that keeps what it receives
run        the demo itself: crawl, alert, digest, and where the mails went
"""
