"""Load YAML into plain data while remembering the line each value stands on.

Config errors must name a line, and pydantic only knows paths; this keeps a map from
path (a tuple of keys and list indexes) to the 1-based line, built from PyYAML's node
tree. Duplicate keys, which PyYAML would silently resolve to the last one, are errors.
"""

from __future__ import annotations

from typing import Any

import yaml

Path = tuple[str | int, ...]


class YamlError(ValueError):
    """The text is not YAML we accept; `line` is 1-based."""

    def __init__(self, message: str, line: int | None) -> None:
        self.message = message
        self.line = line
        super().__init__(message)


def load(text: str) -> tuple[Any, dict[Path, int]]:
    """Parse one YAML document. Returns (data, lines); empty text gives ({}, {})."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
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
    return _build(node, (), lines), lines


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of `path`, or of its nearest ancestor that has one."""
    for end in range(len(path), -1, -1):
        if path[:end] in lines:
            return lines[path[:end]]
    return None


def _build(node: yaml.Node, path: Path, lines: dict[Path, int]) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            if key in result:
                raise YamlError(f"key '{key}' appears twice", key_node.start_mark.line + 1)
            child = (*path, str(key))
            lines[child] = key_node.start_mark.line + 1
            result[key] = _build(value_node, child, lines)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, index), lines) for index, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise YamlError("a key must be a plain value", node.start_mark.line + 1)
    # PyYAML's resolver already tagged the scalar (int, bool, null, str…); construct it so.
    return yaml.SafeLoader("").construct_object(node, deep=True)
