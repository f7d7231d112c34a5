"""A small phpBB 3.3 board (prosilver markup, as in tests/golden/phpbb): the demo's forum,
and the board the crawl tests run against.

    board = Board()
    thread = board.add_thread("Erfahrungen mit Müller Medical?", [post, post, …])
    board.pages()                # path -> HTML, every page of the board
    board.reply(thread, "Kaffeetante", at, "Müller Medical hat angerufen.")

Pages are rendered as phpBB writes them: list pages (`viewforum.php?f=4&start=N`) listing
threads by last activity, each row with the thread's page links, reply count and a link to
its last post; thread pages (`viewtopic.php?t=T&start=N`) with `div.post` items whose
permalink is `viewtopic.php?p=P#pP`. Links are relative ("./viewtopic.php?…"), so the board
can be served under any folder. Dates are German ("Mo 20. Aug 2009, 14:30") in the board's
time zone unless a post says how it is written ("Heute, 10:15"). The bytes (`encode`) are
in `charset` (ISO-8859-1 by default), with characters it lacks written as character
references, as a Latin-1 board would store them. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Protocol
from zoneinfo import ZoneInfo

WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
MONTHS = ("Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez")


def german_date(moment: datetime, timezone: str = "Europe/Berlin") -> str:
    """`moment` as phpBB's German language pack writes it: "Mo 20. Aug 2009, 14:30"."""
    local = moment.astimezone(ZoneInfo(timezone))
    return (
        f"{WEEKDAYS[local.weekday()]} {local.day}. {MONTHS[local.month - 1]} {local.year}, "
        f"{local:%H:%M}"
    )


@dataclass
class Post:
    id: int
    author: str
    at: datetime  # the instant the post was written (aware)
    body: str  # HTML, as the post's div.content holds it
    written: str | None = None  # how the board writes the date; German absolute if None


@dataclass
class Thread:
    id: int
    title: str
    posts: list[Post] = field(default_factory=list)
    views: int = 100

    @property
    def last(self) -> Post:
        return self.posts[-1]


class Server(Protocol):
    def serve(
        self, path: str, body: bytes | str, *, content_type: str = ..., status: int = ...
    ) -> str: ...


