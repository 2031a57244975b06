"""``signering verify FILE [--json] [--at DATE] [--trust CERT.pem ...] [--log URL (--log-fingerprint HEX | --log-key FILE)
[--witness KEY ...] [--witness-checkpoint FILE ...]]``.

Checks a sealed protocol offline (the verification use case, ``verification.usecase``) as of
``--at`` (default now), judging each signature by ETSI EN 319 102-1 too, and prints each finding
in the user's language (``SIGNERING_LANG``), times in Swedish local time. With ``--log`` it also fetches
the transparency log's signed tree head and inclusion proof for the file and checks them
locally; a file the log does not hold is invalid. Exit 0 when valid, 1 when invalid, 2 when the file (or the log) cannot be read.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from zoneinfo import ZoneInfo

from ..clock import swedish_time
from ..errors import InputError
from ..pki.certs import to_asn1
from ..pki.keys import DEMO_DIR, load_certificates
from ..route import Role
from ..verification.report import VerificationReport
from ..verification.usecase import LogTarget, verify_file


def register(sub) -> None:
    p = sub.add_parser("verify", help="Kontrollera ett signerat protokoll (offline).")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--json", action="store_true", help="skriv resultatet som JSON")
    p.add_argument("--at", metavar="DATE",
                   help="bedöm filen som vid denna tidpunkt: ISO-datum (midnatt svensk tid) eller datum och tid "
                        "(utan tidszon: svensk tid); standard: nu")
    p.add_argument("--trust", action="append", default=[], metavar="CERT.pem",
                   help="betrodd rot (standard: SIGNERING_TRUST_ROOT, annars keys-example/root.pem)")
    p.add_argument("--log", metavar="URL",
                   help="kontrollera också att filen finns i transparensloggen hos tjänsten på URL")
    p.add_argument("--log-fingerprint", metavar="HEX",
                   help="loggens nyckels fingeravtryck (SHA-256, står på signatursidan); krävs med --log "
                        "om inte --log-key anges")
    p.add_argument("--log-key", metavar="FILE",
                   help="loggens offentliga nyckel (PEM, eller C2SP-verifieringsnyckel namn+hash+base64)")
    p.add_argument("--log-heads", metavar="FILE",
                   help="fil med loggens tidigare sedda trädhuvuden (standard: SIGNERING_LOG_HEADS_FILE, "
                        "annars ~/.local/state/signering/log_heads.json)")
    p.add_argument("--witness", action="append", default=[], metavar="KEY",
                   help="ett vittnes C2SP-verifieringsnyckel (namn+hash+base64); checkpointen måste vara "
                        "medsignerad av vittnet (kan upprepas)")
    p.add_argument("--witness-checkpoint", action="append", default=[], metavar="FILE",
                   help="en checkpoint medsignerad av ett vittne (--witness), t.ex. hämtad från vittnet; "
                        "loggen måste stämma med den (kan upprepas)")
    p.set_defaults(func=run)


def trust_roots(paths: list[str]):
    if not paths:
        configured = os.environ.get("SIGNERING_TRUST_ROOT")
        paths = [configured] if configured else [os.path.join(DEMO_DIR, "root.pem")]
    return [to_asn1(c) for p in paths for c in load_certificates(p)]


def run(args) -> int:
    from ..cli import lang

    roots = trust_roots(args.trust)
    try:
        with open(args.file, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise InputError(f"Filen {args.file} kunde inte öppnas: {exc.strerror}.",
                         f"The file {args.file} could not be opened: {exc.strerror}.") from exc
    at = moment(args.at) if args.at else None
    report = verify_file(data, roots, log=log_target(args), lang=lang(), at=at)
    if args.json:
        print(json.dumps(report.to_json(lang()), ensure_ascii=False, indent=2))
    else:
        print_human(report, lang())
    return 0 if report.valid else 1


def moment(text: str) -> dt.datetime:
    """``--at``: an ISO date (its midnight, Swedish time) or date and time (Swedish time unless a zone is given)."""
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"--at {text}: ange ett datum (2036-12-01) eller datum och tid (2036-12-01T14:30).",
                         f"--at {text}: give a date (2036-12-01) or a date and time (2036-12-01T14:30).") from None
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo("Europe/Stockholm"))


def log_target(args) -> LogTarget | None:
    if not getattr(args, "log", None):
        return None
    from ..translog.client import LogPin
    from ..translog.cosignature import parse_witnesses
    from ..translog.seen_heads import default_path

    pem = read_key_file(args.log_key)
    witnesses = parse_witnesses(getattr(args, "witness", []))
    witnessed = tuple(read_key_file(path) for path in getattr(args, "witness_checkpoint", []))
    if witnessed and not witnesses:
        raise InputError("--witness-checkpoint kräver --witness med vittnets verifieringsnyckel.",
                         "--witness-checkpoint needs --witness with the witness's verifier key.")
    return LogTarget(args.log, LogPin(fingerprint=args.log_fingerprint, public_key=pem),
                     heads_file=args.log_heads or default_path(), witnesses=witnesses, witnessed=witnessed)


def read_key_file(path: str | None) -> bytes | None:
    if not path:
        return None
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise InputError(f"Nyckelfilen {path} kunde inte öppnas: {exc.strerror}.",
                         f"The key file {path} could not be opened: {exc.strerror}.") from exc


def role_title(role: str, lang: str = "sv") -> str:
    """The role as a word ("ordförande"); the seal's title and unknown ones as they are."""
    known = Role.from_title(role)
    return known.title(lang).lower() if known else role


def print_human(report: VerificationReport, lang: str = "sv") -> None:
    sv = not lang.startswith("en")
    print(("GILTIG" if sv else "VALID") if report.valid else ("OGILTIG" if sv else "INVALID"))
    if report.document_sha256:
        print(f"{'Originalprotokollets SHA-256' if sv else 'SHA-256 of the original protocol'}: "
              f"{report.document_sha256} ({report.original_length} {'byte' if sv else 'bytes'})")
    if report.verified_at:
        print(f"{'Bedömd per' if sv else 'Judged as of'}: {swedish_time(dt.datetime.fromisoformat(report.verified_at))}")
    for s in report.signatures:
        # No tick beside any signature of a file judged invalid: a reader takes it as "this part is fine".
        mark = "✓" if report.valid and s.passed else "✗"
        who = s.signer or s.field
        if s.kind == "document_timestamp":
            who = "Dokumenttidsstämpel" if sv else "Document timestamp"
        role = f" ({role_title(s.role, lang)})" if s.role else ""
        when = swedish_time(dt.datetime.fromisoformat(s.signed_at)) if s.signed_at else ""
        verdict = s.indication + (f"/{s.subindication}" if s.subindication else "") if s.indication else ""
        print(f"  {mark} {who}{role}  {when}  {verdict}".rstrip())
    for finding in report.findings:
        print(f"  Problem: {finding.message(lang)} [{finding.code}]")
    log = report.log
    if log is not None and log.included:
        print(f"  ✓ {'I transparensloggen: post' if sv else 'In the transparency log: entry'} {log.leaf_index} "
              f"{'av' if sv else 'of'} {log.tree_size}")
