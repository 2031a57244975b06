"""``signering api-token create|list|revoke``: API tokens for an organisation's meeting system.

``create`` shows the token once, on the last line of the output, so scripts can take it with
``tail -n 1``; only its hash is stored. ``list`` and ``revoke`` work inside one organisation
(``--org``): another organisation's token ids are not found.
"""

from __future__ import annotations

import argparse

from ..cli import lang


def register(subparsers) -> None:
    parser = subparsers.add_parser("api-token", help="API-nycklar för mötessystem.",
                                   description="Hanterar API-nycklar som mötessystem använder mot /api/v1.")
    sub = parser.add_subparsers(dest="api_token_command", metavar="ÅTGÄRD")
    sub.required = True
    create = sub.add_parser("create", help="Skapa en ny API-nyckel.",
                            description="Skapar en API-nyckel för organisationen och skriver ut den på sista raden. "
                                        "Nyckeln visas bara nu; spara den i mötessystemet.")
    create.add_argument("--org", required=True, metavar="KORTNAMN", help="organisationens kortnamn (slug)")
    create.add_argument("--name", required=True, metavar="NAMN",
                        help="vad nyckeln används till, t.ex. mötessystemets namn")
    create.add_argument("--valid-days", type=int, metavar="DAGAR",
                        help="nyckeln slutar gälla efter så många dagar (utan: gäller tills den återkallas)")
    create.set_defaults(func=run_create)
    listing = sub.add_parser("list", help="Visa organisationens API-nycklar.",
                             description="Visar organisationens API-nycklar: nummer, läge, skapad, "
                                         "gäller till, senast använd (UTC) och namn. Nycklarna själva visas aldrig.")
    listing.add_argument("--org", required=True, metavar="KORTNAMN", help="organisationens kortnamn (slug)")
    listing.set_defaults(func=run_list)
    revoke = sub.add_parser("revoke", help="Återkalla en API-nyckel.",
                            description="Återkallar en API-nyckel; anrop med den får 401 från och med nu.")
    revoke.add_argument("--org", required=True, metavar="KORTNAMN", help="organisationens kortnamn (slug)")
    revoke.add_argument("id", type=int, metavar="NR", help="nyckelns nummer (se api-token list)")
    revoke.set_defaults(func=run_revoke)


def _in_db(fn, *, write: bool = True):
    """Run ``fn(session)`` in one transaction (or a plain read) and close the database."""
    # Imported here: building the services reads the environment and opens the database.
    from ..runtime import services_from_env

    svc = services_from_env()
    try:
        with (svc.db.write() if write else svc.db.read()) as session:
            return fn(session)
    finally:
        svc.db.dispose()


def run_create(args: argparse.Namespace) -> int:
    from ..accounts import create_api_token, organisation

    def create(session):
        org = organisation(session, args.org)
        return create_api_token(session, org, args.name, valid_days=args.valid_days), org.name

    token, org_name = _in_db(create)
    if lang().startswith("en"):
        print(f"API token for {org_name} ({args.name.strip()}) created. Store it now; it is not shown again:")
    else:
        print(f"API-nyckel för {org_name} ({args.name.strip()}) skapad. Spara den nu; den visas inte igen:")
    print(token)
    return 0


_STATE = {"sv": {"active": "gäller", "expired": "utgången", "revoked": "återkallad"},
          "en": {"active": "active", "expired": "expired", "revoked": "revoked"}}


def _when(value) -> str:
    from ..clock import aware

    return aware(value).strftime("%Y-%m-%d %H:%MZ") if value else "-"


def run_list(args: argparse.Namespace) -> int:
    from ..accounts import api_tokens, organisation, token_state
    from ..clock import utcnow

    en = lang().startswith("en")
    now = utcnow()

    def listing(session):
        org = organisation(session, args.org)
        return [(t.id, token_state(t, now), _when(t.created_at), _when(t.expires_at), _when(t.last_used_at), t.name)
                for t in api_tokens(session, org.id)]

    rows = _in_db(listing, write=False)
    header = ("ID", "STATE", "CREATED", "EXPIRES", "LAST USED", "NAME") if en else \
        ("NR", "LÄGE", "SKAPAD", "GÄLLER TILL", "SENAST ANVÄND", "NAMN")
    labels = _STATE["en" if en else "sv"]
    table = [header] + [(str(i), labels[state], created, expires, used, name)
                        for i, state, created, expires, used, name in rows]
    widths = [max(len(r[c]) for r in table) for c in range(5)]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[5])
    if not rows:
        print("No API tokens." if en else "Inga API-nycklar.")
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    from ..accounts import organisation, revoke_api_token

    name = _in_db(lambda session: revoke_api_token(session, organisation(session, args.org).id, args.id).name)
    if lang().startswith("en"):
        print(f"API token {args.id} ({name}) revoked. Requests with it now get 401.")
    else:
        print(f"API-nyckel {args.id} ({name}) återkallad. Anrop med den får 401 från och med nu.")
    return 0