@dataclass
class Board:
    """A phpBB board with one forum. See the module docstring."""

    forum_id: int = 4
    forum: str = "Medizintechnik"
    site: str = "Praxis-Forum"
    topics_per_page: int = 2
    posts_per_page: int = 3
    charset: str = "iso-8859-1"  # the bytes
    meta_charset: str | None = "ISO-8859-1"  # what <meta charset> says; None: no meta
    timezone: str = "Europe/Berlin"
    datetime_attribute: bool = True  # <time datetime="…"> as phpBB 3.2+ writes it
    sid: str | None = None  # a guest session id phpBB appends to every link
    overlap: int = 0  # posts of the previous page repeated at the top of the next
    threads: list[Thread] = field(default_factory=list)
    next_thread_id: int = 100
    next_post_id: int = 1000

    # --- content -----------------------------------------------------------------------

    def add_thread(self, title: str, posts: Sequence[tuple[str, datetime, str] | Post]) -> Thread:
        """A new thread; `posts` as (author, at, body) or Post (their ids are kept)."""
        thread = Thread(self.next_thread_id, title)
        self.next_thread_id += 1
        self.threads.append(thread)
        for entry in posts:
            if isinstance(entry, Post):
                thread.posts.append(entry)
            else:
                self.reply(thread, *entry)
        return thread

    def reply(
        self, thread: Thread, author: str, at: datetime, body: str, *, written: str | None = None
    ) -> Post:
        post = Post(self.next_post_id, author, at, body, written)
        self.next_post_id += 1
        thread.posts.append(post)
        return post

    def post(self, author: str, at: datetime, body: str, *, written: str | None = None) -> Post:
        """A post with the next id, for `add_thread` (to give it a written date)."""
        post = Post(self.next_post_id, author, at, body, written)
        self.next_post_id += 1
        return post

    def ordered(self) -> list[Thread]:
        """Threads as the list shows them: the latest activity first."""
        return sorted(self.threads, key=lambda t: (t.last.at, t.last.id), reverse=True)

    # --- addresses ---------------------------------------------------------------------

    def list_path(self, index: int = 0) -> str:
        """The path of list page `index` (0 is the first), as the server sees it."""
        start = f"&start={index * self.topics_per_page}" if index else ""
        return f"/viewforum.php?f={self.forum_id}{start}"

    def thread_path(self, thread: Thread, index: int = 0) -> str:
        start = f"&start={index * self.posts_per_page}" if index else ""
        return f"/viewtopic.php?t={thread.id}{start}"

    def list_pages(self) -> int:
        return max(1, -(-len(self.threads) // self.topics_per_page))

    def thread_pages(self, thread: Thread) -> int:
        return max(1, -(-len(thread.posts) // self.posts_per_page))

    def thread_paths(self, thread: Thread) -> list[str]:
        return [self.thread_path(thread, i) for i in range(self.thread_pages(thread))]

    def permalink(self, post: Post) -> str:
        """The post's link as a path with its fragment (phpBB: viewtopic.php?p=P#pP)."""
        return f"/viewtopic.php?p={post.id}#p{post.id}"

    def pages(self) -> dict[str, str]:
        """Every page of the board: path -> HTML."""
        found = {self.list_path(i): self.list_page(i) for i in range(self.list_pages())}
        for thread in self.threads:
            for index in range(self.thread_pages(thread)):
                found[self.thread_path(thread, index)] = self.thread_page(thread, index)
        return found

    def encode(self, markup: str) -> bytes:
        return markup.encode(self.charset, errors="xmlcharrefreplace")

    def serve(self, server: Server, *, content_type: str | None = None) -> None:
        """Put every page on `server` (replacing what it served for the same paths)."""
        header = content_type or f"text/html; charset={self.charset.upper()}"
        for path, markup in self.pages().items():
            server.serve(path, self.encode(markup), content_type=header)

    # --- markup ------------------------------------------------------------------------

    def _href(self, path: str, fragment: str = "") -> str:
        """A relative link as phpBB writes it: ./path, &amp; escaped, sid before the #."""
        link = "." + path + (f"&sid={self.sid}" if self.sid else "") + fragment
        return escape(link, quote=True)

    def _time(self, post: Post) -> str:
        written = escape(post.written or german_date(post.at, self.timezone))
        if not self.datetime_attribute:
            return f"<time>{written}</time>"
        stamp = post.at.astimezone(ZoneInfo("UTC")).isoformat()
        return f'<time datetime="{stamp}">{written}</time>'

    def _user(self, name: str, extra: str = "") -> str:
        number = sum(name.encode()) % 900 + 2
        path = f"/memberlist.php?mode=viewprofile&u={number}"
        return f'<a href="{self._href(path)}" class="username"{extra}>{escape(name)}</a>'

    def _head(self, title: str, section: str) -> str:
        meta = f'<meta charset="{self.meta_charset}" />\n' if self.meta_charset else ""
        return (
            "<!DOCTYPE html>\n"
            '<html dir="ltr" lang="de">\n<head>\n' + meta
            + '<meta name="viewport" content="width=device-width, initial-scale=1" />\n'
            f"<title>{escape(title)} - {escape(self.site)}</title>\n"
            '<link href="./styles/prosilver/theme/stylesheet.css?assets_version=12" '
            'rel="stylesheet">\n</head>\n'
            f'<body id="phpbb" class="nojs notouch section-{section} ltr ">\n'
            '<div id="wrap" class="wrap">\n\t<a id="top" class="top-anchor" accesskey="t"></a>\n'
            '\t<div id="page-header">\n\t\t<div class="headerbar" role="banner"><div class="inner">'
            f'<div id="site-description" class="site-description"><h1>{escape(self.site)}</h1>'
            "</div>\n"
            '\t\t<div id="search-box" class="search-box search-header" role="search">'
            '<form action="./search.php" method="get" id="search"><fieldset>'
            '<input name="keywords" id="keywords" type="search" maxlength="128" '
            'class="inputbox search tiny" size="20" value="" placeholder="Suche…" />'
            "</fieldset></form></div>\n\t\t</div></div>\n\t</div>\n"
            '\t<div id="page-body" class="page-body" role="main">\n'
        )  # fmt: skip

    def _foot(self) -> str:
        return (
            "\t</div>\n"
            '\t<div id="page-footer" class="page-footer" role="contentinfo">'
            '<div class="copyright">Powered by <a href="https://www.phpbb.com/">phpBB</a>&reg; '
            "Forum Software &copy; phpBB Limited</div></div>\n</div>\n</body>\n</html>\n"
        )

    def _pagination(self, count: str, index: int, paths: list[str]) -> str:
        """phpBB's pagination block: arrows and page links, or "Seite 1 von 1"."""
        if len(paths) == 1:
            return (
                f'<div class="pagination">\n\t\t{count} &bull; Seite <strong>1</strong> von '
                "<strong>1</strong>\n\t</div>"
            )
        items = []
        if index > 0:
            items.append(
                f'<li class="arrow previous"><a class="button button-icon-only" '
                f'href="{self._href(paths[index - 1])}" rel="prev" role="button">'
                '<i class="icon fa-chevron-left fa-fw" aria-hidden="true"></i>'
                '<span class="sr-only">Vorherige</span></a></li>'
            )
        for number, path in enumerate(paths):
            if number == index:
                items.append(f'<li class="active"><span>{number + 1}</span></li>')
            else:
                items.append(
                    f'<li><a class="button" href="{self._href(path)}" role="button">'
                    f"{number + 1}</a></li>"
                )
        if index < len(paths) - 1:
            items.append(
                f'<li class="arrow next"><a class="button button-icon-only" '
                f'href="{self._href(paths[index + 1])}" rel="next" role="button">'
                '<i class="icon fa-chevron-right fa-fw" aria-hidden="true"></i>'
                '<span class="sr-only">Nächste</span></a></li>'
            )
        listed = "\n\t\t\t".join(items)
        return (
            f'<div class="pagination">\n\t\t{count}\n\t\t<ul>\n\t\t\t{listed}\n\t\t</ul>\n\t</div>'
        )

    def list_page(self, index: int = 0) -> str:
        """List page `index`: its threads' rows, newest activity first."""
        ordered = self.ordered()
        shown = ordered[index * self.topics_per_page : (index + 1) * self.topics_per_page]
        paths = [self.list_path(i) for i in range(self.list_pages())]
        pagination = self._pagination(f"{len(self.threads)} Themen", index, paths)
        rows = "\n".join(self._row(thread, n) for n, thread in enumerate(shown))
        return (
            self._head(self.forum, "viewforum")
            + f'<h2 class="forum-title"><a href="{self._href(self.list_path())}">'
            f"{escape(self.forum)}</a></h2>\n"
            '\t<div class="action-bar bar-top">\n'
            f'\t\t<a href="{self._href(f"/posting.php?mode=post&f={self.forum_id}")}" '
            'class="button" title="Neues Thema erstellen"><span>Neues Thema</span></a>\n'
            f"\t{pagination}\n\t</div>\n"
            '\t<div class="forumbg">\n\t\t<div class="inner">\n'
            '\t\t<ul class="topiclist">\n\t\t\t<li class="header"><dl class="row-item">'
            '<dt><div class="list-inner">Themen</div></dt><dd class="posts">Antworten</dd>'
            '<dd class="views">Zugriffe</dd><dd class="lastpost"><span>Letzter Beitrag</span>'
            "</dd></dl></li>\n\t\t</ul>\n"
            f'\t\t<ul class="topiclist topics">\n{rows}\n\t\t</ul>\n\t\t</div>\n\t</div>\n'
            f'\t<div class="action-bar bar-bottom">\n\t{pagination}\n\t</div>\n'
            + self._foot()
        )  # fmt: skip

    def _row(self, thread: Thread, position: int) -> str:
        first, last = thread.posts[0], thread.last
        paths = self.thread_paths(thread)
        pages = ""
        if len(paths) > 1:
            links = "".join(
                f'\n\t\t\t\t\t\t\t<li><a class="button" href="{self._href(path)}">{n + 1}</a></li>'
                for n, path in enumerate(paths)
            )
            pages = (
                '\n\t\t\t\t\t\t<div class="pagination">\n\t\t\t\t\t\t\t<span><i class="icon '
                'fa-clone fa-fw" aria-hidden="true"></i></span>\n\t\t\t\t\t\t\t<ul>'
                f"{links}\n\t\t\t\t\t\t\t</ul>\n\t\t\t\t\t\t</div>"
            )
        last_link = self._href(f"/viewtopic.php?p={last.id}", f"#p{last.id}")
        return (
            f'\t\t<li class="row bg{2 - position % 2}">\n'
            '\t\t\t<dl class="row-item topic_read">\n'
            '\t\t\t\t<dt title="Keine ungelesenen Beiträge">\n'
            '\t\t\t\t\t<div class="list-inner">\n'
            f'\t\t\t\t\t\t<a href="{self._href(self.thread_path(thread))}" class="topictitle">'
            f"{escape(thread.title)}</a>\n\t\t\t\t\t\t<br />\n"
            '\t\t\t\t\t\t<div class="topic-poster responsive-hide left-box">\n'
            f"\t\t\t\t\t\t\tvon {self._user(first.author)} &raquo; {self._time(first)}\n"
            f"\t\t\t\t\t\t</div>{pages}\n"
            "\t\t\t\t\t</div>\n\t\t\t\t</dt>\n"
            f'\t\t\t\t<dd class="posts">{len(thread.posts) - 1} <dfn>Antworten</dfn></dd>\n'
            f'\t\t\t\t<dd class="views">{thread.views} <dfn>Zugriffe</dfn></dd>\n'
            '\t\t\t\t<dd class="lastpost">\n'
            f"\t\t\t\t\t<span><dfn>Letzter Beitrag </dfn>von {self._user(last.author)}\n"
            f'\t\t\t\t\t\t<a href="{last_link}" title="Gehe zum letzten Beitrag">'
            '<i class="icon fa-external-link-square fa-fw icon-lightgray icon-md" '
            'aria-hidden="true"></i><span class="sr-only"></span></a>\n'
            f"\t\t\t\t\t\t<br />{self._time(last)}\n\t\t\t\t\t</span>\n\t\t\t\t</dd>\n"
            "\t\t\t</dl>\n\t\t</li>"
        )  # fmt: skip

    def thread_page(self, thread: Thread, index: int = 0) -> str:
        """Page `index` of `thread` (with `overlap` posts of the page before on top)."""
        start = index * self.posts_per_page
        shown = thread.posts[max(0, start - self.overlap) : start + self.posts_per_page]
        paths = self.thread_paths(thread)
        pagination = self._pagination(f"{len(thread.posts)} Beiträge", index, paths)
        page_title = thread.title + (f" - Seite {index + 1}" if index else "")
        posts = "\n".join(self._post(thread, post, first=post is thread.posts[0]) for post in shown)
        reply = self._href(f"/posting.php?mode=reply&t={thread.id}")
        return (
            self._head(page_title, "viewtopic")
            + f'<h2 class="topic-title"><a href="{self._href(paths[index])}">'
            f"{escape(thread.title)}</a></h2>\n"
            '<div class="action-bar bar-top">\n'
            f'\t<a href="{reply}" class="button" title="Antwort erstellen"><span>Antworten</span> '
            '<i class="icon fa-reply fa-fw" aria-hidden="true"></i></a>\n'
            f"\t{pagination}\n</div>\n{posts}\n"
            f'<div class="action-bar bar-bottom">\n\t{pagination}\n</div>\n'
            + self._foot()
        )  # fmt: skip

    def _post(self, thread: Thread, post: Post, *, first: bool) -> str:
        link = self._href(f"/viewtopic.php?p={post.id}", f"#p{post.id}")
        heading = escape(thread.title if first else f"Re: {thread.title}")
        h3 = '<h3 class="first">' if first else "<h3 >"
        return (
            f'\t\t<div id="p{post.id}" class="post has-profile bg{2 - post.id % 2}">\n'
            '\t\t<div class="inner">\n'
            f'\t\t<dl class="postprofile" id="profile{post.id}">\n'
            '\t\t\t<dt class="has-profile-rank no-avatar">\n'
            '\t\t\t\t<div class="avatar-container"></div>\n'
            f"\t\t\t\t{self._user(post.author)}\n\t\t\t</dt>\n"
            '\t\t\t<dd class="profile-rank">Mitglied</dd>\n'
            "\t\t</dl>\n"
            '\t\t<div class="postbody">\n'
            f'\t\t\t<div id="post_content{post.id}">\n'
            f'\t\t\t{h3}<a href="{link}">{heading}</a></h3>\n'
            '\t\t\t<ul class="post-buttons"><li><a href="'
            f'{self._href(f"/posting.php?mode=quote&p={post.id}")}" title="Mit Zitat antworten" '
            'class="button button-icon-only"><i class="icon fa-quote-left fa-fw" '
            'aria-hidden="true"></i><span class="sr-only">Zitieren</span></a></li></ul>\n'
            '\t\t\t<p class="author">\n'
            f'\t\t\t\t<a class="unread" href="{link}" title="Beitrag"><i class="icon fa-file '
            'fa-fw icon-lightgray icon-md" aria-hidden="true"></i><span class="sr-only">Beitrag'
            "</span></a>\n"
            '\t\t\t\t<span class="responsive-hide">von <strong>'
            f"{self._user(post.author)}</strong> &raquo; </span>{self._time(post)}\n"
            "\t\t\t</p>\n"
            f'\t\t\t<div class="content">{post.body}</div>\n'
            "\t\t\t</div>\n\t\t</div>\n"
            '\t\t<div class="back2top"><a href="#top" class="top" title="Nach oben">'
            '<i class="icon fa-chevron-circle-up fa-fw icon-gray" aria-hidden="true"></i>'
            '<span class="sr-only">Nach oben</span></a></div>\n'
            "\t\t</div>\n\t\t</div>\n"
            '\t\t<hr class="divider" />'
        )  # fmt: skip


def quote(author: str, text: str) -> str:
    """A quoted reply as phpBB 3.3 renders it inside a post's div.content."""
    return (
        f"<blockquote><div><cite>{escape(author)} hat geschrieben:</cite>"
        f"{escape(text)}</div></blockquote>"
    )
