"""sources.yaml: brands, sources and alerts, validated once into frozen, typed objects.

`load(path)` either returns a `Config` or raises `ConfigError` listing every problem as
`file:line: path: message`, with a hint where one helps. Unknown keys are errors, so a typo
never silently switches something off.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails

from monitor import query, text
from monitor import sources as source_types
from monitor.config import host_policy, schedule, yaml_lines
from monitor.errors import ConfigError, ConfigProblem, QuerySyntaxError
from monitor.phrasebook import problems
from monitor.query import BrandQuery
from monitor.time_values import Duration, TimeZone


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _email(value: str) -> str:
    local, at, domain = value.strip().rpartition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in value.strip()):
        raise problems.invalid("not_an_email", value=value)
    return value.strip()


def _query(value: str) -> str:
    try:
        query.check(value)
    except QuerySyntaxError as error:
        raise problems.invalid(
            "bad_query", **error.values, reason=error.kind, column=str(error.column)
        ) from None
    return value


def _host_name(value: str) -> str:
    if not value.strip() or any(c.isspace() or c in "/:@" for c in value.strip()):
        raise problems.invalid("not_a_host_name", value=value)
    return host_policy.host_key(value)


def _product_token(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z_-]+", value):  # RFC 9309: letters, "_" and "-"
        raise problems.invalid("not_a_product_token", value=value)
    return value


def _alert_name(value: str) -> str:
    if not re.fullmatch(r"[\w.\-]+", value):  # it names files and metrics labels
        raise problems.invalid("not_an_alert_name", value=value)
    return value


Email = Annotated[str, AfterValidator(_email)]
Query = Annotated[str, AfterValidator(_query)]
HostName = Annotated[str, AfterValidator(_host_name)]
Language = Literal["de", "en"]


class Settings(_Frozen):
    """Behaviour shared by every source and alert unless they say otherwise."""

    timezone: TimeZone = "Europe/Berlin"
    language: Language = "de"
    every: Duration = Field(default=timedelta(minutes=30), description="Default crawl interval.")
    contact: Email = Field(
        default="monitor@example.org", description="Sent in the User-Agent so sites can reach you."
    )
    backfill: Duration = Field(
        default=timedelta(days=2),
        description="On a source's first crawl, alert only items published this recently.",
    )
    admins: tuple[Email, ...] = Field(
        default=(),
        description="Who gets test mails (`monitor check --smtp`) and source-health mails.",
    )
    near_duplicate: float = Field(
        default=0.8,
        ge=0.5,
        le=1.0,
        description="Texts at least this similar (0.5-1) are one story; 1.0: identical only.",
    )
    max_pages_per_crawl: int = Field(
        default=50, ge=1, le=1000,
        description="Pages one crawl of a source reads; what is left, the next crawls read.",
    )  # fmt: skip
    failures_before_attention: int = Field(
        default=3, ge=1, le=100, description="Failed crawls in a row that make a source broken."
    )
    robots_user_agent: Annotated[str, AfterValidator(_product_token)] = Field(
        default="monitor",
        description="The product token robots.txt groups are matched against (RFC 9309).",
    )


class Brand(_Frozen):
    """A brand and how to find it. `query` and each of `queries` may match (OR)."""

    name: Annotated[str, AfterValidator(text.single_line)] = Field(min_length=1, max_length=100)
    query: Query | None = None
    queries: tuple[Query, ...] = ()
    exclude: tuple[Query, ...] = Field(default=(), description="Words or queries that veto.")
    word_forms: bool = Field(
        default=True,
        description="Words also match with -s or -es (Vaudes, Müllers); false: only as written.",
    )

    @model_validator(mode="after")
    def _has_a_query(self) -> Brand:
        if self.query is None and not self.queries:
            raise problems.invalid("brand_needs_query")
        return self

    @property
    def all_queries(self) -> tuple[str, ...]:
        return ((self.query,) if self.query else ()) + self.queries

    def to_query(self) -> BrandQuery:
        return BrandQuery(self.name, self.all_queries, self.exclude, self.word_forms)


class Immediate(_Frozen):
    """When a mention is urgent enough to mail at once. Any condition given may trigger it;
    with none given, every mention of the alert's brands and sources does."""

    rating_at_most: float | None = Field(default=None, ge=0, le=5, description="0-5 stars.")
    query: Query | None = Field(default=None, description="Crisis words, brand query syntax.")

    @property
    def unconditional(self) -> bool:
        return self.rating_at_most is None and self.query is None


