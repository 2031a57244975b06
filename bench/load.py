"""Load benchmark (issues 5.5 and 15.2): the production server (``signering serve``: gunicorn,
2 workers, plus the background worker) on 127.0.0.1, driven by ``wrk`` from a second process.

The ceiling is a bare Flask app with no middleware answering a constant (``bench/bare_app.py``),
started with the same gunicorn settings as ``signering serve`` in the same run, so the ratios
hold on a busy machine and charge the app with all it adds. Each figure is the median of three
runs. Targets: ``/api/v1/verify/<sha256>`` >= 70 % of the ceiling with p99 < 50 ms at 64
connections; the anslagstavla with 200 current notices >= 50 % of the ceiling; a mixed run
(public reads from wrk plus 20 signing flows over the API) with zero errors and every flow
posted. Missing a target does not fail the run; it is printed as MISSED. JSON goes to
``bench/results/load.json``, the server's log to ``bench/results/load-server.log``. All traffic
stays on 127.0.0.1.

    .venv/bin/python bench/load.py [--mixed-seconds 60]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))  # SmtpServer: a real SMTP server for the signers' mail

from smtp_server import SmtpServer  # noqa: E402

from signering.commands.serve import gunicorn_argv  # noqa: E402
from signering.textpdf import render_text_pdf  # noqa: E402

ORG = "bench"
BOARD = "Kommunstyrelsen"
NOTICES = 200
CONNECTIONS = 64
SECONDS = 10
RUNS = 3  # each figure is the median of this many wrk runs
FLOWS = 20
ROLES = ("sekreterare", "ordforande", "justerare")  # a real protocol: three signers in order
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/signera/[A-Za-z0-9_\-]+)")
CODE = re.compile(r"\b(\d{6})\b")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Instance:
    """A throwaway instance directory, its CLI, and the server process group."""

    def __init__(self, root: str, smtp_port: int, database_url: str | None = None):
        self.root = root
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ,
                    "SIGNERING_INSTANCE_DIR": os.path.join(root, "instance"),
                    "SIGNERING_BASE_URL": self.base_url,
                    "SIGNERING_SECRET_KEY": secrets.token_hex(32),
                    "SIGNERING_SMTP_HOST": "127.0.0.1",
                    "SIGNERING_SMTP_PORT": str(smtp_port),
                    "SIGNERING_SMTP_FROM": "signering@bench.example"}
        self.env.pop("SIGNERING_DATABASE_URL", None)  # SQLite in the instance dir, as a small kommun runs it
        if database_url:
            self.env["SIGNERING_DATABASE_URL"] = database_url
        self.proc: subprocess.Popen | None = None
        self.log_path = os.path.join(root, "server.log")

    def cli(self, *args: str) -> str:
        proc = subprocess.run([sys.executable, "-m", "signering.cli", *args], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"signering {' '.join(args)} failed: {proc.stdout}\n{proc.stderr}")
        return proc.stdout

    def start(self) -> None:
        self.proc = _spawn([sys.executable, "-m", "signering.cli", "serve", "--port", str(self.port)], self.env,
                           self.log_path, self.base_url + "/healthz", "server")

    def stop(self) -> None:
        _stop(self.proc)  # serve stops gunicorn and the worker itself


def _spawn(argv: list[str], env: dict, log_path: str, probe: str, what: str) -> subprocess.Popen:
    """Start ``argv`` in its own process group, logging to ``log_path``; return once ``probe`` answers 200."""
    # The access log goes to a file: a pipe nobody reads would stall gunicorn under load.
    log = open(log_path, "wb")
    proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        try:
            if requests.get(probe, timeout=5).status_code == 200:
                return proc
        except requests.RequestException:
            time.sleep(0.2)
    _stop(proc)
    raise RuntimeError(f"the {what} did not start; see {log_path}")


def _stop(proc: subprocess.Popen | None) -> None:
    """Ask the process to stop, then take down anything of its group left behind (gunicorn
    workers after a crash)."""
    if proc is None:
        return
    if proc.poll() is None:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=25)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


class BareServer:
    """``bench/bare_app.py`` under ``signering serve``'s own gunicorn command line."""

    def __init__(self, root: str):
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(root, "bare.log")
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        argv = gunicorn_argv("127.0.0.1", self.port, 2)
        argv[argv.index("web.wsgi:app")] = "bare_app:app"
        # Run from the project root (for gunicorn's logger class in web/) with bench/ importable.
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([HERE, ROOT])}
        self.proc = _spawn(argv, env, self.log_path, self.base_url + "/", "bare app")

    def stop(self) -> None:
        _stop(self.proc)


