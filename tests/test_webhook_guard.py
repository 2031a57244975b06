"""Where webhooks may go: the address check alone (nothing here connects anywhere)."""

from __future__ import annotations

import pytest

from signering.webhook_guard import (Policy, WebhookAddressRefused, WebhookHostUnknown, WebhookUrlInvalid, check,
                                     is_public)

STRICT = Policy()

INTERNAL = ["127.0.0.1", "127.8.9.10", "[::1]", "169.254.169.254", "10.0.0.1", "172.16.5.4", "192.168.1.1",
            "100.64.0.1", "0.0.0.0", "[::]", "224.0.0.1", "239.255.255.250", "[ff02::1]", "[ff0e::1]",
            "240.0.0.1", "255.255.255.255", "[fe80::1]", "[fc00::1]", "[fec0::1]", "[::ffff:127.0.0.1]",
            "[::ffff:169.254.169.254]", "[64:ff9b::a9fe:a9fe]", "192.0.2.1", "198.18.0.1", "2130706433"]


@pytest.mark.parametrize("host", INTERNAL)
def test_internal_and_reserved_addresses_are_refused(host):
    with pytest.raises(WebhookAddressRefused) as caught:
        check(f"https://{host}/latest/meta-data/", STRICT)
    assert caught.value.http_status == 422 and "SIGNERING_WEBHOOK_ALLOWED_HOSTS" in caught.value.message("sv")


def test_a_name_is_judged_by_what_it_resolves_to():
    with pytest.raises(WebhookAddressRefused):
        check("https://localhost:8443/hook", STRICT)
    with pytest.raises(WebhookHostUnknown):
        check("https://no-such-host.invalid/hook", STRICT)


def test_public_address_passes_with_its_parts():
    target = check("https://user:p%40ss@93.184.215.14:8443/a/b?x=1#frag", STRICT)
    assert (target.scheme, target.hostname, target.port, target.addresses) == ("https", "93.184.215.14", 8443,
                                                                              ("93.184.215.14",))
    assert target.host_header == "93.184.215.14:8443" and target.request_target == "/a/b?x=1"
    assert target.basic_auth == "user:p@ss"
    assert is_public(__import__("ipaddress").ip_address("2a00:1450:4001::1"))


@pytest.mark.parametrize("url", ["http://93.184.215.14/hook", "ftp://93.184.215.14/", "93.184.215.14/hook",
                                 "https:///nohost", "https://ex ample.se/", "https://x.se:99999/",
                                 "https://x.se/\x00", "https://x.se/" + "a" * 500])
def test_only_full_https_urls(url):
    with pytest.raises(WebhookUrlInvalid):
        check(url, STRICT)


def test_plain_http_only_when_the_operator_allows_it():
    assert check("http://93.184.215.14/hook", Policy(allow_http=True)).port == 80


def test_allow_list_names_hosts_and_networks():
    policy = Policy.parse("localhost, 10.0.0.0/8 [fd00::5]")
    assert check("https://localhost/hook", policy).hostname == "localhost"
    assert check("https://10.20.30.40/hook", policy).addresses == ("10.20.30.40",)
    assert check("https://[fd00::5]/hook", policy).addresses == ("fd00::5",)
    for other in ("127.0.0.1", "172.16.0.1", "[fd00::6]", "169.254.169.254"):
        with pytest.raises(WebhookAddressRefused):
            check(f"https://{other}/hook", policy)
    # Never a receiver, whatever is listed.
    everything = Policy.parse("0.0.0.0/0 ::/0")
    for never in ("0.0.0.0", "[::]", "224.0.0.1"):
        with pytest.raises(WebhookAddressRefused):
            check(f"https://{never}/hook", everything)
    assert check("https://127.0.0.1/hook", everything).addresses == ("127.0.0.1",)
