"""Which language the command line speaks: MONITOR_LANGUAGE, else the locale, else English.

Mails speak the language sources.yaml gives them; a terminal belongs to the person at it,
so it follows the locale as other command-line tools do (LANGUAGE, LC_ALL, LC_MESSAGES,
then LANG: `de_DE.UTF-8` is German). MONITOR_LANGUAGE overrides both, e.g. in a container,
whose locale is usually C.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, get_args

Language = Literal["de", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)


def chosen(environ: Mapping[str, str]) -> Language:
    """The language of `environ`: an unknown MONITOR_LANGUAGE is ignored here (the
    environment's validation reports it, in the language this returns)."""
    wanted = environ.get("MONITOR_LANGUAGE", "").strip().lower()
    if wanted in LANGUAGES:
        return "de" if wanted == "de" else "en"
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable, "")
        if value:  # the first one set decides, as in gettext
            code = value.split(":")[0].split("_")[0].split(".")[0].lower()
            return "de" if code == "de" else "en"
    return "en"