class Alert(_Frozen):
    """Who is told about which mentions, and when: a digest on a schedule, or at once."""

    name: Annotated[str, AfterValidator(_alert_name)] = Field(min_length=1, max_length=100)
    recipients: tuple[Email, ...] = Field(min_length=1)
    brands: tuple[str, ...] = Field(default=(), description="Empty means every brand.")
    sources: tuple[str, ...] = Field(default=(), description="Empty means every source.")
    digest: str | None = Field(default=None, description="A schedule, e.g. 'daily at 08:00'.")
    immediate: Immediate | None = None
    send_empty: bool = Field(default=False, description="Send a digest with no mentions too.")
    language: Language | None = None
    timezone: TimeZone | None = None

    @field_validator("digest")
    @classmethod
    def _digest_is_a_schedule(cls, value: str | None) -> str | None:
        if value is not None:
            schedule.parse_schedule(value)
        return value

    @model_validator(mode="after")
    def _digest_or_immediate(self) -> Alert:
        if (self.digest is None) == (self.immediate is None):
            raise problems.invalid("alert_digest_or_immediate")
        return self

    @property
    def digest_schedule(self) -> schedule.Schedule:
        assert self.digest is not None, "only digest alerts have a schedule"
        return schedule.parse_schedule(self.digest)

    def covers(self, brand: str, source: str) -> bool:
        """Whether a mention of `brand` found on `source` is this alert's business."""
        return (not self.brands or brand in self.brands) and (
            not self.sources or source in self.sources
        )


class Config(_Frozen):
    """The whole of sources.yaml."""

    settings: Settings = Settings()
    brands: tuple[Brand, ...] = Field(min_length=1)
    sources: tuple[source_types.SourceConfig, ...] = ()
    alerts: tuple[Alert, ...] = ()
    hosts: dict[HostName, host_policy.HostPolicy] = Field(
        default_factory=dict,
        description="Per-host politeness (concurrency, delay), shared by all its sources.",
    )

    @model_validator(mode="after")
    def _search_sources_name_known_brands(self) -> Config:
        """A name in a search source's `brands:` that no brand has is an error there."""
        names = sorted(brand.name for brand in self.brands)
        unknown: list[InitErrorDetails] = []
        for index, source in enumerate(self.sources):
            if not isinstance(source, source_types.search.SearchSource):
                continue
            for position, name in enumerate(source.brands):
                if name in names:
                    continue
                hint = difflib.get_close_matches(name, names, n=1)
                said = (problems.invalid("unknown_brand_hint", name=name, hint=hint[0]) if hint
                        else problems.invalid("unknown_brand", name=name))  # fmt: skip
                unknown.append(
                    InitErrorDetails(
                        type=said, loc=("sources", index, "brands", position), input=name
                    )
                )
        if unknown:
            raise ValidationError.from_exception_data("Config", unknown)
        return self

    def derived(self, source: source_types.SourceBase) -> source_types.Derived:
        """What `source` is read with that its own entry does not say: its time zone (its
        own, else the settings') and, for a search source without `queries`, its brands'
        (name, query) pairs. The models stay what sources.yaml says; this is computed."""
        pairs: tuple[tuple[str, str], ...] = ()
        if isinstance(source, source_types.search.SearchSource):
            queries = {brand.name: brand.all_queries for brand in self.brands}
            pairs = source_types.search.brand_queries(source, queries)
        return source_types.Derived(source.timezone or self.settings.timezone, pairs)

    def source(self, name: str) -> source_types.SourceConfig:
        for source in self.sources:
            if source.name.casefold() == name.casefold():
                return source
        raise KeyError(name)

    def alert(self, name: str) -> Alert:
        for alert in self.alerts:
            if alert.name.casefold() == name.casefold():
                return alert
        raise KeyError(name)

    def interval(self, source: source_types.SourceBase) -> timedelta:
        return source.every or self.settings.every

    def brands_for(self, alert: Alert) -> tuple[Brand, ...]:
        return tuple(b for b in self.brands if not alert.brands or b.name in alert.brands)

    @property
    def digest_alerts(self) -> tuple[Alert, ...]:
        return tuple(a for a in self.alerts if a.digest is not None)

    @property
    def immediate_alerts(self) -> tuple[Alert, ...]:
        return tuple(a for a in self.alerts if a.immediate is not None)


