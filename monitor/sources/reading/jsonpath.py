"""JMESPath expressions for JSON sources: checked once at config time, compiled once.

Paths are JMESPath (https://jmespath.org): ``data.children[].data``, ``record.text``,
``title || story_title``. One function is added to the standard set, because API ids
often hide the part a link needs inside a longer string:

    split(string, separator)    ``split(uri, '/')[-1]`` is the last segment of an at:// URI

`search` never raises on data: a path that leads nowhere is None, as in JMESPath.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jmespath
from jmespath import exceptions, functions
from jmespath.parser import ParsedResult

from monitor.phrasebook import problems


class _Functions(functions.Functions):
    @functions.signature({"types": ["string"]}, {"types": ["string"]})
    def _func_split(self, value: str, separator: str) -> list[str]:
        return value.split(separator) if separator else [value]


_OPTIONS = jmespath.Options(custom_functions=_Functions())


@lru_cache(maxsize=512)
def compile_path(expression: str) -> ParsedResult:
    """The compiled `expression`; ValueError saying what is wrong if it is not JMESPath."""
    try:
        return jmespath.compile(expression)
    except exceptions.JMESPathError as error:
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise problems.invalid("bad_jmespath", value=expression, reason=message) from None


def check(expression: str) -> str:
    """Validator for config fields: `expression` itself if it compiles."""
    compile_path(expression.strip())
    return expression.strip()


def search(expression: str, data: Any) -> Any:
    """What `expression` finds in `data` (None when nothing, or when a function refuses)."""
    try:
        return compile_path(expression).search(data, options=_OPTIONS)
    except exceptions.JMESPathError:
        # A type error in a function (split of a number): the value is not there.
        return None
