"""A sentence of a catalogue that is also its English text.

Adapters and the crawl report what they notice on a page (a selector that matched
nothing, the engine a board runs on, an item cut short) as warnings and notes that are
logged, stored and printed by `monitor try`. A `Said` is a `str` (the English sentence),
so every place that logs, compares or deduplicates text keeps working, and it carries its
catalogue key and values, so a reader says it in German (`told`). A value may be a Said
itself: it is said in the same language. Text built from a Said with an f-string is plain
English text again; build a Said of a Said instead. `monitor query`'s explanation is made
of Saids too.
"""

from __future__ import annotations

from typing import Any

from monitor.phrasebook.diagnostics import DIAGNOSTICS
from monitor.phrasebook.explanation import EXPLANATION
from monitor.phrasebook.language import Language

# The catalogues a Said is looked up in (their keys do not overlap; a test checks).
SENTENCES = {**DIAGNOSTICS, **EXPLANATION}


class Said(str):
    key: str
    values: dict[str, Any]

    def __new__(cls, key: str, /, **values: Any) -> Said:
        said = super().__new__(cls, _format(key, values, "en"))
        said.key, said.values = key, values
        return said

    def told(self, language: Language) -> str:
        return _format(self.key, self.values, language)


def told(text: str, language: Language) -> str:
    """`text` in `language` when it is a Said, else as it is (a text from elsewhere)."""
    return text.told(language) if isinstance(text, Said) else text


def _format(key: str, values: dict[str, Any], language: Language) -> str:
    shown = {name: told(value, language) if isinstance(value, str) else value
             for name, value in values.items()}  # fmt: skip
    return SENTENCES[key][language].format_map(shown)
