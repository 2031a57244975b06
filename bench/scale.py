"""How the service's costs grow with the registry (issue 15.3): the same requests on an empty
database and on generated years of registry (``bench/generate.py``), on SQLite and PostgreSQL.

Measured in process through the Flask test client (no HTTP, no other load generator), each figure
the median of ``runs`` requests after one warm-up:

* verify by hash (``/api/v1/verify/<sha>``), the anslagstavla and its archive search, the staff
  protocol list, the log's inclusion and consistency proofs;
* finalize (a real PDF uploaded through ``POST /api/v1/protocols``) and one signer's
  ``POST /api/v1/sign/<token>`` (the last signer's, which also seals and appends to the log, apart);
* backup and restore (``signering.backup``/``signering.restore``, what the commands run; per row,
  since both read or write every row by design), and the database's size.

The ratio is the figure over the empty database's in the same run and engine; over 1.5 is
MISSED. JSON goes to ``bench/results/scale.json``.

    .venv/bin/python bench/scale.py [--country-scale 1.0] [--engines sqlite,postgresql] [--runs 15]
"""

from __future__ import annotations

import argparse
import contextlib
import math
import io
import json
import os
import re
import shutil
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))  # pg.py: a throwaway PostgreSQL cluster

from sqlalchemy import func, select, text  # noqa: E402

import generate  # noqa: E402  (bench/generate.py)
from run import _median_ms  # noqa: E402  (bench/run.py: one warm-up, then the median)
from signering.accounts import create_api_token, organisation  # noqa: E402
from signering.models import Board, OutboxMail, Protocol  # noqa: E402
from signering.textpdf import render_text_pdf  # noqa: E402

RESULTS = os.path.join(HERE, "results")
LIMIT = 1.5
#: (key, label, unit); the order of the table
METRICS = [
    ("verify", "verify by hash", "ms"),
    ("board", "anslagstavla", "ms"),
    ("archive", "archive search*", "ms"),
    ("archive_none", "archive search, no match", "ms"),
    ("staff_list", "staff protocol list*", "ms"),
    ("inclusion", "log inclusion proof†", "ms"),
    ("consistency", "log consistency proof†", "ms"),
    ("finalize", "finalize (upload)", "ms"),
    ("sign", "sign (one signer)", "ms"),
    ("sign_seal", "sign, last (seal + log)", "ms"),
    ("backup", "backup per 1000 rows*", "ms"),
    ("restore", "restore per 1000 rows*", "ms"),
    ("size", "database size", "MB"),
]
#: figures that grow with the data by nature: printed with their ratio, never MISSED
LINEAR = {"size"}
#: backup and restore read or write every row, and on a nearly empty database their fixed costs
#: (the migrations, the blobs) dominate: their cost per row is compared with the first filled set.
#: So is the archive search that finds notices: the empty database's archive is empty, so its page
#: has no rows to show, while every filled set's holds a full page (50); the search's own growth,
#: a query matching nothing and so reading every notice of the organisation, is judged against empty.
#: The staff list likewise: the empty database's first page lists its 4 protocols, a filled one's 25.
FROM_FILLED = {"backup", "restore", "archive", "staff_list"}
#: a proof holds one hash per level of the tree: it may grow with log2 of the log's size (the
#: issue's "the proofs logarithmic"), so its limit is LIMIT times the growth of log2(size)
LOGARITHMIC = {"inclusion", "consistency"}
SIGNERS = [("sekreterare", "Siv Sekreterare"), ("ordforande", "Olle Ordförande"), ("justerare", "Jana Justerare")]


@contextlib.contextmanager
def _database(engine: str, directory: str):
    if engine == "sqlite":
        yield f"sqlite:///{directory}/signering.sqlite3"
        return
    from pg import fresh_database

    with fresh_database("signering_scale") as url:
        yield url


def _db_size(url: str, directory: str, db) -> int:
    if url.startswith("sqlite"):
        return sum(os.path.getsize(os.path.join(directory, f)) for f in os.listdir(directory)
                   if f.startswith("signering.sqlite3"))
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one()


