"""`monitor try` and `monitor query`: a source or a query tried before it goes into
sources.yaml. Nothing is stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
import pydantic

from monitor import domain, fetch, query, sources, text
from monitor.cli import common
from monitor.config import sources_yaml
from monitor.config.environment import Settings
from monitor.crawl import dry_run, health
from monitor.errors import FetchError, QuerySyntaxError
from monitor.phrasebook import problems, said
from monitor.service.parts import open_fetcher
from monitor.sources import presets
from monitor.sources.reading import encoding


@click.command(name="query")
@click.argument("query_text", metavar="QUERY")
@click.option("--text", "given_text", help="The text to test (HTML is stripped).")
@click.option("--file", "file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the text from a file (HTML or plain).")  # fmt: skip
@click.option("--url", help="Fetch this page and test its visible text.")
@click.option("--title", default="", help="A title to test title: against.")
@click.option("--author", default=None, help="An author to test author: against.")
@click.option("--lang", default=None, help="The text's language, for lang:.")
def query_command(
    query_text: str,
    given_text: str | None,
    file: Path | None,
    url: str | None,
    title: str,
    author: str | None,
    lang: str | None,
) -> None:
    """Test QUERY on a text and show why it matches or not (like grep: exit 0 when it
    matches, 1 when it does not, 2 when the query is invalid, 3 when --url could not be
    fetched)."""
    try:
        query.check(query_text)
    except QuerySyntaxError as error:
        reason = error.told(common.language())
        common.complain(common.say("invalid_query", reason=reason, column=error.column))
        caret = " " * (error.column - 1) + "^"
        common.complain(f"  {query_text}\n  {caret}")
        raise SystemExit(2) from None
    if sum(x is not None for x in (given_text, file, url)) != 1:
        common.complain(common.say("query_one_text"))
        raise SystemExit(2)
    if url is not None:
        settings = common.settings()
        config = common.optional_config(settings)
        fetched = common.run(_fetch_text(settings, config, url))
        if isinstance(fetched, FetchError):
            # Not "no match" (exit 1): the text was never seen.
            told = health.failed(fetched).told
            reason = common.trouble((told[0], told[1], None), fetched.reason)
            common.complain(common.say("could_not_fetch", url=fetched.url, reason=reason))
            raise SystemExit(3)
        markup = fetched
    elif file is not None:
        markup = file.read_text(encoding="utf-8")
    else:
        markup = given_text or ""
    document = domain.Document(
        key="query", url=url or "", title=title, text=text.visible_text(markup),
        author=author, language=lang,
    )  # fmt: skip
    explanation = query.explain(query_text, document)
    common.tell("\n".join(explanation.lines(common.language())))
    raise SystemExit(0 if explanation.matched else 1)


async def _fetch_text(
    settings: Settings, config: sources_yaml.Config | None, url: str
) -> str | FetchError:
    """The page's markup, or why it could not be fetched."""
    async with open_fetcher(settings, config) as fetcher:
        try:
            response = await fetch.fetch(fetcher, domain.Request(url))
        except FetchError as error:
            return error
    return encoding.decode(response.content, response.charset, url=response.url)


@click.command(name="try")
@click.argument("target")
@click.option("--preset", help="With a URL: read it with this preset (phpbb, xenforo, …).")
@click.option("--type", "source_type", help="With a URL: the source type (feed, forum, …).")
@click.option("--pages", default=10, show_default=True, help="Fetch at most this many pages.")
@click.option(
    "--selector", "overrides", multiple=True, metavar="NAME=SPEC",
    help="Try another selector, e.g. --selector date='p.author time' (repeatable).",
)  # fmt: skip
def try_command(
    target: str, preset: str | None, source_type: str | None, pages: int, overrides: tuple[str]
) -> None:
    """Fetch a source now and show what it yields and which brands match; store nothing.

    TARGET is a source's name in sources.yaml, or a URL with --preset or --type. With
    --selector, the source's (or preset's) selectors are tried with those changed, to
    find the right ones before writing them into sources.yaml.
    """
    settings = common.settings()
    config = (
        common.config(settings) if settings.config.exists() or not (preset or source_type) else None
    )
    source = _with_selectors(_source_to_try(config, target, preset, source_type), overrides)
    derived = (
        config.derived(source) if config is not None
        else sources.Derived(sources_yaml.Settings().timezone)
    )  # fmt: skip
    tried = common.run(_try(settings, config, source, derived, pages))
    _print_tried(tried, has_brands=config is not None, timezone=derived.timezone)
    if tried.error:
        raise SystemExit(1)