def _seed(instance: Instance) -> list[str]:
    """200 current notices, each with a sealed protocol version, written through the models.

    Returns the sealed hashes (what a citizen verifying a downloaded PDF would look up).
    """
    from signering.models import Board, Notice, Organisation, Protocol, ProtocolVersion, SignatureRequest
    from signering.runtime import services_from_env

    saved = dict(os.environ)
    os.environ.update({k: v for k, v in instance.env.items() if k.startswith("SIGNERING_")})
    try:
        svc = services_from_env()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    today = svc.today()
    sealed_hashes = []
    with svc.db.write() as session:
        org = session.query(Organisation).filter_by(slug=ORG).one()
        board = session.query(Board).filter_by(organisation_id=org.id, name=BOARD).one()
        for i in range(NOTICES):
            meeting = today - dt.timedelta(days=1 + i % 14)
            original = hashlib.sha256(f"bench original {i}".encode()).hexdigest()
            sealed = hashlib.sha256(f"bench sealed {i}".encode()).hexdigest()
            sealed_hashes.append(sealed)
            protocol = Protocol(organisation_id=org.id, board_id=board.id, meeting_date=meeting, status="posted",
                                created_by="bench")
            session.add(protocol)
            session.flush()
            version = ProtocolVersion(protocol_id=protocol.id, number=1, original_sha256=original,
                                      original_size=100_000, page_count=12, working_sha256=sealed,
                                      sealed_sha256=sealed, sealed_at=dt.datetime.now(dt.timezone.utc))
            session.add(version)
            session.flush()
            names = [("Anna Sekreterare", "sekreterare"), ("Örjan Ordförande", "ordforande"),
                     ("Åsa Justerare", "justerare")]
            for pos, (who, role) in enumerate(names):
                session.add(SignatureRequest(version_id=version.id, position=pos, name=who,
                                             email=f"s{pos}@bench.example", role=role, status="signed",
                                             signed_at=dt.datetime.now(dt.timezone.utc)))
            session.add(Notice(organisation_id=org.id, protocol_id=protocol.id, kind="bevis_om_justering",
                               title=f"{BOARD}, sammanträde {meeting.isoformat()} ({i + 1})",
                               body="Protokollet är justerat.\n\nÖverklagande inom tre veckor.",
                               board_name=BOARD, meeting_date=meeting, justering_date=today, posted_date=today,
                               appeal_last_day=today + dt.timedelta(days=21),
                               takedown_date=today + dt.timedelta(days=21), forvaringsplats="Kommunhuset",
                               signers=[{"name": n, "role": r} for n, r in names], status="posted"))
    return sealed_hashes


