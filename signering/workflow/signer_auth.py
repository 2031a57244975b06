"""How a signer proves who they are before signing: the names, and which way a request needs."""

from __future__ import annotations

from ..models import Organisation, SignatureRequest

OIDC = "oidc"
EMAIL_CODE = "email_code"


def uses_oidc(org: Organisation) -> bool:
    return org.signer_auth == OIDC


def requires_login(request: SignatureRequest) -> bool:
    """The organisation identifies its signers with e-legitimation (no e-mailed code)."""
    return uses_oidc(request.version.protocol.board.organisation)
