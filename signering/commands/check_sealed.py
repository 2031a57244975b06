"""``signering check-sealed [--org SLUG] [--json]``: re-verify every sealed protocol in the registry.

Exit 0 when every stored sealed file verifies, 1 when any does not (each is listed with why),
2 when the registry cannot be read. See README for what to do about protocols it lists.
"""

from __future__ import annotations

import json

from ..cli import lang


def register(sub) -> None:
    p = sub.add_parser("check-sealed", help="Kontrollera alla förseglade protokoll i registret på nytt.",
                       description="Verifierar varje lagrad förseglad fil mot organisationens rot och listar "
                                   "dem som inte håller, till exempel de som saknar spärrinformation från "
                                   "signeringstillfället.")
    p.add_argument("--org", metavar="SLUG", help="bara denna organisation")
    p.add_argument("--json", action="store_true", help="skriv resultatet som JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from ..runtime import services_from_env
    from ..sealed_check import check_sealed

    svc = services_from_env()
    try:
        results = list(check_sealed(svc, args.org))
    finally:
        svc.db.dispose()
    bad = [r for r in results if r.status != "valid"]
    if args.json:
        print(json.dumps({"checked": len(results), "invalid": len(bad), "protocols": [r.to_json() for r in results]},
                         ensure_ascii=False, indent=2))
        return 1 if bad else 0
    sv = lang() == "sv"
    for r in bad:
        print(f"{'OGILTIG' if sv else 'INVALID'}  {r.organisation}  {'protokoll' if sv else 'protocol'} {r.protocol_id}  "
              f"{r.board} {r.meeting_date}  {r.sealed_sha256}")
        if r.missing_status_evidence:
            names = ", ".join(r.missing_status_evidence)
            print(f"  {'Spärrinformation från signeringstillfället saknas för' if sv else 'No status evidence from signing time for'}: {names}")
        for problem in r.problems:
            print(f"  {problem}")
    print(f"{len(results)} förseglade protokoll kontrollerade, {len(bad)} ogiltiga." if sv else
          f"{len(results)} sealed protocols checked, {len(bad)} invalid.")
    return 1 if bad else 0
