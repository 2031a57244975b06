"""Where a webhook may be sent: the check made when an address is saved and again before every delivery.

A webhook URL is typed by an organisation's admin, but the request is made from inside the
operator's network. Without this check the delivery worker could be pointed at loopback,
the cloud metadata service or any internal host, and its answers used to map them (SSRF).

So: https only (plain http only when the operator allows it, for tests); the host name is
resolved here and every address it resolves to must be public, unless the operator lists the
host (or its network) in ``SIGNERING_WEBHOOK_ALLOWED_HOSTS``. The caller then connects to
exactly the addresses this check returned, so a name that resolves differently a moment later
(DNS rebinding) cannot slip through.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from .errors import InputError

MAX_URL_LENGTH = 500
#: IPv6 prefix whose last 32 bits are an IPv4 address reached through a NAT64 gateway
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class WebhookUrlInvalid(InputError):
    code = "webhook_url_invalid"
    default_sv = "Adressen ska vara en fullständig webbadress som börjar med https:// (högst 500 tecken)."
    default_en = "The address must be a full web address starting with https:// (at most 500 characters)."


class WebhookHostUnknown(InputError):
    code = "webhook_host_unknown"
    default_sv = "Värdnamnet i adressen går inte att slå upp. Kontrollera att adressen är rätt stavad."
    default_en = "The host name in the address cannot be looked up. Check that the address is spelled right."


class WebhookAddressRefused(InputError):
    code = "webhook_address_refused"
    default_sv = ("Adressen leder till ett internt, lokalt eller reserverat nät. Webhooks skickas bara till "
                  "adresser på internet. Ska ett internt system ta emot dem, be driftansvarig lägga till värden "
                  "i SIGNERING_WEBHOOK_ALLOWED_HOSTS.")
    default_en = ("The address leads to an internal, local or reserved network. Webhooks are only sent to "
                  "addresses on the internet. If an internal system should receive them, ask the operator to add "
                  "the host to SIGNERING_WEBHOOK_ALLOWED_HOSTS.")


@dataclass(frozen=True)
class Policy:
    """The operator's settings: plain http allowed or not, and the private hosts that may be called."""

    allow_http: bool = False
    #: host names (lower case, exactly as in the URL) whose addresses may be private
    allowed_names: frozenset[str] = frozenset()
    #: addresses or networks that may be called although they are not public
    allowed_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()

    @classmethod
    def parse(cls, allowed_hosts, allow_http: bool = False) -> "Policy":
        """``allowed_hosts``: host names, IP addresses or networks (CIDR), as a list or a comma/space separated text."""
        if isinstance(allowed_hosts, str):
            allowed_hosts = allowed_hosts.replace(",", " ").split()
        names, networks = set(), []
        for entry in allowed_hosts or ():
            entry = entry.strip().strip("[]").lower().rstrip(".")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                names.add(entry)
        return cls(allow_http=bool(allow_http), allowed_names=frozenset(names), allowed_networks=tuple(networks))

    @classmethod
    def from_settings(cls, settings) -> "Policy":
        return cls.parse(settings.webhook_allowed_hosts, settings.webhook_allow_http)


@dataclass(frozen=True)
class Target:
    """A checked webhook URL: connect to one of ``addresses``, speak to ``hostname``."""

    scheme: str
    hostname: str
    port: int
    #: the Host header: the URL's host (and port when given), without user info
    host_header: str
    #: path and query, as sent in the request line
    request_target: str
    addresses: tuple[str, ...]
    #: "user:password" from the URL, for HTTP basic auth, or None
    basic_auth: str | None = None


def check(url: str, policy: Policy, *, resolve=socket.getaddrinfo) -> Target:
    """The URL's target if the policy allows it; raises a :class:`InputError` subclass if not."""
    parts = _parse(url, policy)
    hostname = parts.hostname.rstrip(".")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = _resolve(hostname, port, resolve)
    for address in addresses:
        if not _allowed(hostname, address, policy):
            raise WebhookAddressRefused(field="url")
    auth = None
    if parts.username is not None:
        auth = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return Target(scheme=parts.scheme, hostname=hostname, port=port, host_header=parts.netloc.rpartition("@")[2],
                  request_target=target, addresses=tuple(str(_unwrap(a)) for a in addresses), basic_auth=auth)


def _parse(url: str, policy: Policy):
    schemes = ("https", "http") if policy.allow_http else ("https",)
    if not isinstance(url, str) or len(url) > MAX_URL_LENGTH or any(c.isspace() or ord(c) < 32 for c in url):
        raise WebhookUrlInvalid(field="url")
    try:
        parts = urlsplit(url)
        parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        raise WebhookUrlInvalid(field="url") from None
    if parts.scheme not in schemes or not parts.hostname or not parts.hostname.rstrip("."):
        raise WebhookUrlInvalid(field="url")
    return parts


def _resolve(hostname: str, port: int, resolve) -> list[Address]:
    try:
        return [ipaddress.ip_address(hostname)]
    except ValueError:
        pass
    try:
        infos = resolve(hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise WebhookHostUnknown(field="url") from None
    found: list[Address] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        try:
            # An IPv6 sockaddr may carry a zone ("fe80::1%eth0"); the zone makes it link-local anyway.
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        except ValueError:
            continue
        if address not in found:
            found.append(address)
    if not found:
        raise WebhookHostUnknown(field="url")
    return found


def _unwrap(address: Address) -> Address:
    """The IPv4 address inside an IPv4-mapped or NAT64 IPv6 address; the address itself otherwise.

    ``::ffff:127.0.0.1`` reaches loopback, and Python before 3.11.10 judges such addresses
    as IPv6, so they are checked (and connected to) as the IPv4 address they stand for.
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def is_public(address: Address) -> bool:
    address = _unwrap(address)
    return not (not address.is_global or address.is_private or address.is_loopback or address.is_link_local
                or address.is_multicast or address.is_reserved or address.is_unspecified
                or getattr(address, "is_site_local", False))


def _allowed(hostname: str, address: Address, policy: Policy) -> bool:
    address = _unwrap(address)
    if is_public(address):
        return True
    if address.is_unspecified or address.is_multicast:
        return False  # never a real receiver, whatever the allow-list says
    return hostname.lower() in policy.allowed_names or any(address in net for net in policy.allowed_networks)