CrossProblem = tuple[yaml_lines.Path, str, dict[str, str]]  # where, the problem's kind, values


def _cross_check(config: Config) -> list[CrossProblem]:
    """Problems no single field shows: duplicate names, alerts naming unknown brands/sources."""
    found: list[CrossProblem] = []
    groups: tuple[tuple[str, tuple[Brand | Alert | source_types.SourceBase, ...]], ...] = (
        ("brands", config.brands), ("sources", config.sources), ("alerts", config.alerts),
    )  # fmt: skip
    for section, items in groups:
        seen: set[str] = set()
        for index, item in enumerate(items):
            if item.name.casefold() in seen:
                found.append(((section, index, "name"), "name_twice", {"name": item.name}))
            seen.add(item.name.casefold())
    brand_names = sorted(b.name for b in config.brands)
    source_names = sorted(s.name for s in config.sources)
    for index, alert in enumerate(config.alerts):
        for field, names, known in (
            ("brands", alert.brands, brand_names), ("sources", alert.sources, source_names),
        ):  # fmt: skip
            for position, name in enumerate(names):
                if name not in known:
                    hint = difflib.get_close_matches(name, known, n=1)
                    kind = f"unknown_{field[:-1]}" + ("_hint" if hint else "")
                    values = {"name": name, "hint": hint[0]} if hint else {"name": name}
                    found.append((("alerts", index, field, position), kind, values))
    return found


def load(path: Path) -> Config:
    """Read and validate a sources.yaml. Raises ConfigError naming file, line and path."""
    try:
        size = path.stat().st_size
        if size > yaml_lines.MAX_BYTES:  # refused before it is read
            raise ConfigError([ConfigProblem.said(
                str(path), None, "", "file_too_large",
                size=f"{size:,}", limit=f"{yaml_lines.MAX_BYTES:,}",
            )])  # fmt: skip
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ConfigProblem.said(str(path), None, "", "file_missing")]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(
            [ConfigProblem.said(str(path), None, "", "file_unreadable", reason=str(error))]
        ) from None
    return parse(text, filename=path.name)


def parse(text: str, *, filename: str = "sources.yaml") -> Config:
    try:
        data, lines = yaml_lines.load(text)
    except yaml_lines.YamlError as error:
        # The path means nothing in text that is not YAML: the line itself is shown.
        shown = text.splitlines()[error.line - 1 : error.line] if error.line else []
        raise ConfigError([
            ConfigProblem(filename, error.line, "", error.message, error.kind, error.values,
                          excerpt=_excerpt(shown[0]) if shown else None)
        ]) from None  # fmt: skip
    if not isinstance(data, dict):
        raise ConfigError([ConfigProblem.said(filename, 1, "", "not_a_mapping")])
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        details = error.errors(include_url=False)
        paths = [_data_path(data, detail) for detail in details]
        told = [
            _problem(filename, data, lines, path, detail)
            for path, detail in zip(paths, details, strict=True)
            # A list "too short" only because its items failed is noise next to those items.
            if not any(other[: len(path)] == path and len(other) > len(path) for other in paths)
        ]
        told.sort(key=lambda p: (p.line or 0, p.path))
        raise ConfigError(told) from None
    cross = _cross_check(config)
    if cross:
        raise ConfigError([
            ConfigProblem.said(filename, yaml_lines.line_of(lines, path), _dotted(path), kind,
                               **values)
            for path, kind, values in cross
        ])  # fmt: skip
    return config