def _app(url: str, instance: str):
    from web.app import create_app

    app = create_app({"DATABASE_URL": url, "DATA_DIR": os.path.join(instance, "blobs"), "INSTANCE_DIR": instance,
                      "SECRET_KEY": b"s" * 32, "BASE_URL": "http://localhost", "WTF_CSRF_ENABLED": False})
    app.config["TESTING"] = True
    app.config["WTF_CSRF_ENABLED"] = False
    return app


def _mails(svc, address: str) -> list[str]:
    with svc.db.read() as session:
        rows = session.execute(select(OutboxMail).filter_by(to=address).order_by(OutboxMail.id)).scalars().all()
        return [svc.box.open(r.body) or "" for r in rows]


def _found(svc, address: str, pattern: str, skip: str | None = None) -> str:
    for body in reversed(_mails(svc, address)):
        hit = re.search(pattern, body)
        if hit and (skip is None or skip not in body):
            return hit.group(1)
    raise RuntimeError(f"no mail to {address} matching {pattern}")


def _flow(app, svc, token: str, board: str, slug: str, number: int) -> dict:
    """One real protocol: upload, then each signer in turn; the last signature seals and posts it."""
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    # The time in the text makes every run's PDFs new: a database measured again (--existing)
    # refuses a file it has already signed.
    pdf = render_text_pdf(f"Protokoll {number} för mätning av tillväxt ({time.time_ns()})\n\n§ 1 Mötet öppnas.\n"
                          f"§ 2 Beslut {number}.")
    people = [{"name": name, "role": role, "email": f"{role}.{number}@{slug}.example.se"} for role, name in SIGNERS]
    meta = {"board": board, "meeting_date": "2025-04-08", "confirm_late": True, "signers": people}
    start = time.perf_counter()
    created = client.post("/api/v1/protocols", data={"metadata": json.dumps(meta), "file": (
        io.BytesIO(pdf), "protokoll.pdf", "application/pdf")}, headers=auth,
        content_type="multipart/form-data")
    finalize = time.perf_counter() - start
    assert created.status_code == 201, created.get_json()
    signs = []
    for person in people:
        link = _found(svc, person["email"], r"/signera/([A-Za-z0-9_-]+)")
        assert client.post(f"/api/v1/sign/{link}/code").status_code == 202
        code = _found(svc, person["email"], r"\b(\d{6})\b", skip="/signera/")
        start = time.perf_counter()
        done = client.post(f"/api/v1/sign/{link}", json={"code": code, "decision": "sign"})
        signs.append(time.perf_counter() - start)
        assert done.status_code == 200, done.get_json()
    body = client.get(f"/api/v1/protocols/{created.get_json()['id']}", headers=auth).get_json()
    assert body["status"] == "posted", body
    return {"finalize": finalize, "signs": signs, "original": body["sha256"], "sealed": body["sealed_sha256"]}


