"""Three `monitor run` replicas on one PostgreSQL database, as a deployment runs them.

A loopback site serves three feeds (every request recorded with its time, path and the
client's port, which tells the process), an aiosmtpd sink takes the mails. The replicas
crawl every 2 s, mail every mention at once (`immediate: {}`) and send a digest every
10 s (the digest job also drains the outbox). Two start together on an empty database, so
both migrate; the third joins half an interval out of step with them (a try that comes up
in step is stopped and started again). After 3 s the replica fetching feed C is SIGKILLed
while the site holds its request open; the other two get new posts to find; 12 s later
they are sent SIGTERM while one of them is fetching feed A, which is answered 1 s later.

The scenario runs once (about 30 s); each test checks one promise on what the site, the
sink, the logs and the database saw. Promises the code does not keep yet are strict
xfails whose reason starts with BUG. A companion test starts three replicas at the same
instant on another empty database: they must migrate it once, without an error.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy.engine import make_url

from monitor.demo import mailsink
from monitor.store import db
from tests.conftest import Entry, rss_feed
from tests.e2e.conftest import MONITOR, clean_env

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,  # the scenario runs for half a minute
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc for sockets"),
]

EVERY = 2.0  # seconds between crawls of a source, as `every: 2s` says
FEEDS = ("/feed-a.xml", "/feed-b.xml", "/feed-c.xml")
HELD = "/feed-c.xml"  # the feed whose crawler is killed mid-request
BRAND = "Acme"
NOW_TO, DIGEST_TO = "now@example.org", "digest@example.org"
RUN_BEFORE_KILL = 3.0  # seconds all three run together
RUN_AFTER_KILL = 12.0  # a digest tick (every 10 s, which drains the outbox) falls in here
REFERENCE = re.compile(r"\bReference M-(\d+)\b")  # a mention, as mails name it
POST = re.compile(r"\bP-(\d+)\b")  # a post of the site, as the tests name it


# --- the loopback site --------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    at: float  # time.time() when the request arrived
    path: str
    port: int  # the client's port: which connection, so which process


@dataclass
class Hold:
    """The next request for `path` waits until `release()`; `port` is its client's port."""

    path: str
    port: int | None = None
    arrived_at: float | None = None
    arrived: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def wait(self, timeout: float) -> int:
        if not self.arrived.wait(timeout):
            raise AssertionError(f"no request for {self.path} within {timeout} s")
        assert self.port is not None
        return self.port

    def release(self) -> None:
        self.released.set()


@dataclass
class Site:
    """A threaded HTTP server on 127.0.0.1 whose feeds tests change while it runs. It can
    hold the next request for a path open (see `hold_next`)."""

    port: int = 0
    feeds: dict[str, bytes] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    holds: list[Hold] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, body: str) -> None:
        with self.lock:
            self.feeds[path] = body.encode()

    def requests(self, path: str) -> list[Hit]:
        with self.lock:
            return sorted((hit for hit in self.hits if hit.path == path), key=lambda h: h.at)

    def hold_next(self, path: str) -> Hold:
        hold = Hold(path)
        with self.lock:
            self.holds.append(hold)
        return hold

    def release_all(self) -> None:
        with self.lock:
            for hold in self.holds:
                hold.release()

    def answer(self, path: str, port: int) -> bytes | None:
        """The body for `path` (None: 404), once the request is released if it is held."""
        now = time.time()
        with self.lock:
            self.hits.append(Hit(now, path, port))
            hold = next((h for h in self.holds if h.path == path and h.port is None), None)
            if hold is not None:
                hold.port, hold.arrived_at = port, now
        if hold is not None:
            hold.arrived.set()
            hold.released.wait(timeout=30)
        with self.lock:
            return self.feeds.get(path)


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            body = site.answer(self.path, self.client_address[1])
            try:
                if body is None:
                    self.send_response(404)
                    body = b"not found"
                    self.send_header("content-type", "text/plain")
                else:
                    self.send_response(200)
                    self.send_header("content-type", "application/rss+xml; charset=utf-8")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # a killed client

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@dataclass
class _Running:
    site: Site
    server: ThreadingHTTPServer
    thread: threading.Thread


def start_site() -> _Running:
    site = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    return _Running(site, server, thread)


def stop_site(running: _Running) -> None:
    running.site.release_all()
    running.server.shutdown()
    running.server.server_close()
    running.thread.join(timeout=5)


