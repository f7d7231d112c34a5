"""Load YAML into plain data while remembering the line each value stands on.

Config errors must name a line, and pydantic only knows paths; this keeps a map from
path (a tuple of keys and list indexes) to the 1-based line, built from PyYAML's node
tree. Duplicate keys, which PyYAML would silently resolve to the last one, are errors.

Hard bounds, checked before anything large is built: the text's size (`MAX_BYTES`), the
nesting depth (`MAX_DEPTH`) and the number of values once aliases are expanded
(`MAX_VALUES`): a few hundred bytes of aliases can stand for billions of values (a "YAML
bomb"), and building them would take the process's memory and time. Each is an error with
the line where it happens, like any other.
"""

from __future__ import annotations

from typing import Any

import yaml

from monitor.phrasebook import problems

Path = tuple[str | int, ...]

MAX_BYTES = 1024 * 1024  # a sources.yaml of 10,000 sources is about 1 MB
MAX_DEPTH = 40  # sources.yaml nests five levels deep; deeper is a mistake or an attack
MAX_VALUES = 200_000  # values once aliases are expanded: 10,000 sources with 20 fields


class YamlError(ValueError):
    """The text is not YAML we accept: a problem of `kind` (a sentence of
    phrasebook.problems) with its `values`; `line` is 1-based."""

    def __init__(self, kind: str, line: int | None, **values: str) -> None:
        self.kind, self.values, self.line = kind, values, line
        self.message = problems.english(kind, values)
        super().__init__(self.message)


# PyYAML's wording of the mistakes people make most, and what to tell them instead.
_KNOWN_SYNTAX = {
    "mapping values are not allowed here": "yaml_colon",
    "could not find expected ':'": "yaml_missing_colon",
    "found character '\\t' that cannot start any token": "yaml_tab",
    "found undefined alias": "yaml_undefined_alias",
    "found unexpected end of stream": "yaml_unclosed",
    "expected ',' or ']'": "yaml_unclosed",
    "expected ',' or '}'": "yaml_unclosed",
    "expected <block end>": "yaml_indent",
}


def load(text: str) -> tuple[Any, dict[Path, int]]:
    """Parse one YAML document. Returns (data, lines); empty text gives ({}, {})."""
    size = len(text.encode("utf-8", "replace"))
    if size > MAX_BYTES:
        raise YamlError("file_too_large", None, size=f"{size:,}", limit=f"{MAX_BYTES:,}")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise YamlError("yaml_too_deep", None, limit=str(MAX_DEPTH)) from None
    except yaml.reader.ReaderError as error:  # NUL and other characters YAML does not allow
        where = text[: error.position].count("\n") + 1
        character = chr(error.character) if isinstance(error.character, int) else error.character
        raise YamlError("yaml_character", where, character=repr(character)) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        if error.context_mark is not None and (mark is None or mark.index >= len(text.rstrip())):
            # Found only at the end of the file (an unclosed quote or bracket): the mistake
            # is where it was opened.
            mark = error.context_mark
        line = mark.line + 1 if mark is not None else None
        said = str(error.problem or error)
        known = next((k for start, k in _KNOWN_SYNTAX.items() if said.startswith(start)), None)
        if known is not None:
            raise YamlError(known, line) from None
        raise YamlError("yaml_syntax", line, reason=said) from None
    if node is None:
        return {}, {}
    lines: dict[Path, int] = {}
    return _Builder(lines).build(node, ()), lines


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of `path`, or of its nearest ancestor that has one."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


class _Builder:
    """Plain data from the node tree, counting what it builds (aliases count each time
    they are used) and how deep it goes, so a bomb stops at the bound, not at the end of
    memory."""

    def __init__(self, lines: dict[Path, int]) -> None:
        self.lines, self.values = lines, 0

    def build(self, node: yaml.Node, path: Path) -> Any:
        # An alias's node stands where its anchor is; say where it is used instead.
        own = node.start_mark.line + 1
        line = (line_of(self.lines, path) or own) if path else own
        self.values += 1
        if self.values > MAX_VALUES:
            # Aliases make lines deep inside meaningless: name the top-level key.
            line = line_of(self.lines, path[:1]) or line
            raise YamlError("yaml_too_many", line, limit=f"{MAX_VALUES:,}")
        if len(path) > MAX_DEPTH:
            raise YamlError("yaml_too_deep", line, limit=str(MAX_DEPTH))
        self.lines.setdefault(path, own)
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = _scalar(key_node)
                if key in result:
                    raise YamlError(
                        "yaml_duplicate_key", key_node.start_mark.line + 1, key=str(key)
                    )
                child = (*path, str(key))
                self.lines[child] = key_node.start_mark.line + 1
                result[key] = self.build(value_node, child)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise YamlError("yaml_key_type", node.start_mark.line + 1)
    # PyYAML's resolver already tagged the scalar (int, bool, null, str…); construct it so.
    return yaml.SafeLoader("").construct_object(node, deep=True)
