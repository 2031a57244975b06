"""Operator commands: ``init``, ``org create``, ``board create``, ``user create``."""

from __future__ import annotations

import getpass
import os
import sys

from ..errors import InputError


def register(sub) -> None:
    p = sub.add_parser("init", help="Skapa eller uppgradera databasen.")
    p.set_defaults(func=cmd_init)

    org = sub.add_parser("org", help="Organisationer").add_subparsers(dest="org_cmd", required=True)
    c = org.add_parser("create", help="Skapa en organisation.")
    c.add_argument("slug")
    c.add_argument("--name", required=True)
    c.add_argument("--kind", default="kommun", choices=("kommun", "region", "kommunforbund"))
    c.add_argument("--demo-keys", action="store_true", help="använd keys-example (ENDAST demo och test)")
    c.add_argument("--key-dir", help="katalog med root.pem, signing-ca.pem/.key.pem, seal.pem/.key.pem, tsa.pem/.key.pem")
    c.add_argument("--seal-passphrase-env", help="miljövariabel med lösenordet till seal.p12")
    c.set_defaults(func=cmd_org_create)

    g = org.add_parser("configure", help="Ställ in hur undertecknarna identifieras.")
    g.add_argument("slug")
    g.add_argument("--signer-auth", required=True, choices=("code", "oidc"),
                   help="code: engångskod via e-post (standard); oidc: e-legitimation via OpenID Connect")
    g.add_argument("--oidc-issuer", metavar="URL", help="IdP:ns issuer (discovery på URL/.well-known/openid-configuration)")
    g.add_argument("--oidc-client-id", metavar="ID")
    g.add_argument("--oidc-client-secret-env", metavar="VAR", help="miljövariabel med klienthemligheten")
    g.add_argument("--oidc-personnummer-claim", metavar="CLAIM",
                   help="claim med personnumret (standard https://id.oidc.se/claim/personalIdentityNumber)")
    g.set_defaults(func=cmd_org_configure)

    board = sub.add_parser("board", help="Nämnder").add_subparsers(dest="board_cmd", required=True)
    b = board.add_parser("create", help="Skapa en nämnd.")
    b.add_argument("--org", required=True)
    b.add_argument("--name", required=True)
    b.add_argument("--forvaringsplats", default="")
    b.add_argument("--kind", default="namnd")
    b.set_defaults(func=cmd_board_create)

    user = sub.add_parser("user", help="Personal").add_subparsers(dest="user_cmd", required=True)
    u = user.add_parser("create", help="Skapa ett personalkonto.")
    u.add_argument("--org", required=True)
    u.add_argument("--email", required=True)
    u.add_argument("--role", required=True, choices=("secretary", "admin"))
    u.add_argument("--name", default="")
    u.add_argument("--password-env", help="läs lösenordet från denna miljövariabel i stället för att fråga")
    u.set_defaults(func=cmd_user_create)


def _svc():
    from ..runtime import services_from_env

    return services_from_env()


def cmd_init(args) -> int:
    svc = _svc()
    svc.db.upgrade()
    print(f"Databasen är klar: {svc.db.engine.url.render_as_string(hide_password=True)}")
    return 0


def cmd_org_create(args) -> int:
    from ..accounts import create_organisation
    from ..pki.keys import DEMO_DIR
    from ..pki.orgkeys import load_key_dir

    if args.demo_keys == bool(args.key_dir):
        raise InputError("Ange antingen --demo-keys eller --key-dir KATALOG.", "Give either --demo-keys or --key-dir DIR.")
    key_dir = DEMO_DIR if args.demo_keys else os.path.abspath(args.key_dir)
    passphrase = os.environ.get(args.seal_passphrase_env) if args.seal_passphrase_env else None
    svc = _svc()
    # Load once now so a wrong path or passphrase is reported here, not at the first signature.
    load_key_dir(key_dir, organisation=args.name, base_url=svc.settings.base_url, slug=args.slug,
                 seal_p12_passphrase=passphrase)
    with svc.db.write() as session:
        org = create_organisation(session, slug=args.slug, name=args.name, key_dir=key_dir, kind=args.kind,
                                  seal_passphrase_env=args.seal_passphrase_env)
        print(f"Organisation {org.slug} ({org.name}) skapad.")
    if args.demo_keys:
        print("VARNING: demonycklar (keys-example) – aldrig i produktion. Demo keys, not for production.",
              file=sys.stderr)
    return 0


def cmd_org_configure(args) -> int:
    from ..accounts import configure_signer_auth, organisation
    from ..workflow.identification import redirect_uri

    svc = _svc()
    if args.signer_auth == "oidc":
        from ..oidc import client

        if args.oidc_client_secret_env and not os.environ.get(args.oidc_client_secret_env):
            raise InputError(f"Miljövariabeln {args.oidc_client_secret_env} är inte satt.",
                             f"The environment variable {args.oidc_client_secret_env} is not set.")
        if args.oidc_issuer:
            # Fetch the discovery document now, so a wrong issuer shows here and not at the first signer.
            from ..oidc.errors import IdpUnavailable

            try:
                client.discover(args.oidc_issuer.strip())
            except IdpUnavailable:
                url = args.oidc_issuer.strip().rstrip("/") + "/.well-known/openid-configuration"
                raise InputError(f"Ingen användbar OpenID-konfiguration på {url} (nås inte, eller anger en annan "
                                 "issuer). Kontrollera --oidc-issuer.",
                                 f"No usable OpenID configuration at {url} (not reachable, or it names another "
                                 "issuer). Check --oidc-issuer.") from None
    with svc.db.write() as session:
        org = configure_signer_auth(session, organisation(session, args.slug), signer_auth=args.signer_auth,
                                    issuer=args.oidc_issuer, client_id=args.oidc_client_id,
                                    client_secret_env=args.oidc_client_secret_env,
                                    personnummer_claim=args.oidc_personnummer_claim)
        if org.signer_auth == "oidc":
            print(f"Organisation {org.slug}: undertecknare loggar in med e-legitimation via {org.oidc_issuer}.")
            print("Registrera denna redirect-URI hos IdP:n / register this redirect URI at the IdP:")
            print(redirect_uri(svc))
        else:
            print(f"Organisation {org.slug}: undertecknare bekräftar med engångskod via e-post.")
    return 0


def cmd_board_create(args) -> int:
    from ..accounts import create_board, organisation

    svc = _svc()
    with svc.db.write() as session:
        board = create_board(session, organisation(session, args.org), name=args.name,
                             forvaringsplats=args.forvaringsplats, kind=args.kind)
        print(f"Nämnd \"{board.name}\" skapad (id {board.id}).")
    return 0


def cmd_user_create(args) -> int:
    from ..accounts import create_user, organisation

    if args.password_env:
        password = os.environ.get(args.password_env, "")
    else:
        password = getpass.getpass("Lösenord (minst 12 tecken): ")
    svc = _svc()
    with svc.db.write() as session:
        user = create_user(session, organisation(session, args.org), email=args.email, password=password,
                           role=args.role, name=args.name)
        print(f"Användare {user.email} ({user.role}) skapad.")
    return 0
