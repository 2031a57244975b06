"""An organisation's signature service: "local" (its own signing CA) or "csc" with the service's settings.

The client secret is kept only as the name of the environment variable that holds it, as for OIDC.
"""

from __future__ import annotations

from ..errors import InputError
from ..models import Organisation
from .client import API_VERSIONS, DEFAULT_API_VERSION, CscConfig
from .errors import CscRefused

SIGNATURE_SERVICES = ("local", "csc")


def configure_signature_service(org: Organisation, *, service: str, url: str | None = None,
                                api_version: str | None = None, client_id: str | None = None,
                                client_secret_env: str | None = None, credential: str | None = None) -> Organisation:
    if service not in SIGNATURE_SERVICES:
        raise InputError(f'Okänd signeringstjänst: "{service}" (local eller csc).',
                         f'Unknown signature service: "{service}" (local or csc).')
    if service == "csc":
        url, credential = (url or "").strip(), (credential or "").strip()
        api_version = (api_version or DEFAULT_API_VERSION).strip()
        if not url.startswith(("https://", "http://")):
            raise InputError("Med --signature-service csc behövs --csc-url (tjänstens adress, före /csc/v1/).",
                             "--signature-service csc needs --csc-url (the service's address, before /csc/v1/).")
        if not credential:
            raise InputError("Med --signature-service csc behövs --csc-credential: ett credential-ID, eller en mall "
                             "där {email} ersätts med undertecknarens e-postadress.",
                             "--signature-service csc needs --csc-credential: a credential ID, or a template where "
                             "{email} is replaced by the signer's e-mail address.")
        if api_version not in API_VERSIONS:
            raise InputError(f"Okänd CSC-version {api_version} ({', '.join(API_VERSIONS)}).",
                             f"Unknown CSC version {api_version} ({', '.join(API_VERSIONS)}).")
        org.csc_url, org.csc_api_version, org.csc_credential = url.rstrip("/"), api_version, credential
        org.csc_client_id = (client_id or "").strip() or None
        org.csc_client_secret_env = (client_secret_env or "").strip() or None
    org.signature_service = service
    return org


def csc_config(svc, org: Organisation) -> CscConfig:
    if not (org.csc_url and org.csc_credential):
        raise CscRefused(details=f"organisation {org.slug}: CSC service not fully configured")
    secret = svc.passphrase(org.csc_client_secret_env) if org.csc_client_secret_env else None
    return CscConfig(url=org.csc_url, credential=org.csc_credential,
                     api_version=org.csc_api_version or DEFAULT_API_VERSION,
                     client_id=org.csc_client_id, client_secret=secret)
