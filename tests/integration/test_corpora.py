"""Other projects' test corpora served on loopback and crawled.

- chardet's (50 encodings, real feeds and pages), served without a charset: nothing
  crashes, nothing is stored as mojibake, a brand planted from each file's own words is
  found in it; recall per encoding is printed.
- feedparser's (2,200 feeds, well-formed, broken, in odd encodings and entities), served
  with the headers each file asks for: no crawl crashes, every failure says why.

The corpora come from the package index (see tests.corpora); without it the tests are
skipped, saying so.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from monitor.config import sources_yaml
from monitor.config.environment import Settings
from monitor.crawl import pipeline
from monitor.service.parts import Service, open_service
from monitor.store.schema import Document, Mention, Sighting, Source
from tests import corpora
from tests.conftest import FeedServer
from tests.integration.conftest import sqlite_url

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
# Files whose bytes do not tell their encoding, decoded as browsers decode them (see the
# README): a Mac Roman text with one curly apostrophe, and a two-line post with "£825",
# which chardetng reads as "Ł825" on a host without a country domain.
UNDECIDABLE = {"MacRoman/ioreg_output.txt", "windows-1252/_mozilla_bug421271_text.html"}

pytestmark = pytest.mark.slow  # each crawl takes a minute


@pytest.fixture(scope="module")
def samples() -> list[corpora.Sample]:
    try:
        return corpora.chardet_samples()
    except corpora.Unavailable as error:
        pytest.skip(str(error))


def _settings(folder: Path, database: str) -> Settings:
    return Settings(data_dir=folder, database_url=sqlite_url(folder / database),
                    allow_hosts=("127.0.0.1",))  # fmt: skip


async def _crawl_all(service: Service) -> list[pipeline.CrawlResult]:
    """Every configured source crawled once, all at once."""
    config = service.config
    return list(await asyncio.gather(
        *(pipeline.poll_source(service.crawler, source, now=NOW) for source in config.sources)
    ))  # fmt: skip


def _name(sample: corpora.Sample) -> str:
    return f"{sample.encoding}/{sample.path.name}"


def _config(server: FeedServer, planted: dict[int, str], samples: list[corpora.Sample]) -> str:
    lines = ["brands:"]
    for index, word in planted.items():
        phrase = json.dumps(word, ensure_ascii=False)  # a quoted phrase, as YAML text
        lines += [f"  - name: b{index}", f"    query: {json.dumps(phrase, ensure_ascii=False)}"]
    lines.append("sources:")
    for index, sample in enumerate(samples):
        url = server.url(f"/{index}{sample.path.suffix}")
        if sample.kind == "feed":
            lines += [f"  - {{type: feed, name: s{index}, url: {json.dumps(url)}}}"]
        else:
            # A page is one item: the whole body.
            lines += [f"  - {{type: reviews, name: s{index}, url: {json.dumps(url)}, preset: null,"
                      " json_ld: false, selectors: {item: body, body: body}}"]  # fmt: skip
    lines += ["hosts:", "  127.0.0.1: {delay: 0}"]
    return "\n".join(lines) + "\n"


async def test_every_file_is_read_in_its_encoding_and_its_planted_brand_found(
    samples: list[corpora.Sample], feed_server: FeedServer, tmp_path: Path
) -> None:
    planted: dict[int, str] = {}
    for index, sample in enumerate(samples):
        feed_server.serve(
            f"/{index}{sample.path.suffix}",
            sample.content,
            content_type="application/xml" if sample.kind == "feed" else "text/html",
        )
        word = corpora.planted_word(sample.visible_words())
        if word is not None and _name(sample) not in UNDECIDABLE:
            planted[index] = word
    config = sources_yaml.parse(_config(feed_server, planted, samples), filename="sources.yaml")
    async with open_service(_settings(tmp_path, "corpus.db"), config) as service:
        results = await _crawl_all(service)
        async with service.sessions() as session:
            # A story two files share (the same feed in two encodings) is stored once and
            # seen at both: judge it by every source that saw it.
            seen = (
                await session.execute(
                    select(Document.id, Source.name)
                    .join(Sighting, Sighting.document_id == Document.id)
                    .join(Source, Source.id == Sighting.source_id)
                )
            ).all()
            mentions = (await session.execute(select(Mention.brand, Mention.document_id))).all()
            stored = (
                await session.execute(select(Document.id, Document.title, Document.text))
            ).all()
    seen_at = defaultdict[int, set[int]](set)
    for document_id, name in seen:
        seen_at[document_id].add(int(name[1:]))
    found = {(brand, index) for brand, document_id in mentions for index in seen_at[document_id]}

    failed = {r.source: r.error for r in results if r.error}
    # Feeds that are not feeds (a few corpus files are plain XML) fail with a message that
    # says so; nothing else may fail.
    assert all("not an RSS or Atom feed" in error for error in failed.values()), failed

    garbled = {}
    for document_id, title, body in stored:
        sources = [samples[index] for index in sorted(seen_at[document_id])]
        truth = "".join(sample.visible_words() + sample.truth() for sample in sources)
        wrong = corpora.mojibake(f"{title} {body}", truth)
        if wrong and not all(_name(sample) in UNDECIDABLE for sample in sources):
            garbled[", ".join(map(_name, sources))] = wrong[:3]
    assert garbled == {}

    missed = Counter[str]()
    for index in planted:
        if (f"b{index}", index) not in found and f"s{index}" not in failed:
            missed[_name(samples[index])] += 1
    _print_recall(samples, planted, missed)
    assert dict(missed) == {}, {_name(samples[i]): planted[i] for i in planted
                                if _name(samples[i]) in missed}  # fmt: skip
    assert len(planted) > 350  # the corpus was there and words were planted


def _print_recall(
    samples: list[corpora.Sample], planted: dict[int, str], missed: Counter[str]
) -> None:
    per_encoding = Counter(samples[index].encoding for index in planted)
    lost = Counter(name.split("/")[0] for name in missed.elements())
    print("\nplanted brands found, per encoding:")
    for name in sorted(per_encoding):
        print(f"  {name:28} {per_encoding[name] - lost[name]:3} of {per_encoding[name]}")


@pytest.fixture(scope="module")
def feedparser_feeds() -> list[Path]:
    try:
        return list(corpora.feedparser_feeds())
    except corpora.Unavailable as error:
        pytest.skip(str(error))


# The headers a feedparser test file asks to be served with, in its leading comment.
_HEADER = re.compile(rb"^Header:\s*(Content-type|Content-Language):\s*(.+?)\s*$", re.I | re.M)


async def test_feedparser_test_feeds_never_crash_a_crawl(
    feedparser_feeds: list[Path], feed_server: FeedServer, tmp_path: Path
) -> None:
    lines = ["brands:", "  - {name: Example, query: example}", "sources:"]
    for index, path in enumerate(feedparser_feeds):
        content = path.read_bytes()
        headers = {name.decode().lower(): value.decode("latin-1")
                   for name, value in _HEADER.findall(content[:2048])}  # fmt: skip
        feed_server.serve(
            f"/{index}.xml",
            content,
            content_type=headers.pop("content-type", "application/xml"),
            headers=headers,
        )
        lines.append(f"  - {{type: feed, name: f{index}, url: {feed_server.url(f'/{index}.xml')}}}")
    lines += ["hosts:", "  127.0.0.1: {delay: 0}"]
    config = sources_yaml.parse("\n".join(lines) + "\n", filename="sources.yaml")
    async with open_service(_settings(tmp_path, "feeds.db"), config) as service:
        results = await _crawl_all(service)
    crashed = {
        str(feedparser_feeds[int(r.source[1:])]): r.error
        for r in results
        if r.error and r.error.startswith("internal error")
    }
    assert crashed == {}
    failed = [r for r in results if r.error]
    # A feed that is not one is refused with a reason, never with an empty message.
    assert all(len(r.error or "") > 20 for r in failed)
    reasons = Counter(re.sub(r"http://\S+", "URL", r.error or "")[:70] for r in failed)
    print(f"\n{len(results)} feeds, {sum(r.items for r in results)} entries, "
          f"{len(failed)} refused: {dict(reasons.most_common())}")  # fmt: skip
    assert len(failed) < 0.05 * len(results)
