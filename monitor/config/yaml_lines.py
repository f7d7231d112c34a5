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

Path = tuple[str | int, ...]

MAX_BYTES = 1024 * 1024  # a sources.yaml of 10,000 sources is about 1 MB
MAX_DEPTH = 40  # sources.yaml nests five levels deep; deeper is a mistake or an attack
MAX_VALUES = 200_000  # values once aliases are expanded: 10,000 sources with 20 fields


class YamlError(ValueError):
    """The text is not YAML we accept; `line` is 1-based."""

    def __init__(self, message: str, line: int | None) -> None:
        self.message = message
        self.line = line
        super().__init__(message)


def load(text: str) -> tuple[Any, dict[Path, int]]:
    """Parse one YAML document. Returns (data, lines); empty text gives ({}, {})."""
    size = len(text.encode("utf-8", "replace"))
    if size > MAX_BYTES:
        raise YamlError(f"the file is {size:,} bytes; at most {MAX_BYTES:,} are read", None)
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise YamlError(f"values are nested deeper than {MAX_DEPTH} levels", None) from None
    except yaml.reader.ReaderError as error:  # NUL and other characters YAML does not allow
        where = text[: error.position].count("\n") + 1
        character = chr(error.character) if isinstance(error.character, int) else error.character
        said = f"not valid YAML: character {character!r} is not allowed"
        raise YamlError(said, where) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        if error.context_mark is not None and (mark is None or mark.index >= len(text.rstrip())):
            # Found only at the end of the file (an unclosed quote or bracket): the mistake
            # is where it was opened.
            mark = error.context_mark
        line = mark.line + 1 if mark is not None else None
        raise YamlError(f"not valid YAML: {error.problem or error}", line) from None
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
            raise YamlError(
                f"more than {MAX_VALUES:,} values once aliases (*name) are expanded: write "
                "them out, or use fewer aliases", line,
            )  # fmt: skip
        if len(path) > MAX_DEPTH:
            raise YamlError(f"values are nested deeper than {MAX_DEPTH} levels", line)
        self.lines.setdefault(path, own)
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = _scalar(key_node)
                if key in result:
                    raise YamlError(f"key '{key}' appears twice", key_node.start_mark.line + 1)
                child = (*path, str(key))
                self.lines[child] = key_node.start_mark.line + 1
                result[key] = self.build(value_node, child)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
        return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise YamlError("a key must be a plain value", node.start_mark.line + 1)
    # PyYAML's resolver already tagged the scalar (int, bool, null, str…); construct it so.
    return yaml.SafeLoader("").construct_object(node, deep=True)
