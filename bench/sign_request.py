"""The signer's click over HTTP (issue 15.1): ``POST /api/v1/sign/<token>`` against a real
``signering serve`` (gunicorn as in production, plus the worker that sends the mail), on SQLite
and on PostgreSQL, beside the bare signature measured in-process in the same run.

Each protocol is signed by its three signers in order, one request at a time, as people do:
the figure is the latency of one click, with the signature made, timestamped by the
organisation's TSA over HTTP and stored, not a throughput. The last signer's click also seals
the protocol unless the worker does that (see ``signering.workflow.signing``), so its figures
are given apart as well as in the whole.

    .venv/bin/python bench/sign_request.py [--protocols 10] [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

from load import BOARD, CODE, LINK, ORG, ROLES, Instance  # noqa: E402
from smtp_server import SmtpServer  # noqa: E402

from signering.textpdf import render_text_pdf  # noqa: E402

TARGET_MS = 40


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _mail(smtp: SmtpServer, address: str, want_link: bool) -> str:
    def match(m):
        text = m.text or ""
        return address in m.to and (bool(LINK.search(text)) if want_link
                                    else "/signera/" not in text and bool(CODE.search(text)))
    text = smtp.wait_for(match, timeout=60).text
    return (LINK if want_link else CODE).search(text).group(1)


def measure(backend: str, protocols: int) -> dict:
    """Sign ``protocols`` protocols through one server; the click times by signer position."""
    root = tempfile.mkdtemp(prefix=f"signering-signreq-{backend}-")
    pg = None
    url = None
    if backend == "postgresql":
        from pg import fresh_database  # tests/pg.py: a throwaway cluster, or SIGNERING_TEST_PG_URL

        pg = fresh_database("signering_bench")
        url = pg.__enter__()
    smtp = SmtpServer().start()
    instance = Instance(root, smtp.port, database_url=url)
    clicks: dict[int, list[float]] = {i: [] for i in range(len(ROLES))}
    try:
        instance.cli("init")
        instance.cli("org", "create", ORG, "--name", "Benchkommun", "--demo-keys")
        instance.cli("board", "create", "--org", ORG, "--name", BOARD, "--forvaringsplats", "Kommunhuset")
        token = instance.cli("api-token", "create", "--org", ORG, "--name", "bench").strip().splitlines()[-1]
        instance.start()
        base, auth = instance.base_url, {"Authorization": f"Bearer {token}"}
        with requests.Session() as http:
            for n in range(protocols + 1):  # the first one warms both workers up and is not counted
                signers = [{"name": f"Person {n}-{i}", "email": f"p{n}-{role}@bench.example", "role": role}
                           for i, role in enumerate(ROLES)]
                pdf = render_text_pdf(f"{BOARD}\n\nSammanträde\n\n§ 1 Ärende {n}\n\nBeslut: bifall.\n")
                meta = {"board": BOARD, "meeting_date": dt.date.today().isoformat(), "signers": signers}
                r = http.post(base + "/api/v1/protocols", headers=auth, data={"metadata": json.dumps(meta)},
                              files={"file": (f"p{n}.pdf", pdf, "application/pdf")}, timeout=60)
                assert r.status_code == 201, r.text
                for position, person in enumerate(signers):
                    link = _mail(smtp, person["email"], True)
                    assert http.get(link, timeout=60).status_code == 200
                    sign_url = f"{base}/api/v1/sign/{link.rsplit('/', 1)[1]}"
                    assert http.post(sign_url + "/code", timeout=60).status_code == 202
                    code = _mail(smtp, person["email"], False)
                    started = time.perf_counter()
                    r = http.post(sign_url, json={"code": code, "decision": "sign"}, timeout=60)
                    elapsed = 1000 * (time.perf_counter() - started)
                    assert r.status_code == 200 and r.json()["status"] == "signed", r.text
                    if n:
                        clicks[position].append(elapsed)
    finally:
        instance.stop()
        smtp.stop()
        if pg is not None:
            pg.__exit__(None, None, None)
        shutil.rmtree(root, ignore_errors=True)
    every = [t for times in clicks.values() for t in times]
    not_last = [t for pos, times in clicks.items() if pos < len(ROLES) - 1 for t in times]
    return {"backend": backend, "clicks": len(every),
            "median_ms": round(statistics.median(every), 1), "p95_ms": round(_pct(every, 0.95), 1),
            "median_not_last_ms": round(statistics.median(not_last), 1),
            "median_last_ms": round(statistics.median(clicks[len(ROLES) - 1]), 1),
            "p95_last_ms": round(_pct(clicks[len(ROLES) - 1], 0.95), 1)}


def rows(protocols: int = 10, backends: tuple[str, ...] = ("sqlite", "postgresql")) -> list[dict]:
    """Rows in ``bench/run.py``'s format."""
    out = []
    for backend in backends:
        m = measure(backend, protocols)
        tag = f"{backend}, {m['clicks']} clicks over HTTP"
        out += [
            {"name": f"signer's POST /api/v1/sign/<token>, median ({tag})", "value": m["median_ms"], "unit": "ms",
             "target": f"<= {TARGET_MS}", "ok": m["median_ms"] <= TARGET_MS},
            {"name": f"  p95 ({backend})", "value": m["p95_ms"], "unit": "ms"},
            {"name": f"  median, signers before the last ({backend})", "value": m["median_not_last_ms"], "unit": "ms"},
            {"name": f"  median, the last signer ({backend})", "value": m["median_last_ms"], "unit": "ms"},
            {"name": f"  p95, the last signer ({backend})", "value": m["p95_last_ms"], "unit": "ms"},
        ]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--protocols", type=int, default=10)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args(argv)
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    for row in rows(args.protocols, backends):
        print(f"{row['name']:<70} {row['value']:>8} {row['unit']}  {row.get('target') or ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
