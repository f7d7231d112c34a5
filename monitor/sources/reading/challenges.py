"""Bot challenges: interstitial pages (Cloudflare, DDoS-Guard…) served instead of content.

Pure: given the start of a page and its Server header, say whose challenge it is. Used by
the fetcher (challenges usually come as 403 or 503) and by page parsers (some come as 200).
"""

from __future__ import annotations

# (who, markers in the lower-cased raw page)
CHALLENGES = (
    ("Cloudflare", ("cf-browser-verification", "challenge-platform", "cf_chl_opt",
                    "cf-challenge", "attention required! | cloudflare")),
    ("DDoS-Guard", ("ddos-guard",)),
    ("Sucuri", ("sucuri website firewall",)),
    ("a bot check", ("checking your browser before accessing", "just a moment...",
                     "enable javascript and cookies to continue")),
)  # fmt: skip
# Statuses a challenge comes with when it does not pretend to be the page.
STATUSES = frozenset({403, 429, 503})
# A challenge says what it is in its first few kilobytes.
SNIFF_BYTES = 64 * 1024


def who(raw: str, server: str = "") -> str | None:
    """Whose challenge `raw` (the page, any case) is, or None for an ordinary page."""
    page = raw.lower()
    served_by = server.lower()
    for name, markers in CHALLENGES:
        if any(marker in page for marker in markers):
            return name
        if name.lower() in served_by and any(m in page for m in ("challenge", "captcha")):
            return name
    return None
