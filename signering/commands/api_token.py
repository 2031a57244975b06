"""``signering api-token create``: an API token for an organisation's meeting system.

The token is shown once, on the last line of the output, so scripts can take it with
``tail -n 1``; only its hash is stored.
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
    create.set_defaults(func=run_create)


def run_create(args: argparse.Namespace) -> int:
    # Imported here: building the services reads the environment and opens the database.
    from ..accounts import create_api_token, organisation
    from ..runtime import services_from_env

    svc = services_from_env()
    try:
        with svc.db.write() as session:
            org = organisation(session, args.org)
            token = create_api_token(session, org, args.name)
            org_name = org.name
    finally:
        svc.db.dispose()
    if lang().startswith("en"):
        print(f"API token for {org_name} ({args.name.strip()}) created. Store it now; it is not shown again:")
    else:
        print(f"API-nyckel för {org_name} ({args.name.strip()}) skapad. Spara den nu; den visas inte igen:")
    print(token)
    return 0
