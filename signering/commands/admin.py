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

    g = org.add_parser("configure", help="Ställ in hur undertecknarna identifieras och vem som gör underskrifterna.")
    g.add_argument("slug")
    g.add_argument("--signer-auth", choices=("code", "oidc"),
                   help="code: engångskod via e-post (standard); oidc: e-legitimation via OpenID Connect")
    g.add_argument("--oidc-issuer", metavar="URL", help="IdP:ns issuer (discovery på URL/.well-known/openid-configuration)")
    g.add_argument("--oidc-client-id", metavar="ID")
    g.add_argument("--oidc-client-secret-env", metavar="VAR", help="miljövariabel med klienthemligheten")
    g.add_argument("--oidc-personnummer-claim", metavar="CLAIM",
                   help="claim med personnumret (standard https://id.oidc.se/claim/personalIdentityNumber)")
    g.add_argument("--signature-service", choices=("local", "csc"),
                   help="local: organisationens egen CA (standard); csc: en signeringstjänst med CSC-API")
    g.add_argument("--csc-url", metavar="URL", help="tjänstens adress, delen före /csc/v1/")
    g.add_argument("--csc-api-version", choices=("1.0.4", "2"), default=None,
                   help="CSC-API:ts version (standard 1.0.4; 2 = samma anrop under /csc/v2/, otestat)")
    g.add_argument("--csc-client-id", metavar="ID")
    g.add_argument("--csc-client-secret-env", metavar="VAR", help="miljövariabel med klienthemligheten")
    g.add_argument("--csc-credential", metavar="ID",
                   help="credential-ID som signerar, eller en mall där {email} blir undertecknarens e-postadress")
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

    if not (args.signer_auth or args.signature_service):
        raise InputError("Ange --signer-auth, --signature-service eller båda.",
                         "Give --signer-auth, --signature-service or both.")
    svc = _svc()
    if args.signature_service == "csc":
        _check_csc_service(args)
    if not args.signer_auth:
        with svc.db.write() as session:
            _configure_signature_service(session, organisation(session, args.slug), args)
        return 0
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
        if args.signature_service:
            _configure_signature_service(session, org, args)
        if org.signer_auth == "oidc":
            print(f"Organisation {org.slug}: undertecknare loggar in med e-legitimation via {org.oidc_issuer}.")
            print("Registrera denna redirect-URI hos IdP:n / register this redirect URI at the IdP:")
            print(redirect_uri(svc))
        else:
            print(f"Organisation {org.slug}: undertecknare bekräftar med engångskod via e-post.")
    return 0


def _check_csc_service(args) -> None:
    """Ask the service for its ``info`` now, so a wrong URL shows here and not at the first signer."""
    from ..csc.client import CscConfig, check_service
    from ..csc.errors import CscRefused, CscUnavailable

    if args.csc_client_secret_env and not os.environ.get(args.csc_client_secret_env):
        raise InputError(f"Miljövariabeln {args.csc_client_secret_env} är inte satt.",
                         f"The environment variable {args.csc_client_secret_env} is not set.")
    if not (args.csc_url and args.csc_credential):
        return  # configure_signature_service names what is missing
    config = CscConfig(url=args.csc_url.strip(), credential=args.csc_credential,
                       api_version=args.csc_api_version or "1.0.4")
    try:
        check_service(config)
    except (CscUnavailable, CscRefused) as exc:
        reason = exc.details.get("details", "")
        raise InputError(f"Ingen användbar CSC-tjänst på {config.endpoint('info')} ({reason}). Kontrollera --csc-url.",
                         f"No usable CSC service at {config.endpoint('info')} ({reason}). Check --csc-url.") from None


def _configure_signature_service(session, org, args):
    from ..csc.settings import configure_signature_service

    configure_signature_service(org, service=args.signature_service, url=args.csc_url,
                                api_version=args.csc_api_version, client_id=args.csc_client_id,
                                client_secret_env=args.csc_client_secret_env, credential=args.csc_credential)
    if org.signature_service == "csc":
        print(f"Organisation {org.slug}: underskrifterna görs av signeringstjänsten {org.csc_url} "
              f"(CSC {org.csc_api_version}, credential {org.csc_credential}).")
    else:
        print(f"Organisation {org.slug}: underskrifterna görs med organisationens egen CA.")
    return org


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
