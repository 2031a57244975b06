"""The client's address when a reverse proxy stands in front: trusted only from the configured proxies.

Gunicorn's ``--forwarded-allow-ips`` covers the scheme headers but leaves ``REMOTE_ADDR`` at
the proxy's address, so every client behind nginx looked like one client: one of them could
lock everyone out of an account, and the audit trail recorded only the proxy. This middleware
rewrites ``REMOTE_ADDR`` once, before Flask sees the request, so the login throttle, the audit
trail and gunicorn's access log (which reads the same environ afterwards) all get the client.
"""

from __future__ import annotations

import functools
import ipaddress

from werkzeug.middleware.proxy_fix import ProxyFix

from signering.errors import SigneringError


class ForwardedAllowIpsInvalid(SigneringError):
    code = "forwarded_allow_ips_invalid"
    http_status = 500
    default_sv = ("SIGNERING_FORWARDED_ALLOW_IPS ska vara IP-adresser eller nät (CIDR) åtskilda med kommatecken, "
                  "eller *. Rätta värdet och starta om.")
    default_en = ("SIGNERING_FORWARDED_ALLOW_IPS must be IP addresses or networks (CIDR) separated by commas, "
                  "or *. Correct the value and restart.")


class TrustedProxies:
    """Apply the last ``X-Forwarded-For`` entry (the one our proxy appended) only when the
    request comes from an address in ``allow_ips`` (``SIGNERING_FORWARDED_ALLOW_IPS``:
    addresses or networks separated by commas, or ``*`` for any, as gunicorn reads it).

    Entries before the last one were written by the client and are never used.
    """

    def __init__(self, app, allow_ips: str):
        self.app = app
        self.fixed = ProxyFix(app, x_for=1, x_proto=0, x_host=0, x_port=0, x_prefix=0)
        entries = [e.strip() for e in (allow_ips or "").replace(" ", ",").split(",") if e.strip()]
        self.any = "*" in entries
        try:
            self.networks = [ipaddress.ip_network(e, strict=False) for e in entries if e != "*"]
        except ValueError:
            raise ForwardedAllowIpsInvalid(value=allow_ips) from None
        # A server sees few distinct peers (its proxies, or clients): parse each address once.
        self.trusted = functools.lru_cache(maxsize=4096)(self.trusted)

    def trusted(self, remote_addr: str) -> bool:
        if self.any:
            return True
        try:
            address = ipaddress.ip_address(remote_addr)
        except ValueError:
            return False  # e.g. a unix socket: no address to trust
        return any(address in net for net in self.networks)

    def __call__(self, environ, start_response):
        if self.trusted(environ.get("REMOTE_ADDR") or ""):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)
