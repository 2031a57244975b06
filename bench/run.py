"""The benchmark report behind ``make bench``: figures, targets and ratios to naive baselines.

Every baseline is measured in the same run on the same bytes, so the ratios hold on a busy
or slow machine even when the absolute figures move. Missing a target does not fail the run
(this is a report), it is printed as MISSED. JSON goes to ``bench/results/latest.json``.

    .venv/bin/python bench/run.py
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import platform
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from asn1crypto import keys as asn1_keys  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.sign import signers  # noqa: E402
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper  # noqa: E402

import hashing as hashing_bench  # noqa: E402  (bench/hashing.py)
import sign_request as sign_request_bench  # noqa: E402  (bench/sign_request.py)
import tsa as tsa_bench  # noqa: E402  (bench/tsa.py)
from signering.pdf.chain import Route, prepare, run_chain, sign_step  # noqa: E402
from signering.pdf.seal import SEAL_FIELD, seal  # noqa: E402
from signering.pdf.signature_page import PageSigner, field_name  # noqa: E402
from signering.pki.certs import build_certificate, name, new_key, to_asn1  # noqa: E402
from signering.pki.embedded_tsa import running_tsa  # noqa: E402
from signering.pki.orgkeys import demo_keys  # noqa: E402
from signering.samples import SAMPLES  # noqa: E402
from signering.textpdf import render_text_pdf  # noqa: E402

RUNS = 15
NAIVE_RUNS = 5  # each naive run waits ~90 ms per dummy timestamp; five keep the total short
BASE_URL = "http://localhost:8000"
ROUTE = Route(board="Kommunstyrelsen", meeting_date=dt.date(2025, 9, 22), organisation="Demo kommun",
              signers=(PageSigner("Anna Sekreterare", "sekreterare"),
                       PageSigner("Örjan Ordförande", "ordforande"),
                       PageSigner("Åsa Justerare", "justerare")))


def _sample_text() -> tuple[str, str]:
    """The longest of the project's sample protocols: the most text for fonts and wrapping."""
    longest = max(SAMPLES, key=lambda s: len(s.text()))
    return longest.text(), longest.name


def _median_ms(fn, runs: int) -> float:
    fn()  # warm-up: font parsing, imports, first TLS-free HTTP connection
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(1000 * statistics.median(times), 1)


def _dummy_timestamper() -> DummyTimeStamper:
    """pyHanko's in-process TSA, which only accepts RSA keys, with a throwaway certificate."""
    key = new_key("rsa")
    now = dt.datetime.now(dt.timezone.utc)
    subject = name("Bench dummy TSA", "Bench")
    cert = build_certificate(subject=subject, public_key=key.public_key(), issuer=subject, issuer_key=key,
                             not_before=now - dt.timedelta(days=1), not_after=now + dt.timedelta(days=30),
                             usage="tsa")
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return DummyTimeStamper(tsa_cert=to_asn1(cert), tsa_key=asn1_keys.PrivateKeyInfo.load(der))


def _naive_sign(pdf: bytes, field: str, signer, timestamper) -> bytes:
    out = io.BytesIO()
    signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False),
                     signers.PdfSignatureMetadata(field_name=field), signer=signer,
                     timestamper=timestamper, output=out)
    return out.getvalue()


def _naive_seal(pdf: bytes, signer, timestamper) -> bytes:
    for index in range(len(ROUTE.signers)):
        pdf = _naive_sign(pdf, field_name(index), signer, timestamper)
    pdf = _naive_sign(pdf, SEAL_FIELD, signer, timestamper)
    out = io.BytesIO()
    signers.PdfTimeStamper(timestamper).timestamp_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False),
                                                      "sha256", output=out)
    return out.getvalue()


