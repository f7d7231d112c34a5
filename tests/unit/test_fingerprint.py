"""Document identity: two links to the same item share one canonical URL and one key."""

from __future__ import annotations

import pytest

from monitor.identity import fingerprint


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        pytest.param(
            "https://shop.example/p?id=3&utm_source=rss&utm_medium=feed&utm_campaign=x",
            "https://shop.example/p?id=3",
            id="utm-dropped",
        ),
        pytest.param(
            "https://shop.example/p?fbclid=abc&id=3&gclid=def&mc_cid=1&mc_eid=2",
            "https://shop.example/p?id=3",
            id="fbclid-gclid-mailchimp-dropped",
        ),
        pytest.param(
            "https://shop.example/p?z=1&a=2&m=3", "https://shop.example/p?a=2&m=3&z=1", id="sorted"
        ),
        pytest.param("HTTPS://Shop.EXAMPLE/Path", "https://shop.example/Path", id="lower-host"),
        pytest.param("https://shop.example:443/p", "https://shop.example/p", id="https-port"),
        pytest.param("http://shop.example:80/p", "http://shop.example/p", id="http-port"),
        pytest.param("http://shop.example:8080/p", "http://shop.example:8080/p", id="other-port"),
        pytest.param("https://shop.example/p#comments", "https://shop.example/p", id="fragment"),
        pytest.param("https://shop.example", "https://shop.example/", id="empty-path"),
        pytest.param("  https://shop.example/p  ", "https://shop.example/p", id="whitespace"),
        pytest.param(
            "https://www.google.com/url?sa=t&url=https%3A%2F%2Fshop.example%2Fp%3Fid%3D3"
            "%26utm_source%3Dgoogle&ved=1",
            "https://shop.example/p?id=3",
            id="google-wrapper",
        ),
        pytest.param(
            "https://www.google.de/url?q=https://shop.example/p&sa=U",
            "https://shop.example/p",
            id="google-de-q-wrapper",
        ),
        pytest.param(
            "https://www.bing.com/news/apiclick.aspx?ref=FexRss&aid=&tid=1"
            "&url=https%3a%2f%2fnews.example%2fa%3fx%3d1&c=1",
            "https://news.example/a?x=1",
            id="bing-wrapper",
        ),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert fingerprint.canonical_url(url) == canonical


def test_links_differing_only_in_tracking_share_a_canonical_form() -> None:
    variants = [
        "https://Blog.example:443/post/1?b=2&a=1",
        "https://blog.example/post/1?a=1&b=2&utm_source=newsletter#top",
        "https://www.google.com/url?url=https%3A%2F%2Fblog.example%2Fpost%2F1%3Fa%3D1%26b%3D2",
    ]
    assert {fingerprint.canonical_url(v) for v in variants} == {
        "https://blog.example/post/1?a=1&b=2"
    }


def test_a_wrapper_without_a_target_is_left_alone() -> None:
    url = "https://www.google.com/url?sa=t&ved=1"
    assert fingerprint.unwrap_redirect(url) == url


def test_non_tracking_parameters_stay() -> None:
    assert fingerprint.canonical_url("https://forum.example/t?page=2&sort=new") == (
        "https://forum.example/t?page=2&sort=new"
    )


def test_document_key_prefers_the_canonical_link() -> None:
    key = fingerprint.document_key(
        link="https://Blog.example/p/1?utm_source=rss", guid="post-1", fallback=("Blog", "T")
    )
    assert key == "https://blog.example/p/1"


def test_document_key_falls_back_to_the_guid_without_a_web_link() -> None:
    assert fingerprint.document_key(link=None, guid=" post-1 ", fallback=("x",)) == "guid:post-1"
    assert fingerprint.document_key(link="mailto:a@b.example", guid="g", fallback=()) == "guid:g"


def test_document_key_hashes_the_fallback_without_link_or_guid() -> None:
    key = fingerprint.document_key(link=None, guid=None, fallback=("Blog", "Title", "", "Text"))
    again = fingerprint.document_key(link="", guid="", fallback=("Blog", "Title", "", "Text"))
    other = fingerprint.document_key(link=None, guid=None, fallback=("Blog", "Title", "", "Txt"))
    assert key.startswith("hash:")
    assert len(key) == len("hash:") + 32
    assert key == again
    assert key != other


def test_document_key_hash_does_not_run_fields_together() -> None:
    first = fingerprint.document_key(link=None, guid=None, fallback=("ab", "c"))
    second = fingerprint.document_key(link=None, guid=None, fallback=("a", "bc"))
    assert first != second


def test_content_hash_ignores_case_and_whitespace() -> None:
    assert fingerprint.content_hash("Vaude  Jacke\n\tist gut ") == fingerprint.content_hash(
        "vaude jacke ist GUT"
    )


def test_content_hash_ignores_unicode_composition() -> None:
    composed = "Müller"
    decomposed = "Mu\u0308ller"
    assert fingerprint.content_hash(composed) == fingerprint.content_hash(decomposed)


def test_content_hash_changes_with_the_words() -> None:
    assert fingerprint.content_hash("Vaude Jacke") != fingerprint.content_hash("Vaude Hose")