def measure(url: str, instance: str, made: dict, *, runs: int, flows: int = 3, backup: bool = True, log=print) -> dict:
    """Every figure of :data:`METRICS` on the database ``made`` by the generator at ``url``."""
    app = _app(url, instance)
    svc = app.extensions["signering"]
    slug = made["org"]
    with svc.db.write() as session:
        org = organisation(session, slug)
        token = create_api_token(session, org, "Tillväxtmätning")
        board = session.execute(select(Board.name).filter_by(organisation_id=org.id).order_by(Board.id).limit(1)
                                ).scalar_one()
    results = {}
    done = [_flow(app, svc, token, board, slug, n) for n in range(flows + 1)][1:]  # the first warms up
    results["finalize"] = round(1000 * statistics.median(d["finalize"] for d in done), 2)
    results["sign"] = round(1000 * statistics.median(s for d in done for s in d["signs"][:-1]), 2)
    results["sign_seal"] = round(1000 * statistics.median(d["signs"][-1] for d in done), 2)
    sha = done[-1]["original"]
    client = app.test_client()

    def ok(path: str):
        def call():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True)[:300])
        return call

    results["verify"] = _median_ms(ok(f"/api/v1/verify/{sha}"), runs)
    results["board"] = _median_ms(ok(f"/{slug}/anslagstavla"), runs)
    results["archive"] = _median_ms(ok(f"/{slug}/anslagstavla/arkiv?q=n%C3%A4mnden"), runs)
    results["archive_none"] = _median_ms(ok(f"/{slug}/anslagstavla/arkiv?q=%C3%A4lgj%C3%A4gare"), runs)
    size = client.get("/api/v1/log/head").get_json()["tree_size"]
    results["inclusion"] = _median_ms(ok(f"/api/v1/log/proof/{done[-1]['sealed']}"), runs)
    results["consistency"] = _median_ms(ok(f"/api/v1/log/consistency?from={max(1, size // 2)}&to={size}"), runs)
    staff = app.test_client()
    login = staff.post("/sekreterare/logga-in", data={"email": made["staff_email"], "password": made["staff_password"]})
    assert login.status_code == 303, login.get_data(as_text=True)[:500]

    def staff_list():
        response = staff.get("/sekreterare/")
        assert response.status_code == 200, response.status_code
    results["staff_list"] = _median_ms(staff_list, runs)
    if backup:
        results.update(_backup_restore(svc, url, instance))
    results["size"] = round(_db_size(url, instance, svc.db) / 1e6, 1)
    with svc.db.read() as session:
        results["protocols"] = session.execute(select(func.count(Protocol.id))).scalar_one()
    results["log_size"] = size
    svc.db.dispose()
    return results


def _backup_restore(svc, url: str, instance: str) -> dict:
    from signering.backup import backup
    from signering.backup_key import BackupKey
    from signering.db import Database
    from signering.restore import restore
    from signering.storage import BlobStore

    key = BackupKey.load(os.path.join(instance, "backup_key"), create=True)
    target = os.path.join(instance, "backup")
    shutil.rmtree(target, ignore_errors=True)
    start = time.perf_counter()
    manifest = backup(svc.db, svc.blobs, target, key)
    backup_s = time.perf_counter() - start
    rows = sum(manifest["tables"].values())
    restored_dir = os.path.join(instance, "restored")
    shutil.rmtree(restored_dir, ignore_errors=True)
    os.makedirs(restored_dir)
    with _database("sqlite" if url.startswith("sqlite") else "postgresql", restored_dir) as restored_url:
        db = Database(restored_url)
        start = time.perf_counter()
        restore(db, BlobStore(os.path.join(restored_dir, "blobs")), target, key)
        restore_s = time.perf_counter() - start
        db.dispose()
    shutil.rmtree(restored_dir, ignore_errors=True)
    shutil.rmtree(target, ignore_errors=True)
    return {"backup": round(1e6 * backup_s / rows, 2), "restore": round(1e6 * restore_s / rows, 2),
            "backup_s": round(backup_s, 1), "restore_s": round(restore_s, 1), "rows": rows}


def run(engines=("sqlite", "postgresql"), datasets=("empty", "municipality", "country"), *, scale: float = 1.0,
        country_scale: float = 1.0, runs: int = 15, log=print) -> list[dict]:
    """One row per (engine, dataset, metric): value, unit, ratio to the empty database, ok."""
    rows = []
    for engine in engines:
        baseline, filled = {}, {}
        for dataset in datasets:
            directory = os.path.join(RESULTS, "scale", f"{engine}-{dataset}")
            shutil.rmtree(directory, ignore_errors=True)
            os.makedirs(directory)
            with _database(engine, directory) as url:
                log(f"{engine} {dataset}: generating")
                made = generate.generate(url, directory, profile=dataset,
                                         scale=country_scale if dataset == "country" else scale, log=log)
                log(f"{engine} {dataset}: {made['rows'].get('protocol', 0)} protocols made in {made['seconds']} s;"
                    " measuring")
                figures = measure(url, directory, made, runs=runs, log=log)
            shutil.rmtree(directory, ignore_errors=True)
            if dataset == "empty":
                baseline = figures
            elif not filled:
                filled = figures
            for key, label, unit in METRICS:
                base = filled if key in FROM_FILLED else baseline
                ratio = round(figures[key] / base[key], 2) if base.get(key) and base is not figures else None
                limit = LIMIT
                if key in LOGARITHMIC and ratio is not None:
                    limit = LIMIT * math.log2(max(figures["log_size"], 2)) / math.log2(max(base["log_size"], 2))
                rows.append({"engine": engine, "dataset": dataset, "metric": key, "label": label, "unit": unit,
                             "value": figures[key], "ratio": ratio, "limit": round(limit, 2),
                             "ok": None if key in LINEAR or ratio is None else ratio <= limit,
                             "protocols": figures["protocols"], "log_size": figures["log_size"],
                             "generate_s": made["seconds"], "rows": figures["rows"],
                             "backup_s": figures["backup_s"], "restore_s": figures["restore_s"]})
    return rows