def _signing_rows() -> list[dict]:
    text, source = _sample_text()
    keys = demo_keys(BASE_URL)
    naive_signer = keys.seal.pyhanko_signer()
    dummy = _dummy_timestamper()
    rows: list[dict] = []
    with running_tsa(keys) as ts:
        for pages in (10, 200):
            original = render_text_pdf(text, min_pages=pages)
            prepared, sha = prepare(original, ROUTE, BASE_URL)
            tag = f"{pages} pages, {len(original) // 1000} kB, text: {source}"

            ours = _median_ms(lambda: sign_step(prepared, ROUTE, 0, keys, ts, sha), RUNS)
            naive = _median_ms(lambda: _naive_sign(prepared, field_name(0), naive_signer, dummy), NAIVE_RUNS)
            rows += [
                {"name": f"one signer's signature, bare: sign_step, own CA + HTTP TSA + evidence ({tag})", "value": ours, "unit": "ms",
                 "target": "<= 25" if pages == 10 else None, "ok": ours <= 25 if pages == 10 else None},
                {"name": f"  naive sign_pdf defaults + DummyTimeStamper ({pages} p)", "value": naive,
                 "unit": "ms"},
                {"name": f"  ours / naive ({pages} p)", "value": round(ours / naive, 3), "unit": "x"},
            ]

            signed = prepared
            for index in range(len(ROUTE.signers)):
                signed = sign_step(signed, ROUTE, index, keys, ts, sha)

            def whole():
                pdf = prepared
                for index in range(len(ROUTE.signers)):
                    pdf = sign_step(pdf, ROUTE, index, keys, ts, sha)
                return seal(pdf, keys=keys, timestamper=ts, document_sha256=sha)

            chain = _median_ms(whole, RUNS)
            seal_only = _median_ms(lambda: seal(signed, keys=keys, timestamper=ts, document_sha256=sha), RUNS)
            with_prepare = _median_ms(lambda: run_chain(original, ROUTE, keys, ts, BASE_URL), RUNS)
            naive_chain = _median_ms(lambda: _naive_seal(prepared, naive_signer, dummy), NAIVE_RUNS)
            rows += [
                {"name": f"sealing: 3 signers + e-sigill + DSS + doc timestamp ({tag})", "value": chain,
                 "unit": "ms", "target": "<= 150" if pages == 200 else None,
                 "ok": chain <= 150 if pages == 200 else None},
                {"name": f"  of which seal() alone: e-sigill + DSS + doc timestamp ({pages} p)",
                 "value": seal_only, "unit": "ms"},
                {"name": f"  run_chain incl. prepare (signature page) ({pages} p)", "value": with_prepare,
                 "unit": "ms"},
                {"name": f"  naive: 4 x sign_pdf + timestamp_pdf, DummyTimeStamper, no DSS ({pages} p)",
                 "value": naive_chain, "unit": "ms"},
                {"name": f"  ours / naive ({pages} p)", "value": round(chain / naive_chain, 3), "unit": "x"},
            ]
    return rows


def _hashing_rows() -> list[dict]:
    rows = hashing_bench.run()
    for row in rows:
        if row["unit"] == "%" and "sink" in row["name"]:
            row.update(target=">= 90", ok=row["value"] >= 90)
        elif row["name"].endswith("peak RSS"):
            row.update(target="< 64", ok=row["value"] < 64)
    return rows


def _print(rows: list[dict]) -> None:
    width = max(len(r["name"]) for r in rows)
    print(f"{'name':<{width}}  {'value':>9}  {'unit':<5} {'target':<7} ok?")
    print("-" * (width + 32))
    for r in rows:
        ok = {True: "ok", False: "MISSED", None: ""}[r.get("ok")]
        print(f"{r['name']:<{width}}  {r['value']:>9}  {r['unit']:<5} {r.get('target') or '':<7} {ok}")
    missed = [r["name"].strip() for r in rows if r.get("ok") is False]
    print()
    if missed:
        print("!!! MISSED TARGETS: " + "; ".join(missed) + " !!!")
    else:
        print("All targets met.")


def main() -> int:
    started = time.perf_counter()
    # The signer's click over HTTP first, on a machine not yet warmed by the rest (issue 15.1).
    rows = sign_request_bench.rows() + _signing_rows() + _hashing_rows() + tsa_bench.run()
    _print(rows)
    elapsed = round(time.perf_counter() - started, 1)
    print(f"(benchmark took {elapsed} s; medians over {RUNS} runs, naive over {NAIVE_RUNS})")
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", "latest.json"), "w", encoding="utf-8") as fh:
        json.dump({"when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                   "python": platform.python_version(), "machine": platform.machine(),
                   "cpus": os.cpu_count(), "seconds": elapsed, "rows": rows}, fh, ensure_ascii=False, indent=2)
    print()
    import load as load_bench  # noqa: E402  (bench/load.py: the server under wrk, issues 5.5 and 15.2)

    load_bench.main([])
    print()
    # How the costs grow (issue 15.3), on a quick set: a municipality's year and a twentieth of the
    # country's organisations over ten years. The full country: make bench-scale (about 20 min of
    # generating on PostgreSQL alone).
    import scale as scale_bench  # noqa: E402  (bench/scale.py)

    rows = scale_bench.run(country_scale=0.05, runs=5, log=lambda m: print(m, file=sys.stderr, flush=True))
    print(scale_bench.table(rows))
    missed = [r for r in rows if r.get("ok") is False]
    print("\nall within 1.5× of the empty database" if not missed else
          "\nMISSED (growth): " + "; ".join(f"{r['engine']} {r['dataset']} {r['label']}" for r in missed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
