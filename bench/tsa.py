"""Time per RFC 3161 token of the embedded TSA (EC P-256 and RSA-3072), in-process and over HTTP."""

from __future__ import annotations

import hashlib
import statistics
import time

from asn1crypto import tsp


def _request() -> bytes:
    return tsp.TimeStampReq({"version": 1, "message_imprint": {
        "hash_algorithm": {"algorithm": "sha256"}, "hashed_message": hashlib.sha256(b"bench").digest()},
        "nonce": 7, "cert_req": True}).dump()


def run() -> list[dict]:
    import datetime as dt

    import requests

    from signering.pki.certs import build_certificate, name, new_key, to_asn1
    from signering.pki.embedded_tsa import authority_for
    from signering.pki.orgkeys import demo_keys
    from signering.pki.tsa import TimeStampAuthority, serve_in_thread

    rows = []
    keys = demo_keys()
    ec_tsa = authority_for(keys)
    root_key = new_key()
    now = dt.datetime.now(dt.timezone.utc)
    rsa_key = new_key("rsa")
    rsa_cert = build_certificate(subject=name("bench RSA TSA"), public_key=rsa_key.public_key(), issuer=name("bench root"),
                                 issuer_key=root_key, not_before=now - dt.timedelta(hours=1),
                                 not_after=now + dt.timedelta(days=1), usage="tsa")
    rsa_tsa = TimeStampAuthority(rsa_key, to_asn1(rsa_cert))
    req = _request()
    for label, tsa in (("EC P-256", ec_tsa), ("RSA-3072", rsa_tsa)):
        times = []
        for _ in range(200):
            t = time.perf_counter()
            tsa.respond(req)
            times.append(time.perf_counter() - t)
        rows.append({"name": f"TSA token, in-process ({label})", "value": round(statistics.median(times) * 1000, 3),
                     "unit": "ms"})
    url, stop = serve_in_thread(ec_tsa.wsgi_app)
    try:
        session = requests.Session()
        times = []
        for _ in range(200):
            t = time.perf_counter()
            session.post(url, data=req, headers={"Content-Type": "application/timestamp-query"})
            times.append(time.perf_counter() - t)
        rows.append({"name": "TSA token over HTTP on loopback (EC P-256)",
                     "value": round(statistics.median(times) * 1000, 3), "unit": "ms"})
    finally:
        stop()
    return rows


if __name__ == "__main__":
    for row in run():
        print(f"{row['name']:<50} {row['value']:>8} {row['unit']}")
