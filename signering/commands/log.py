"""``signering log key`` and ``signering log monitor URL``.

``key`` prints the installation's log key (fingerprint, verifier key, PEM) for the operator to
publish; ``monitor`` checks a log from the outside (``translog.monitor``). Exit 0 when the log
checks out, 1 when a problem was found, 2 when it could not be asked.
"""

from __future__ import annotations

import json


def register(sub) -> None:
    p = sub.add_parser("log", help="Transparensloggen: nyckel och övervakning.")
    log_sub = p.add_subparsers(dest="log_command", metavar="COMMAND")
    log_sub.required = True
    key = log_sub.add_parser("key", help="visa installationens loggnyckel (fingeravtryck att publicera)")
    key.set_defaults(func=run_key)
    mon = log_sub.add_parser("monitor", help="hämta nya poster från loggen på URL och kontrollera dem")
    mon.add_argument("url", metavar="URL")
    mon.add_argument("--log-fingerprint", metavar="HEX", help="loggens nyckels fingeravtryck (SHA-256)")
    mon.add_argument("--log-key", metavar="FILE", help="loggens offentliga nyckel (PEM eller C2SP-verifieringsnyckel)")
    mon.add_argument("--state", metavar="FILE",
                     help="tillståndsfil mellan körningar (standard ~/.local/state/signering/monitor.json)")
    mon.add_argument("--fetch-files", action="store_true",
                     help="hämta också varje ny förseglad fil och kontrollera att den börjar med originalet")
    mon.add_argument("--json", action="store_true", help="skriv resultatet som JSON")
    mon.set_defaults(func=run_monitor)


def run_key(args) -> int:
    from ..runtime import services_from_env
    from ..translog.log_key import grouped, public_key_pem
    from ..translog.note import VerifierKey
    from ..workflow.translog_store import log_origin

    svc = services_from_env()
    signer = svc.log_signer
    with svc.db.read() as session:
        origin = log_origin(session, svc)
    print(f"origin: {origin}")
    print(f"fingerprint (SHA-256): {grouped(signer.fingerprint)}")
    print(f"verifier key: {VerifierKey(origin, signer.public_key).encode()}")
    print(public_key_pem(signer.public_key), end="")
    return 0


def run_monitor(args) -> int:
    from .verify import read_key_file
    from ..translog.client import LogPin, LogReader
    from ..translog.monitor import default_state_path, monitor

    pin = LogPin(fingerprint=args.log_fingerprint, public_key=read_key_file(args.log_key))
    report = monitor(LogReader(args.url, pin), args.state or default_state_path(), fetch_files=args.fetch_files)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(f"{report.origin}: {report.tree_size} entries ({report.new_entries} new"
              f"{f', {report.files_checked} files checked' if args.fetch_files else ''})")
        for problem in report.problems:
            print(f"  Problem [{problem.code}]: {problem.message}")
    return 1 if report.problems else 0
