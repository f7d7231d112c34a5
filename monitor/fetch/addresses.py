"""Which addresses a fetch may connect to: public ones, plus those ops allow by name.

The guard runs on the *resolved* address of every connection (see `transport`), so a
redirect to a private host, a DNS name pointing at 10.0.0.1 and odd IP spellings
(`2130706433`, `0x7f.1`, `::ffff:127.0.0.1`) are all caught where it matters. `ip_literal`
reads those spellings as the C resolver does (inet_aton), for messages and unit tests.

Non-public means loopback, private (RFC 1918, ULA), link-local, multicast, reserved,
unspecified, shared (100.64/10), documentation ranges, and IPv6 forms that embed one of
those (IPv4-mapped, 6to4, NAT64).

`AllowList` holds `Settings.allow_hosts` entries: `127.0.0.1` (any port), `127.0.0.1:8080`
(that port only), `[::1]:8080`, `::1`, or a host name (`intranet.example`, matched on the
name as written in the URL, whatever it resolves to).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from monitor.phrasebook import problems

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def ip_literal(host: str) -> IPAddress | None:
    """The IP a host string spells, in any form resolvers accept; None for a name."""
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return _inet_aton(text)


def _inet_aton(text: str) -> ipaddress.IPv4Address | None:
    """inet_aton's reading: 1-4 parts, each decimal, 0x hex or 0-prefixed octal; the last
    part fills the remaining bytes (`127.1` is 127.0.0.1, `2130706433` too)."""
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers: list[int] = []
    for part in parts:
        if part[:2].lower() == "0x":
            digits, base = part[2:], 16
        elif len(part) > 1 and part.startswith("0"):
            digits, base = part[1:], 8
        else:
            digits, base = part, 10
        try:
            numbers.append(int(digits, base) if digits.isascii() and digits.isalnum() else -1)
        except ValueError:
            return None
        if numbers[-1] < 0:
            return None
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        return None
    value = last
    for index, number in enumerate(head):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def unwrap(ip: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64), else `ip` itself."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


_SITE_LOCAL = ipaddress.IPv6Network("fec0::/10")


def kind(ip: IPAddress) -> str | None:
    """Why `ip` is not public ("loopback", "private", …), or None when it is public."""
    ip = unwrap(ip)
    if isinstance(ip, ipaddress.IPv6Address) and ip in _SITE_LOCAL:
        return "site-local"  # deprecated (RFC 3879), but still routed inside some networks
    for name, flag in (
        ("unspecified", ip.is_unspecified), ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local), ("multicast", ip.is_multicast),
        ("private", ip.is_private), ("reserved", ip.is_reserved),
    ):  # fmt: skip
        if flag:
            return name
    return None if ip.is_global else "non-public"


def is_public(ip: IPAddress) -> bool:
    return kind(ip) is None


@dataclass(frozen=True, slots=True)
class AllowEntry:
    host: str  # a lower-case name, or an IP in its canonical form
    port: int | None


def parse_entry(text: str) -> AllowEntry:
    """`host`, `host:port`, `[v6]:port` or a bare IPv6 address. Raises ValueError."""
    text = text.strip()
    host, port = text, ""
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest and not rest.startswith(":"):
            raise problems.invalid("env_bad_host_entry", value=text)
        port = rest[1:]
    elif text.count(":") == 1:
        host, _, port = text.partition(":")
    if not host or (port and not port.isdigit()) or (port and not 0 < int(port) < 65536):
        raise problems.invalid("env_bad_host_entry", value=text)
    ip = ip_literal(host)
    name = str(unwrap(ip)) if ip is not None else host.lower().rstrip(".")
    return AllowEntry(name, int(port) if port else None)


class AllowList:
    """Hosts and IPs fetched even though they are not public (tests, an intranet wiki)."""

    def __init__(self, entries: Iterable[str] = ()) -> None:
        self.entries = tuple(parse_entry(entry) for entry in entries)

    def allows(self, host: str, port: int, ip: IPAddress) -> bool:
        """Whether `host` (as in the URL) on `port`, resolved to `ip`, is allowed."""
        literal = ip_literal(host)
        names = {
            str(unwrap(literal)) if literal is not None else host.lower().rstrip("."),
            str(unwrap(ip)),
        }
        return any(e.host in names and e.port in (None, port) for e in self.entries)

    def check(self, host: str, port: int, ips: Iterable[IPAddress]) -> str | None:
        """Why connecting to `host` is refused (every resolved address must pass), or None."""
        for ip in ips:
            reason = kind(ip)
            if reason is not None and not self.allows(host, port, ip):
                shown = host if str(ip) == host else f"{host} resolves to {ip}"
                return (
                    f"{shown}, a {reason} address, port {port}: not fetched "
                    "(add it to MONITOR_ALLOW_HOSTS to allow)"
                )
        return None