# ---------------------------------------------------------------- wrk

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse_wrk(out: str) -> dict:
    """Requests/s, p50/p99 in ms, requests, non-2xx/3xx and socket errors from ``wrk --latency``."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    pct = {p: _ms(v) for p, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M)}
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"rps": round(rps, 1), "p50_ms": round(pct["50"], 2), "p99_ms": round(pct["99"], 2),
            "requests": total, "non_2xx_3xx": int(bad.group(1)) if bad else 0,
            "socket_errors": sum(int(x) for x in sock.groups()) if sock else 0,
            "socket_error_kinds": dict(zip(("connect", "read", "write", "timeout"),
                                           (int(x) for x in sock.groups()))) if sock else {}}


def wrk(url: str, seconds: int, connections: int = CONNECTIONS, script: str | None = None) -> dict:
    argv = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script:
        argv += ["-s", script]
    proc = subprocess.run(argv + [url], capture_output=True, text=True, timeout=seconds + 60)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed: {proc.stderr}")
    return parse_wrk(proc.stdout)


def _median_of(results: list[dict], ceilings: list[dict]) -> dict:
    """Requests/s, p99 and the ratio to the ceiling run of the same round, each the median over
    the rounds; every round's figures are kept."""
    def median(values):
        return sorted(values)[len(values) // 2]
    out = dict(sorted(results, key=lambda r: r["rps"])[len(results) // 2])
    out["p99_ms"] = median([r["p99_ms"] for r in results])
    out["ratio"] = round(median([r["rps"] / c["rps"] for r, c in zip(results, ceilings)]), 2)
    out["runs_rps"] = [r["rps"] for r in results]
    out["runs_p99_ms"] = [r["p99_ms"] for r in results]
    return out


def drain(base_url: str, limit: float = 120) -> None:
    """Wait until the server has worked off what wrk left queued: a slow page's backlog would
    otherwise be charged to the next row."""
    deadline = time.monotonic() + limit
    quick = 0
    while quick < 3 and time.monotonic() < deadline:
        t = time.perf_counter()
        try:
            requests.get(base_url + "/healthz", timeout=limit)
        except requests.RequestException:
            pass
        quick = quick + 1 if time.perf_counter() - t < 0.02 else 0
        time.sleep(0.1)


def _rotation_script(path: str, urls: list[str]) -> str:
    """A wrk Lua script cycling through ``urls`` (paths), one per request."""
    items = ",\n".join(json.dumps(u) for u in urls)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("local paths = {\n" + items + "\n}\nlocal i = 0\n"
                 "request = function()\n  i = i + 1\n"
                 "  return wrk.format('GET', paths[(i % #paths) + 1])\nend\n")
    return path


# ---------------------------------------------------------------- signing flows

class FlowDriver:
    """Completes signing flows the way a meeting system and its signers do, over HTTP."""

    def __init__(self, base_url: str, token: str, smtp: SmtpServer):
        self.base_url, self.smtp = base_url, smtp
        self.auth = {"Authorization": f"Bearer {token}"}
        self.errors: list[str] = []
        self.completed = 0
        self.requests = 0
        self.durations: list[float] = []
        self._lock = threading.Lock()

    def _call(self, http: requests.Session, method: str, url: str, expect: int, **kw) -> requests.Response:
        r = http.request(method, url, timeout=120, **kw)
        with self._lock:
            self.requests += 1
            if not 200 <= r.status_code < 300 or r.status_code != expect:
                title = re.search(r"<title>(.*?)</title>", r.text, re.S)  # an HTML error page: its title
                detail = " ".join((title.group(1) if title else r.text).split())[:160]
                self.errors.append(f"{method} {url.split('127.0.0.1')[-1]} -> {r.status_code} {detail}")
        if r.status_code != expect:
            raise RuntimeError(self.errors[-1])
        return r

    def _mail(self, address: str, want_link: bool) -> str:
        def match(m):
            text = m.text or ""
            return address in m.to and (bool(LINK.search(text)) if want_link
                                        else "/signera/" not in text and bool(CODE.search(text)))
        text = self.smtp.wait_for(match, timeout=120).text
        return (LINK if want_link else CODE).search(text).group(1)

    def flow(self, n: int) -> None:
        started = time.perf_counter()
        signers = [{"name": f"Person {n}-{i}", "email": f"flow{n}-{role}@bench.example", "role": role}
                   for i, role in enumerate(ROLES)]
        pdf = render_text_pdf(f"{BOARD}\n\nSammanträde\n\n§ 1 Ärende {n}\n\nBeslut: bifall.\n")
        meta = {"board": BOARD, "meeting_date": dt.date.today().isoformat(), "signers": signers}
        try:
            with requests.Session() as http:
                created = self._call(http, "POST", self.base_url + "/api/v1/protocols", 201, headers=self.auth,
                                     files={"file": (f"protokoll-{n}.pdf", pdf, "application/pdf")},
                                     data={"metadata": json.dumps(meta)}).json()
                for person in signers:
                    link = self._mail(person["email"], want_link=True)
                    self._call(http, "GET", link, 200)  # the signer opens the page
                    token = link.rsplit("/", 1)[1]
                    self._call(http, "POST", f"{self.base_url}/api/v1/sign/{token}/code", 202)
                    code = self._mail(person["email"], want_link=False)
                    self._call(http, "POST", f"{self.base_url}/api/v1/sign/{token}", 200,
                               json={"code": code, "decision": "sign"})
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    state = self._call(http, "GET", f"{self.base_url}/api/v1/protocols/{created['id']}", 200,
                                       headers=self.auth).json()
                    if state["status"] == "posted":
                        with self._lock:
                            self.completed += 1
                            self.durations.append(time.perf_counter() - started)
                        return
                    time.sleep(0.5)
                with self._lock:
                    self.errors.append(f"flow {n}: not posted within 120 s (status {state['status']})")
        except Exception as exc:  # noqa: BLE001 — counted and reported, the other flows go on
            with self._lock:
                if not self.errors or str(exc) != self.errors[-1]:
                    self.errors.append(f"flow {n}: {exc}")

    def run(self, flows: int) -> None:
        threads = [threading.Thread(target=self.flow, args=(n,)) for n in range(flows)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()


# ---------------------------------------------------------------- report

def _row(name, result, target, ok) -> dict:
    row = {"name": name, "rps": result["rps"], "p99_ms": result["p99_ms"],
           "ratio": result.get("ratio"), "target": target, "ok": ok,
           "requests": result["requests"], "errors": result["non_2xx_3xx"] + result["socket_errors"]}
    if "runs_rps" in result:
        row.update(runs_rps=result["runs_rps"], runs_p99_ms=result["runs_p99_ms"])
    return row


def _print(rows: list[dict]) -> None:
    width = max(len(r["name"]) for r in rows)
    print(f"{'name':<{width}}  {'req/s':>8}  {'p99 ms':>7}  {'ratio':>5}  {'target':<28} ok?")
    print("-" * (width + 62))
    for r in rows:
        ok = {True: "ok", False: "MISSED", None: ""}[r["ok"]]
        ratio = "" if r["ratio"] is None else f"{r['ratio']:.2f}"
        print(f"{r['name']:<{width}}  {r['rps']:>8.1f}  {r['p99_ms']:>7.1f}  {ratio:>5}  {r['target'] or '':<28} {ok}")
    missed = [r["name"] for r in rows if r["ok"] is False]
    print()
    print("!!! MISSED LOAD TARGETS: " + "; ".join(missed) + " !!!" if missed else "All load targets met.")


def run(mixed_seconds: int = 60) -> dict:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is missing: apt-get install wrk (make system-deps)")
    started = time.perf_counter()
    root = tempfile.mkdtemp(prefix="signering-load-")
    smtp = SmtpServer().start()
    instance = Instance(root, smtp.port)
    try:
        instance.cli("init")
        instance.cli("org", "create", ORG, "--name", "Benchkommun", "--demo-keys")
        instance.cli("board", "create", "--org", ORG, "--name", BOARD, "--forvaringsplats", "Kommunhuset")
        token = instance.cli("api-token", "create", "--org", ORG, "--name", "bench").strip().splitlines()[-1]
        sealed = _seed(instance)
        instance.start()
        base = instance.base_url
        verify_url = f"{base}/api/v1/verify/{sealed[NOTICES // 2]}"
        board_url = f"{base}/{ORG}/anslagstavla"
        assert requests.get(verify_url, timeout=10).json()["status"] == "sealed", "seeded hash not found"
        page = requests.get(board_url, timeout=10)
        # The board is paged (20 a page); its first page must say all 200 are up.
        assert page.status_code == 200 and f"{NOTICES} anslag" in page.text, "board lacks notices"

        # The ceiling and the app's rows take turns, round after round, so a machine that slows down
        # or speeds up during the run moves both sides of each ratio alike.
        bare = BareServer(root)
        bare.start()
        targets = {"ceiling": (bare.base_url, "/"), "healthz": (base, "/healthz"),
                   "verify": (base, verify_url[len(base):]), "board": (base, board_url[len(base):]),
                   "redirect": (base, "/anslagstavla")}
        try:
            for server, path in targets.values():
                wrk(server + path, 2)  # warm-up: imports, templates, the database's page cache
                drain(server)
            runs: dict[str, list[dict]] = {key: [] for key in targets}
            for _ in range(RUNS):
                for key, (server, path) in targets.items():
                    runs[key].append(wrk(server + path, SECONDS))
                    drain(server)
        finally:
            bare.stop()
        measured = {key: _median_of(results, runs["ceiling"]) for key, results in runs.items()}
        ceiling, healthz, verify, board, redirect = (measured[k] for k in targets)
        rows = [
            _row("bare Flask app, same gunicorn settings (ceiling)", ceiling, "", None),
            _row("/healthz (the app's own middleware)", healthz, "", None),
            _row("/api/v1/verify/<sha256>", verify, ">=0.70 x ceiling, p99<50ms",
                 verify["ratio"] >= 0.70 and verify["p99_ms"] < 50),
            _row(f"/{ORG}/anslagstavla ({NOTICES} notices)", board, ">=0.50 x ceiling", board["ratio"] >= 0.50),
            _row("/anslagstavla (302 to the board)", redirect, "", None),
        ]

        # Mixed: public reads (verify, board, notice JSON, verify page) while 20 flows run to the end.
        paths = []
        for i, sha in enumerate(sealed[:50]):
            paths.append(f"/api/v1/verify/{sha}")
            paths.append(f"/verifiera/{sha}" if i % 2 else "/api/v1/notices")
            if i % 5 == 0:
                paths.append(f"/{ORG}/anslagstavla")
        script = _rotation_script(os.path.join(root, "mixed.lua"), paths)
        driver = FlowDriver(base, token, smtp)
        reads: dict = {}
        reader = threading.Thread(target=lambda: reads.update(wrk(base + "/", mixed_seconds, script=script)))
        reader.start()
        time.sleep(1)  # wrk has its connections up before the flows start
        flows_started = time.perf_counter()
        driver.run(FLOWS)
        flows_seconds = time.perf_counter() - flows_started
        reader.join()
        errors = reads["non_2xx_3xx"] + reads["socket_errors"] + len(driver.errors)
        mixed = _row(f"mixed {mixed_seconds}s: reads + {FLOWS} flows", reads,
                     f"0 errors, {FLOWS}/{FLOWS} flows posted", errors == 0 and driver.completed == FLOWS)
        mixed.update(errors=errors, read_errors=reads["non_2xx_3xx"] + reads["socket_errors"],
                     read_error_kinds={"non_2xx_3xx": reads["non_2xx_3xx"], **reads["socket_error_kinds"]},
                     flow_errors=driver.errors[:20], flows_completed=driver.completed, flows=FLOWS,
                     signers_per_flow=len(ROLES), flow_requests=driver.requests,
                     flows_wall_seconds=round(flows_seconds, 1),
                     flow_seconds_max=round(max(driver.durations), 1) if driver.durations else None)
        rows.append(mixed)
        _print(rows)
        print(f"mixed: {driver.completed}/{FLOWS} flows posted ({len(ROLES)} signers each, "
              f"{driver.requests} flow requests) in {flows_seconds:.1f} s; "
              f"{mixed['read_errors']} read errors, {len(driver.errors)} flow errors")
        for e in driver.errors[:5]:
            print("   ", e)
        elapsed = round(time.perf_counter() - started, 1)
        print(f"(load benchmark took {elapsed} s; wrk -t2 -c{CONNECTIONS} -d{SECONDS}s, median of {RUNS} runs "
              f"per row; gunicorn 2 workers gthread x4 threads as `signering serve`, SQLite)")
        result = {"when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                  "python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
                  "seconds": elapsed, "connections": CONNECTIONS, "rows": rows}
        os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
        with open(os.path.join(HERE, "results", "load.json"), "w", encoding="utf-8") as fh:
            json.dump(result, fh, ensure_ascii=False, indent=2)
        return result
    finally:
        instance.stop()
        smtp.stop()
        # The server's log (access lines and any traceback) outlives the instance, for the 500s.
        with contextlib.suppress(OSError):
            os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
            shutil.copyfile(instance.log_path, os.path.join(HERE, "results", "load-server.log"))
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mixed-seconds", type=int, default=60)
    args = parser.parse_args(argv)
    run(args.mixed_seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