def table(rows: list[dict]) -> str:
    """The growth table: one line per metric, one column per (engine, dataset)."""
    columns = sorted({(r["engine"], r["dataset"]) for r in rows}, key=lambda c: (
        c[0], ["empty", "municipality", "country"].index(c[1]) if c[1] in ("empty", "municipality", "country") else 9))
    cell = {(r["engine"], r["dataset"], r["metric"]): r for r in rows}
    lines = ["%-26s" % "" + "".join("%-24s" % f"{e} {d}" for e, d in columns)]
    first = {c: next(r for r in rows if (r["engine"], r["dataset"]) == c) for c in columns}
    lines.append("%-26s" % "protocols / log entries" + "".join(
        "%-24s" % f"{first[c]['protocols']} / {first[c]['log_size']}" for c in columns))
    lines.append("%-26s" % "generated in / rows" + "".join(
        "%-24s" % f"{first[c]['generate_s']} s / {first[c]['rows']}" for c in columns))
    for key, label, unit in METRICS:
        parts = []
        for c in columns:
            r = cell.get((*c, key))
            if r is None:
                parts.append("%-24s" % "-")
                continue
            text_ = f"{r['value']} {unit}"
            if r["dataset"] != "empty" and r["ratio"] is not None:
                text_ += f" ×{r['ratio']}" + (" MISSED" if r["ok"] is False else "")
            parts.append("%-24s" % text_)
        lines.append("%-26s" % label + "".join(parts))
    lines.append("%-26s" % "backup / restore, whole" + "".join(
        "%-24s" % f"{first[c]['backup_s']} s / {first[c]['restore_s']} s" for c in columns))
    lines.append("* ratio to the first filled set (the empty one is all fixed cost, or an empty page); "
                 "database size is not judged; "
                 "† may grow with log2 of the log's size: limit 1.5 × log2(size) / log2(empty size)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--datasets", default="empty,municipality,country")
    parser.add_argument("--scale", type=float, default=1.0, help="of the municipality's year")
    parser.add_argument("--country-scale", type=float, default=1.0, help="of the country's organisations")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--existing", metavar="DIR", help="measure a database generate.py already made: DIR is its "
                        "instance directory, holding made.json (generate.py's output); --db names it if not SQLite")
    parser.add_argument("--db", help="with --existing: the database URL")
    parser.add_argument("--no-backup", action="store_true", help="with --existing: skip backup and restore")
    args = parser.parse_args(argv)
    if args.existing:
        with open(os.path.join(args.existing, "made.json"), encoding="utf-8") as fh:
            made = json.load(fh)
        url = args.db or f"sqlite:///{os.path.abspath(args.existing)}/signering.sqlite3"
        print(json.dumps(measure(url, args.existing, made, runs=args.runs, backup=not args.no_backup), indent=2))
        return 0
    rows = run(tuple(args.engines.split(",")), tuple(args.datasets.split(",")), scale=args.scale,
               country_scale=args.country_scale, runs=args.runs, log=lambda m: print(m, file=sys.stderr, flush=True))
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "scale.json"), "w", encoding="utf-8") as fh:
        json.dump(rows, fh, indent=2, ensure_ascii=False)
    print(table(rows))
    missed = [f"{r['engine']} {r['dataset']} {r['label']}" for r in rows if r["ok"] is False]
    print("\nall within 1.5× of the empty database" if not missed else "\nMISSED: " + "; ".join(missed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