def _problem(
    filename: str, data: Any, lines: dict[yaml_lines.Path, int], path: yaml_lines.Path, detail: Any
) -> ConfigProblem:
    """One pydantic error as a problem of the phrasebook (pydantic's wording where it has
    no sentence)."""
    line, where = yaml_lines.line_of(lines, path), _dotted(path)
    kind = detail["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(data, path[:-1])
        hint = difflib.get_close_matches(str(path[-1]), allowed, n=1)
        if hint:
            return ConfigProblem.said(filename, line, where, "unknown_key", key=str(path[-1]),
                                      hint=hint[0])  # fmt: skip
        return ConfigProblem.said(filename, line, where, "unknown_key_allowed",
                                  key=str(path[-1]), allowed=", ".join(allowed))  # fmt: skip
    if kind == "missing":
        return ConfigProblem.said(filename, line, where, "missing_key", key=str(detail["loc"][-1]))
    choices = ", ".join(sorted(source_types.ADAPTERS))
    if kind == "union_tag_invalid":
        given = str(detail["input"].get("type"))
        return ConfigProblem.said(
            filename, line, where, "unknown_source_type", type=given, choices=choices
        )
    if kind == "union_tag_not_found":
        return ConfigProblem.said(filename, line, where, "source_needs_type", choices=choices)
    message = str(detail["msg"]).removeprefix("Value error, ")
    return ConfigProblem(filename, line, where, message, kind, problems.detail_values(detail))


def _excerpt(line: str, width: int = 100) -> str:
    """A line of the file as a terminal may show it: what cannot be printed (a tab, NUL,
    an escape sequence) written as its escape, and cut to `width` characters."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in line.rstrip())
    return shown if len(shown) <= width else shown[: width - 1] + "…"


def _data_path(data: Any, detail: Any) -> yaml_lines.Path:
    """Pydantic's location with the union-tag steps dropped, so it follows the YAML."""
    loc: tuple[str | int, ...] = detail["loc"]
    if detail["type"] == "union_tag_invalid":
        loc = (*loc, "type")
    path: list[str | int] = []
    node: Any = data
    for step in loc:
        if isinstance(node, dict) and step != "type" and step == node.get("type"):
            continue  # the discriminated union's tag, not a key in the file
        if isinstance(node, dict) and step in node:  # noqa: SIM114 - typed apart for mypy
            node = node[step]
        elif isinstance(node, list) and isinstance(step, int) and step < len(node):
            node = node[step]
        elif isinstance(node, dict) and isinstance(step, str) and step == loc[-1]:
            pass  # the key that is missing or unknown: still part of the path
        else:
            continue
        path.append(step)
    return tuple(path)


def _allowed_keys(data: Any, parent: yaml_lines.Path) -> list[str]:
    """The keys the model at `parent` accepts, following the annotations down the path."""
    annotation: Any = Config
    node: Any = data
    for step in parent:
        annotation = _child(_concrete(annotation, node), step)
        node = node[step]
        if annotation is None:
            return []
    model = _concrete(annotation, node)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _concrete(annotation: Any, node: Any) -> Any:
    """`annotation` without Annotated and unions; of a union of models tagged by `type`,
    the one `node` names."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _concrete(typing.get_args(annotation)[0], node)
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(annotation):
            if option is type(None):
                continue
            concrete = _concrete(option, node)
            tag = getattr(concrete, "model_fields", {}).get("type")
            named = isinstance(node, dict) and node.get("type")
            if tag is None or named in typing.get_args(tag.annotation):
                return concrete
        return None
    return annotation


def _child(annotation: Any, step: str | int) -> Any:
    """The annotation of `step` inside a model, a sequence or a mapping."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(step))
        return field.annotation if field is not None else None
    origin = typing.get_origin(annotation)
    if origin in (tuple, list):
        return typing.get_args(annotation)[0]
    if origin is dict:
        return typing.get_args(annotation)[1]
    return None


def _dotted(path: yaml_lines.Path) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text
