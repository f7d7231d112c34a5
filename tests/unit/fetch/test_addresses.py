"""The address classifier and the allow list, as a table."""

from __future__ import annotations

import ipaddress

import pytest

from monitor.fetch import addresses


@pytest.mark.parametrize(
    ("host", "ip"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),  # decimal
        ("0x7f000001", "127.0.0.1"),  # hex
        ("0x7f.1", "127.0.0.1"),  # hex, short form
        ("0177.0.0.1", "127.0.0.1"),  # octal
        ("127.1", "127.0.0.1"),  # short form
        ("10.1.65535", "10.1.255.255"),
        ("[::1]", "::1"),
        ("::ffff:127.0.0.1", "::ffff:7f00:1"),
        ("fe80::1%eth0", "fe80::1"),
        ("example.org", None),
        ("0x", None),
        ("08.0.0.1", None),  # 8 is not an octal digit
        ("256.0.0.1", None),
        ("1.2.3.4.5", None),
        ("١٢٧.0.0.1", None),  # non-ASCII digits are not an address
    ],
)
def test_ip_literal_reads_every_spelling_resolvers_accept(host: str, ip: str | None) -> None:
    found = addresses.ip_literal(host)
    assert (str(found) if found is not None else None) == ip


@pytest.mark.parametrize(
    ("ip", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:10.0.0.1", "private"),
        ("2002:7f00:1::", "loopback"),  # 6to4 around 127.0.0.1
        ("64:ff9b::a00:1", "private"),  # NAT64 around 10.0.0.1
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("fe80::1", "link-local"),
        ("fec0::1", "site-local"),  # deprecated, still routed in some networks
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "private"),  # reserved, listed as private by the stdlib
        ("100.64.0.1", "non-public"),  # carrier-grade NAT
        ("192.0.2.1", "private"),  # documentation
        ("93.184.216.34", None),
        ("2606:2800:220:1:248:1893:25c8:1946", None),
        ("::ffff:93.184.216.34", None),
    ],
)
def test_kind_names_what_is_not_public(ip: str, kind: str | None) -> None:
    assert addresses.kind(ipaddress.ip_address(ip)) == kind


@pytest.mark.parametrize(
    ("entry", "host", "port"),
    [
        ("127.0.0.1", "127.0.0.1", None),
        ("127.0.0.1:8080", "127.0.0.1", 8080),
        ("[::1]:8080", "::1", 8080),
        ("::1", "::1", None),
        ("Intranet.Example.", "intranet.example", None),
        ("2130706433", "127.0.0.1", None),
        ("::ffff:127.0.0.1", "127.0.0.1", None),
    ],
)
def test_allow_entries(entry: str, host: str, port: int | None) -> None:
    assert addresses.parse_entry(entry) == addresses.AllowEntry(host, port)


@pytest.mark.parametrize("entry", ["", "host:port", "host:0", "[::1]x", "a:99999"])
def test_bad_allow_entries_are_refused(entry: str) -> None:
    with pytest.raises(ValueError, match="host, host:port"):
        addresses.parse_entry(entry)


LOOPBACK = ipaddress.ip_address("127.0.0.1")


def test_allow_list_matches_host_or_ip_and_port() -> None:
    allow = addresses.AllowList(["127.0.0.1:8080", "wiki.intranet"])
    assert allow.allows("127.0.0.1", 8080, LOOPBACK)
    assert allow.allows("0x7f.1", 8080, LOOPBACK)  # same address, other spelling
    assert allow.allows("localhost", 8080, LOOPBACK)  # the resolved address is allowed
    assert not allow.allows("127.0.0.1", 8081, LOOPBACK)
    assert allow.allows("wiki.intranet", 443, ipaddress.ip_address("10.0.0.5"))
    assert not allow.allows("other.intranet", 443, ipaddress.ip_address("10.0.0.5"))


def test_check_refuses_when_any_resolved_address_is_private() -> None:
    allow = addresses.AllowList()
    public = ipaddress.ip_address("93.184.216.34")
    assert allow.check("example.org", 80, [public]) is None
    # A name that answers with a public and a private address (a rebinding trick) is refused.
    reason = allow.check("rebind.example", 80, [public, LOOPBACK])
    assert reason is not None
    assert "rebind.example resolves to 127.0.0.1, a loopback address, port 80" in reason
    assert "MONITOR_ALLOW_HOSTS" in reason