def _source_to_try(
    config: sources_yaml.Config | None, target: str, preset: str | None, kind: str | None
) -> sources.SourceBase:
    if not (preset or kind):
        assert config is not None
        names = [source.name for source in config.sources]
        otherwise = common.say("try_a_url")
        return config.source(common.chosen_name("source", target, names, otherwise))
    if preset and not kind:
        try:
            kind = presets.load(preset).kind
        except ValueError as error:
            problem = problems.told_error(error, common.language())
            common.complain(common.say("option_problem", option="--preset", problem=problem))
            raise SystemExit(2) from None
    fields: dict[str, Any] = {"name": "try", "type": kind, "url": target}
    if preset:
        fields["preset"] = preset
    return _validated_source(fields)


def _with_selectors(source: sources.SourceBase, overrides: tuple[str, ...]) -> sources.SourceBase:
    """`source` with the `--selector NAME=SPEC` changes, validated as sources.yaml is."""
    if not overrides:
        return source
    changed = dict(source.model_dump(exclude_unset=True).get("selectors") or {})
    for override in overrides:
        name, equals, spec = override.partition("=")
        if not equals or not name.strip():
            common.complain(common.say("selector_spec", override=repr(override)))
            raise SystemExit(2)
        changed[name.strip()] = spec.strip()
    fields = {**source.model_dump(exclude_unset=True), "selectors": changed}
    return _validated_source(fields)


def _validated_source(fields: dict[str, Any]) -> sources.SourceBase:
    try:
        return pydantic.TypeAdapter(sources.SourceConfig).validate_python(fields)
    except pydantic.ValidationError as error:
        for detail in error.errors(include_url=False):
            where = ".".join(str(step) for step in detail["loc"][1:]) or "source"
            common.complain(f"{where}: {problems.told_detail(detail, common.language())}")
        raise SystemExit(2) from None


async def _try(
    settings: Settings,
    config: sources_yaml.Config | None,
    source: sources.SourceBase,
    derived: sources.Derived,
    pages: int,
) -> dry_run.Tried:
    brands = config.brands if config is not None else ()
    matcher = query.compile([b.to_query() for b in brands]) if brands else None
    async with open_fetcher(settings, config) as fetcher:
        return await dry_run.try_source(
            fetcher, source, matcher, derived=derived, now=common.now(), max_pages=pages
        )


def _print_tried(tried: dry_run.Tried, *, has_brands: bool, timezone: str) -> None:
    """Plain lines, not tables: URLs must stay whole at any terminal width."""
    say, tell = common.say, common.tell
    if tried.walked is None:
        reason = common.trouble(tried.told, tried.error or "")
        common.complain(f"{tried.source}: {reason}")
        if tried.error and reason != tried.error:  # what exactly was seen, for the one who fixes it
            common.complain(f"  {said.told(tried.error, common.language())}")
        return
    walked = tried.walked
    for note in walked.notes:
        tell(said.told(note, common.language()))
    tell(say("pages_fetched", count=len(walked.visits)))
    for visit in walked.visits:
        tell(say("page_visit", kind=visit.kind, status=visit.status, items=visit.items,
                 followed=visit.followed, url=visit.url))  # fmt: skip
    tell(say("items_found", count=len(walked.documents), zone=timezone))
    zone = ZoneInfo(timezone)
    for number, document in enumerate(walked.documents, start=1):
        when = f"{document.published_at.astimezone(zone):%Y-%m-%d %H:%M}" if (
            document.published_at) else say("no_date")  # fmt: skip
        rating = f" · {document.rating:g}★" if document.rating is not None else ""
        author = document.author or say("no_author")
        tell(f"{number:>3}. {author} · {when}{rating} · {document.url}")
        tell(f"     {text.one_line(document.title + ' – ' + document.text, 100)}")
    for warning in dict.fromkeys(walked.warnings):
        tell(say("warning", warning=said.told(warning, common.language())))
    if not walked.documents:
        tell(say("no_items"))
    if not has_brands:
        tell(say("no_brands_here"))
        return
    tell(say("items_with_brand", count=len(tried.matches)))
    numbers = {id(document): n for n, document in enumerate(walked.documents, start=1)}
    for document, matches in tried.matches:
        for match in matches:
            title = text.one_line(document.title, 80)
            tell(say("brand_in_item", brand=match.brand, terms=", ".join(match.terms),
                     number=numbers[id(document)], title=title))  # fmt: skip
