"""The organisation's own TSA, built from its keys, served over real HTTP on loopback.

``demo-seal``, the tests and the benchmarks use it so that timestamps travel the same road
(an RFC 3161 request over HTTP) as they would to an external TSA.
"""

from __future__ import annotations

import contextlib

from .certs import to_asn1
from .orgkeys import OrgKeys
from .tsa import TimeStampAuthority, serve_in_thread
from .tsa_client import make_timestamper


def authority_for(keys: OrgKeys) -> TimeStampAuthority:
    return TimeStampAuthority(keys.tsa.private_key, to_asn1(keys.tsa.certificate),
                              chain=[to_asn1(c) for c in keys.tsa.chain])


@contextlib.contextmanager
def running_tsa(keys: OrgKeys):
    """Yield a pyHanko timestamper that talks HTTP to the org's TSA on a loopback port."""
    url, stop = serve_in_thread(authority_for(keys).wsgi_app)
    try:
        yield make_timestamper(url)
    finally:
        stop()
