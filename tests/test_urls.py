"""Every URL the core builds (signering/urls.py) is one the web app serves, with the right argument."""

from __future__ import annotations

from urllib.parse import urlparse

import test_api_support as api

from signering.urls import PublicUrls

SHA = "a" * 64


def test_core_urls_are_served_by_the_web_app(tmp_path):
    app = api.make_env(tmp_path).app
    adapter = app.url_map.bind("localhost")
    urls = PublicUrls("https://signering.example-kommun.se/")
    cases = [
        (urls.verify(SHA), "GET", SHA),
        (urls.sealed_pdf(SHA), "GET", SHA),
        (urls.signing_link("tok_en-1"), "GET", "tok_en-1"),
        (urls.staff_protocol(42), "GET", 42),
        (urls.pki("solleftea") + "/ocsp", "POST", "solleftea"),
        (urls.pki("solleftea") + "/signing-ca.crt", "GET", "solleftea"),
        (urls.pki("solleftea") + "/signing-ca.crl", "GET", "solleftea"),
    ]
    for url, method, argument in cases:
        assert url.startswith("https://signering.example-kommun.se/") and "//" not in url[8:], url
        endpoint, args = adapter.match(urlparse(url).path, method=method)
        assert argument in args.values(), (url, endpoint, args)