def posts(first: int, last: int, feed: str, published: datetime) -> list[Entry]:
    """Posts P-first … P-last; each text differs, so no two are one story."""
    return [
        Entry(
            f"{BRAND} news P-{n}",
            f"https://news.example/{feed}/{n}",
            f"{BRAND} item P-{n} from {feed}, number {n}.",
            published,
        )
        for n in range(first, last + 1)
    ]


# --- the replicas -------------------------------------------------------------------------


@dataclass
class Replica:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    launched_at: float

    @classmethod
    def start(cls, name: str, folder: Path, env: dict[str, str]) -> Replica:
        log = folder / f"{name}.log"
        data = folder / name
        data.mkdir()
        launched_at = time.time()
        with log.open("wb") as stderr:
            process = subprocess.Popen(
                [str(MONITOR), "run"],
                cwd=folder,
                env=clean_env(
                    **env, MONITOR_DATA_DIR=str(data), MONITOR_HTTP_PORT=str(mailsink.free_port())
                ),
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        return cls(name, process, log, launched_at)

    def lines(self) -> list[dict[str, Any]]:
        """The JSON log lines; anything else (a traceback) as {"level": "raw", …}."""
        parsed = []
        for line in self.log.read_text(errors="replace").splitlines():
            try:
                parsed.append(json.loads(line))
            except ValueError:
                parsed.append({"level": "raw", "message": line})
        return parsed

    def started_at(self) -> float | None:
        for line in self.lines():
            if line.get("event") == "service_started":
                return datetime.fromisoformat(line["at"]).timestamp()
        return None

    def wait_started(self, timeout: float = 30) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            started = self.started_at()
            if started is not None:
                return started
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{self.name} did not start:\n{self.log.read_text()}")

    def wait_for_round(self, sources: set[str], *, since: float, timeout: float = 5) -> None:
        """Wait until this replica logged the end of a crawl (done, skipped or failed) of
        each of `sources` at or after `since`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ended = {
                line.get("source")
                for line in self.lines()
                if line.get("event") in ("crawl_done", "crawl_skipped", "crawl_failed")
                and datetime.fromisoformat(line["at"]).timestamp() >= since
            }
            if sources <= ended:
                return
            time.sleep(0.02)
        raise AssertionError(f"{self.name} did not finish crawling {sources}")

    def problems(self, *, before: float = float("inf")) -> list[dict[str, Any]]:
        """Log lines at warning and above, and anything that is not a log line, logged
        before a time (a line without a time counts as logged at the end)."""
        return [
            line
            for line in self.lines()
            if line.get("level") in ("warning", "error", "critical", "raw")
            and (datetime.fromisoformat(line["at"]).timestamp() if "at" in line else 1e12) < before
        ]

    def events(self, event: str, *, since: float = 0.0) -> list[dict[str, Any]]:
        return [
            line
            for line in self.lines()
            if line.get("event") == event
            and datetime.fromisoformat(line["at"]).timestamp() >= since
        ]

    def owns(self, port: int, server_port: int) -> bool:
        """Whether this process holds the TCP connection from local `port` to the site."""
        inodes = _socket_inodes(port, server_port)
        try:
            links = {os.readlink(fd) for fd in Path(f"/proc/{self.process.pid}/fd").iterdir()}
        except OSError:
            return False
        return any(f"socket:[{inode}]" in links for inode in inodes)


def _socket_inodes(local_port: int, remote_port: int) -> set[str]:
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            local, remote, inode = fields[1], fields[2], fields[9]
            if (
                int(local.rsplit(":", 1)[1], 16) == local_port
                and int(remote.rsplit(":", 1)[1], 16) == remote_port
            ):
                found.add(inode)
    return found


def name(path: str) -> str:
    """The source's name for a feed path: /feed-a.xml → feed-a."""
    return path.strip("/").removesuffix(".xml")


def sources_yaml(site: Site) -> str:
    sources = "".join(
        f"  - {{type: feed, name: {name(path)}, url: '{site.url(path)}', every: 2s}}\n"
        for path in FEEDS
    )
    return (
        "settings:\n  timezone: UTC\n  language: en\n"
        f"brands:\n  - {{name: {BRAND}, query: {BRAND}}}\n"
        "sources:\n" + sources + "alerts:\n"
        f"  - name: at-once\n    recipients: [{NOW_TO}]\n    immediate: {{}}\n"
        f"  - name: digest\n    recipients: [{DIGEST_TO}]\n    digest: every 10 seconds\n"
        "hosts:\n  127.0.0.1: {delay: 0, concurrency: 8}\n"
    )


def schema_versions(url: str) -> list[str]:
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as connection:
        return [row[0] for row in connection.execute("SELECT version_num FROM alembic_version")]


# --- the scenario, run once ---------------------------------------------------------------


@dataclass
class Scenario:
    replicas: list[Replica]
    victim: Replica  # SIGKILLed while fetching HELD
    killed_at: float
    stopping: Replica  # SIGTERMed while fetching FEEDS[0]
    stopped_at: float  # when the survivors got SIGTERM
    started: dict[str, float]
    hits: dict[str, list[Hit]]
    mails: list[mailsink.Received]
    expected_posts: set[int]
    exit_codes: dict[str, int | None]
    versions: list[str]


def phase_distance(a: float, b: float) -> float:
    """How far apart two timers of period EVERY started at `a` and `b` fire, in seconds."""
    d = (a - b) % EVERY
    return min(d, EVERY - d)


def start_out_of_step(
    label: str, folder: Path, env: dict[str, str], others: list[Replica]
) -> tuple[Replica, list[Replica]]:
    """Start a replica whose timers fire about half an interval after the others'. Its
    start-up time is guessed from the others', then from its own first try: if it came up
    within 0.5 s of a running replica's step, it is stopped and started again (the
    discarded tries are returned too, to be waited for)."""
    anchor = min(r.started_at() or 0.0 for r in others)
    startup = min((r.started_at() or 0.0) - r.launched_at for r in others)
    discarded: list[Replica] = []
    for attempt in range(3):
        at = anchor + EVERY / 2 - startup
        while at < time.time():
            at += EVERY
        time.sleep(at - time.time())
        replica = Replica.start(label if attempt == 0 else f"{label}-{attempt}", folder, env)
        started = replica.wait_started()
        if all(phase_distance(started, r.started_at() or 0.0) >= 0.5 for r in others):
            return replica, discarded
        startup = started - replica.launched_at
        # Stopped between two rounds of crawls: SIGTERM cancels running jobs at once (see
        # the test below), and a crawl cancelled while saving keeps its lease for 60 s.
        replica.wait_for_round({name(path) for path in FEEDS}, since=started - 0.5)
        replica.process.send_signal(signal.SIGTERM)
        discarded.append(replica)
    return replica, discarded


@pytest.fixture(scope="module")
def scenario(
    tmp_path_factory: pytest.TempPathFactory, fresh_postgres: Callable[[], str]
) -> Iterator[Scenario]:
    url = fresh_postgres()  # skips loudly without MONITOR_TEST_POSTGRES_URL
    folder = tmp_path_factory.mktemp("replicas")
    running = start_site()
    site = running.site
    replicas: list[Replica] = []
    published = datetime.now(UTC).replace(microsecond=0)
    for index, path in enumerate(FEEDS):
        site.serve(path, rss_feed(posts(3 * index + 1, 3 * index + 3, name(path), published)))
    (folder / "sources.yaml").write_text(sources_yaml(site))
    try:
        with mailsink.running(folder / "mails") as sink:  # .eml files too, to read
            env = {
                "MONITOR_DATABASE_URL": url,
                "MONITOR_SMTP_URL": sink.url,
                "MONITOR_ALLOW_HOSTS": "127.0.0.1",
                "MONITOR_CONFIG": str(folder / "sources.yaml"),
                "MONITOR_LOG_LEVEL": "INFO",
            }
            # Two replicas start together on the empty database: both try to migrate.
            replicas += [Replica.start(label, folder, env) for label in ("one", "two")]
            for replica in replicas:
                replica.wait_started()
            # The third joins half an interval out of step with them.
            third, discarded = start_out_of_step("three", folder, env, replicas)
            replicas.append(third)
            for replica in discarded:
                replica.process.wait(timeout=20)
            time.sleep(RUN_BEFORE_KILL)

            # SIGKILL the replica fetching feed C, while its request is held open.
            hold = site.hold_next(HELD)
            port = hold.wait(timeout=3 * EVERY)
            (victim,) = [r for r in replicas if r.owns(port, site.port)]
            # Its crawls of the other feeds, started with this one, end first: when it
            # dies it holds the lease of the held feed only.
            assert hold.arrived_at is not None
            victim.wait_for_round(
                {name(path) for path in FEEDS if path != HELD}, since=hold.arrived_at - EVERY / 2
            )
            victim.process.kill()
            killed_at = time.time()
            victim.process.wait(timeout=10)
            hold.release()
            # New posts for the survivors to find (and mail) after the kill.
            for path, old, new in ((FEEDS[0], (1, 3), (10, 11)), (FEEDS[1], (4, 6), (12, 13))):
                entries = posts(*old, name(path), published) + posts(*new, name(path), published)
                site.serve(path, rss_feed(entries))
            time.sleep(RUN_AFTER_KILL)

            # SIGTERM the survivors while one of them is fetching feed A; answer it 1 s
            # later, well within the grace period a running job has to finish.
            survivors = [r for r in replicas if r is not victim]
            hold = site.hold_next(FEEDS[0])
            port = hold.wait(timeout=3 * EVERY)
            (stopping,) = [r for r in survivors if r.owns(port, site.port)]
            for replica in survivors:
                replica.process.send_signal(signal.SIGTERM)
            stopped_at = time.time()
            time.sleep(1.0)
            hold.release()
            for replica in survivors:
                replica.process.wait(timeout=20)
            mails = sink.received
        (folder / "hits.json").write_text(  # to read when a test fails
            json.dumps([hit.__dict__ for hit in sorted(site.hits, key=lambda h: h.at)], indent=0)
        )
        yield Scenario(
            replicas=replicas,
            victim=victim,
            killed_at=killed_at,
            stopping=stopping,
            stopped_at=stopped_at,
            started={r.name: r.started_at() or 0.0 for r in replicas},
            hits={path: site.requests(path) for path in FEEDS},
            mails=mails,
            expected_posts=set(range(1, 14)),  # P-1 … P-9 at first, P-10 … P-13 later
            exit_codes={r.name: r.process.returncode for r in replicas},
            versions=schema_versions(url),
        )
    finally:
        for replica in replicas:
            if replica.process.poll() is None:
                replica.process.kill()
                replica.process.wait(timeout=10)
        stop_site(running)


def references(mail: mailsink.Received) -> set[int]:
    return {int(n) for n in REFERENCE.findall(mail.part("plain"))}


def posts_in(mail: mailsink.Received) -> set[int]:
    return {int(n) for n in POST.findall(mail.part("plain"))}


def gaps(hits: list[Hit]) -> list[float]:
    return [round(b.at - a.at, 2) for a, b in itertools.pairwise(hits)]


# --- the promises -------------------------------------------------------------------------


def test_replicas_starting_together_on_an_empty_database_start_cleanly(
    scenario: Scenario,
) -> None:
    assert scenario.versions == [db.head_revision()]  # migrated, once, to head
    one, two = scenario.started["one"], scenario.started["two"]
    assert abs(one - two) < 5, "the first two did not start together"
    for replica in scenario.replicas:
        problems = replica.problems(before=min(scenario.killed_at, scenario.stopped_at))
        assert problems == [], f"{replica.name}:\n{replica.log.read_text()}"


def test_each_source_is_crawled_once_per_interval_whatever_the_number_of_replicas(
    scenario: Scenario,
) -> None:
    start = min(scenario.started.values())
    span = scenario.stopped_at - start
    steps = list(scenario.started.values())
    if all(phase_distance(a, b) < 0.5 for a, b in itertools.combinations(steps, 2)):
        pytest.skip(f"inconclusive: the replicas' crawl timers are in step ({steps})")
    for path in FEEDS:
        hits = [hit for hit in scenario.hits[path] if hit.at <= scenario.stopped_at]
        assert len(hits) <= span / EVERY + 2, (path, len(hits), round(span, 1), gaps(hits))
        assert min(gaps(hits)) >= 0.75 * EVERY, (path, gaps(hits))


def test_each_mention_is_mailed_once_by_the_immediate_alert_and_no_mail_twice(
    scenario: Scenario,
) -> None:
    at_once = [mail for mail in scenario.mails if mail.recipients == [NOW_TO]]
    digests = [mail for mail in scenario.mails if mail.recipients == [DIGEST_TO]]
    posts_mailed = Counter(n for mail in at_once for n in posts_in(mail))
    assert set(posts_mailed) == scenario.expected_posts, sorted(posts_mailed)
    assert set(posts_mailed.values()) == {1}, [n for n, k in posts_mailed.items() if k > 1]
    mentions_mailed = Counter(n for mail in at_once for n in references(mail))
    assert len(mentions_mailed) == len(scenario.expected_posts), sorted(mentions_mailed)
    assert set(mentions_mailed.values()) == {1}, [n for n, k in mentions_mailed.items() if k > 1]
    in_digests = Counter(n for mail in digests for n in references(mail))
    assert set(in_digests.values()) <= {1}, [n for n, k in in_digests.items() if k > 1]
    message_ids = Counter(str(mail.message["Message-ID"]) for mail in scenario.mails)
    assert set(message_ids.values()) == {1}, message_ids.most_common(3)


def test_after_a_replica_is_killed_the_others_keep_crawling(scenario: Scenario) -> None:
    after = scenario.stopped_at - scenario.killed_at
    for path in FEEDS:
        if path == HELD:
            continue  # see the next test
        later = [hit for hit in scenario.hits[path] if hit.at > scenario.killed_at]
        assert len(later) >= after / EVERY - 2, (path, len(later), round(after, 1))


@pytest.mark.xfail(
    raises=AssertionError,
    strict=True,
    reason="KNOWN LIMIT: a replica SIGKILLed mid-crawl leaves its source leased for "
    "crawl.lease.LEASE (60 s, kept alive by a heartbeat): another replica takes it over "
    "after that, not within two of this test's 2 s intervals. At real intervals (15 min) "
    "a minute is negligible",
)
def test_a_source_whose_crawler_was_killed_is_crawled_again_within_two_intervals(
    scenario: Scenario,
) -> None:
    later = [hit.at - scenario.killed_at for hit in scenario.hits[HELD]]
    later = [round(t, 2) for t in later if t > 0]
    assert later, f"{HELD} not requested in the {RUN_AFTER_KILL:.0f} s after the kill"
    assert later[0] <= 2 * EVERY + 1, f"{HELD} requested after the kill at {later} s"


def test_sigterm_lets_a_running_crawl_finish_and_the_replicas_exit_cleanly(
    scenario: Scenario,
) -> None:
    survivors = [r for r in scenario.replicas if r is not scenario.victim]
    for replica in survivors:
        assert scenario.exit_codes[replica.name] == 0, replica.log.read_text()
        assert replica.events("service_stopped"), replica.log.read_text()
    finished = [
        line
        for line in scenario.stopping.events("crawl_done", since=scenario.stopped_at)
        if line.get("source") == name(FEEDS[0])
    ]
    assert finished, (
        f"the crawl held at SIGTERM did not finish:\n{scenario.stopping.log.read_text()}"
    )
    for replica in survivors:
        assert replica.problems() == [], f"{replica.name}:\n{replica.log.read_text()}"


def test_three_replicas_started_at_once_on_an_empty_database_migrate_it_once(
    tmp_path: Path, fresh_postgres: Callable[[], str]
) -> None:
    url = fresh_postgres()
    running = start_site()
    stack = ExitStack()
    replicas: list[Replica] = []
    try:
        sink = stack.enter_context(mailsink.running())
        running.site.serve(FEEDS[0], rss_feed([]))
        (tmp_path / "sources.yaml").write_text(
            f"brands:\n  - {{name: {BRAND}, query: {BRAND}}}\n"
            f"sources:\n  - {{type: feed, name: a, url: '{running.site.url(FEEDS[0])}'}}\n"
        )
        env = {
            "MONITOR_DATABASE_URL": url,
            "MONITOR_SMTP_URL": sink.url,
            "MONITOR_ALLOW_HOSTS": "127.0.0.1",
            "MONITOR_CONFIG": str(tmp_path / "sources.yaml"),
        }
        replicas = [Replica.start(label, tmp_path, env) for label in ("one", "two", "three")]
        for replica in replicas:
            replica.wait_started()
        stopped_at = time.time()
        for replica in replicas:
            replica.process.send_signal(signal.SIGTERM)
        for replica in replicas:
            replica.process.wait(timeout=20)
    finally:
        for replica in replicas:
            if replica.process.poll() is None:
                replica.process.kill()
                replica.process.wait(timeout=10)
        stack.close()
        stop_site(running)

    assert schema_versions(url) == [db.head_revision()]
    for replica in replicas:
        assert replica.problems(before=stopped_at) == [], replica.log.read_text()
