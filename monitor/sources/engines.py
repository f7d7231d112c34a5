"""Which board engine wrote a page, from what the page says about itself.

`preset: auto` (the default of a forum source that gives no selectors of its own) reads
each page with the preset of the engine `detect` recognises. Engines say who they are in
three ways, tried in this order: the generator meta tag (with the version: "vBulletin
4.2.5", "WordPress 6.3.2", "Discourse 2.5.0"), ids and classes the engine's templates put
on <html> and <body> ("body#phpbb", "html#XF", "body.ipsApp"), and names in its scripts
and footer ("smf_scripturl", "Powered by Phorum"). Each rule is one line of data below;
adding an engine is adding a rule (and, once real pages of it have been checked, a preset).

An engine recognised without a preset is still named (`preset` None, with `advice`), so
`monitor try` can say what the board is and what to do; one that another source type
reads better has both a preset and that advice. A page of no known engine that
carries schema.org forum markup (DiscussionForumPosting, Comment, Answer microdata) is
read with the `schema_org_forum` preset. Pure: a parsed page and its bytes in, a verdict out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

from monitor.phrasebook.said import Said

# What to do with an engine that has no preset yet: the words every such verdict ends with.
_GIVE_SELECTORS = Said("advice_give_selectors")


@dataclass(frozen=True, slots=True)
class Engine:
    """An engine recognised on a page: its name (with the version when the page says it),
    the preset that reads it (None: none does yet), and what on the page said so."""

    name: str
    preset: str | None
    evidence: str
    advice: str = ""

    def describe(self, *, auto: bool = False) -> Said:
        """What the board is, what showed it, and how it is read (`auto`: by preset: auto)."""
        read: str
        if self.preset and self.advice:
            read = Said("read_with_preset_and", preset=self.preset, advice=self.advice)
        elif self.preset:
            read = Said("read_with_preset", preset=self.preset)
        else:
            read = self.advice
        return Said("engine_read_auto" if auto else "engine_read", engine=self.name,
                    evidence=self.evidence, read=read)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Rule:
    name: str
    preset: str | None
    generator: str | None = None  # a regex on the generator meta; group 1 is the version
    css: str | None = None  # an element only this engine's templates write
    marker: bytes | None = None  # a regex on the page's bytes (scripts, footer)
    advice: str = ""  # what to do instead; without a preset, by default: give selectors

    @property
    def said(self) -> str:
        return self.advice or ("" if self.preset else _GIVE_SELECTORS)


# Most specific first: a WordPress site may embed a forum plugin (bbPress), and a board
# may run on a host whose pages name another product in passing.
# fmt: off
_RULES = (
    # Its no-JS view carries schema.org markup, which reads the posts; its JSON reads more.
    _Rule("Discourse", "schema_org_forum", generator=r"^Discourse\s*([\w.]*)",
          advice=Said("advice_discourse")),
    _Rule("vBulletin", "vbulletin5", generator=r"^vBulletin\s*(5[\d.]*)"),
    _Rule("vBulletin", "vbulletin", generator=r"^vBulletin\s*([34][\d.]*)"),
    _Rule("vBulletin 4", "vbulletin", css="html#vbulletin_html"),
    _Rule("vBulletin 3", "vbulletin", marker=rb"vBulletin_init\(|var SESSIONURL"),
    _Rule("XenForo 2", "xenforo", css="html#XF"),
    _Rule("XenForo 1", "xenforo", css="html#XenForo"),
    _Rule("phpBB 3 (prosilver)", "phpbb", css="body#phpbb"),
    _Rule("phpBB 3.0 (subsilver2)", None, css="div#wrapheader", marker=rb"(?i)phpbb"),
    _Rule("SMF", "smf", marker=rb"smf_scripturl|smf_theme_url"),
    _Rule("Invision Community 4", "invision", css="body.ipsApp"),
    _Rule("Vanilla", "vanilla", css="body.Vanilla, body[id^=vanilla_]"),
    _Rule("FluxBB", "fluxbb", css="div#punwrap, div#punviewtopic, div#punviewforum"),
    _Rule("Phorum", "phorum", css="a[href*='phorum.org']"),
    _Rule("MyBB", "mybb", marker=rb"(?i)powered by\s*(?:<a[^>]*>)?\s*mybb"),
    _Rule("WoltLab Burning Board", None, css="body[id^=tpl_wbb]", marker=rb"(?i)woltlab"),
    _Rule("Flarum", None, css="#flarum-loading",
          advice=Said("advice_flarum",
                      url="<forum>/api/posts?filter[type]=comment&sort=-createdAt")),
    _Rule("NodeBB", None, marker=rb"(?i)powered by\s*(?:<a[^>]*>)?\s*nodebb",
          advice=Said("advice_nodebb", url="<forum>/api/recent/posts/day")),
    _Rule("bbPress", "bbpress", css="body.bbpress"),
    _Rule("Inyoka", "inyoka", marker=rb"Inyoka v\d"),
    _Rule("Forumotion", "forumotion", marker=rb"(?i)forumotion\.|forumactif\.|forumieren\."),
    _Rule("inSided", "insided", marker=rb"insided\.(?:com|net)"),
    _Rule("WordPress", "wordpress", generator=r"^WordPress(?:\.com)?\s*([\d.]*)"),
    _Rule("WordPress", "wordpress", css="link[rel='https://api.w.org/'], body.single-post"),
)
# fmt: on
_SCHEMA_ORG = (
    "[itemtype$='schema.org/DiscussionForumPosting'], [itemtype$='schema.org/Comment'],"
    " [itemtype$='schema.org/Answer']"
)
_COMPILED = {rule: re.compile(rule.marker) for rule in _RULES if rule.marker}


def detect(tree: LexborHTMLParser, content: bytes) -> Engine | None:
    """The engine that wrote this page, or None when nothing on it says."""
    generators = [
        value.strip()
        for node in tree.css("meta[name=generator]")
        if (value := node.attributes.get("content"))
    ]
    for rule in _RULES:
        if (found := _matches(rule, tree, content, generators)) is not None:
            return found
    if tree.css_first(_SCHEMA_ORG) is not None:
        return Engine("schema.org forum markup", "schema_org_forum",
                      Said("schema_org_evidence"))  # fmt: skip
    return None


def _matches(
    rule: _Rule, tree: LexborHTMLParser, content: bytes, generators: list[str]
) -> Engine | None:
    if rule.generator is not None:
        for generator in generators:
            if named := re.match(rule.generator, generator):
                version = named.group(1) if named.groups() else ""
                name = f"{rule.name} {version}".strip()
                return Engine(name, rule.preset, f"generator {generator[:40]!r}", rule.said)
        return None
    said = []
    if rule.css is not None:
        if tree.css_first(rule.css) is None:
            return None
        said.append(rule.css)
    if rule.marker is not None:
        match = _COMPILED[rule].search(content)
        if match is None:
            return None
        written = re.sub(r"<[^>]*>", "", match.group(0).decode("utf-8", "replace"))
        said.append(repr(" ".join(written.split())[:40]))
    return Engine(rule.name, rule.preset, " + ".join(said), rule.said)
