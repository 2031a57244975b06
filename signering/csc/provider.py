"""A signer's signature from a remote CSC signing service, behind ``SignatureProvider``.

One ``sign_field`` call: open the signer's credential (its certificates, checked to name an OCSP
responder), let pyHanko's ``CSCSigner`` sign the field's hash with hash-pinned authorisation,
timestamp it with the organisation's TSA, then embed the provider's OCSP answer from signing
time. The signature dictionary's build properties name the path ("Signering.CSC"), inside the
signer's own signed bytes, so ``signering verify`` can report ``identified_by`` "csc".

Everything happens before the workflow writes anything: a service that is down raises
``CscUnavailable`` and the link stays as it was.
"""

from __future__ import annotations

import asyncio
import io

import aiohttp
from pyhanko.sign.signers.csc_signer import CSCSigner
from pyhanko.sign.signers.pdf_byterange import BuildProps
from pyhanko.sign.timestamps import TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from ..errors import SigningError
from ..pdf.archival import open_writer
from ..pdf.evidence import add_status_evidence
from ..pdf.signing import (CSC_BUILD_NAME, REASON, SIGNATURE_RESERVE, SignerIdentity, signature_setup,
                           typed_failures)
from ..route import Role
from . import client, status
from .errors import CscUnavailable

CSC = "csc"


class _Signer(CSCSigner):
    """pyHanko's CSC signer, keeping the real reason when ``signatures/signHash`` fails (pyHanko
    logs it and raises only "No signing results available"), and putting the signer's certificate
    into the signature once: pyHanko adds it beside the credential's store, which holds it too."""

    failure: BaseException | None = None

    def __init__(self, session, auth_manager: client.PinnedAuthorization):
        super().__init__(session, auth_manager)
        self._cert_registry = SimpleCertificateStore.from_certs(auth_manager.credential_info.chain)

    async def _do_commit(self, batch):
        try:
            await super()._do_commit(batch)
        except BaseException as exc:
            self.failure = exc
            raise


class CscProvider:
    def __init__(self, config: client.CscConfig, timestamper: TimeStamper | None):
        self.config = config
        self.timestamper = timestamper

    def sign_field(self, pdf: bytes, *, field_name: str, who: SignerIdentity, document_sha256: str,
                   lang: str = "sv") -> bytes:
        if self.timestamper is None:
            raise SigningError("Underskrifter via signeringstjänst kräver en tidsstämpeltjänst.",
                               "Signatures through a signing service need a timestamp service.")
        signed, cert, issuer = asyncio.run(self._sign(pdf, field_name, who, document_sha256, lang))
        return add_status_evidence(signed, field_name, lambda _when: status.fetch_status(cert, issuer))

    async def _sign(self, pdf: bytes, field_name: str, who: SignerIdentity, document_sha256: str, lang: str):
        async with aiohttp.ClientSession() as session:
            session_info, credential = await client.open_credential(
                session, self.config, self.config.credential_for(who.email))
            cert = credential.signing_cert
            issuer = status.issuer_of(cert, credential.chain)
            status.ocsp_url(cert)  # refused now rather than after the provider has signed
            auth = client.PinnedAuthorization(session, session_info, credential,
                                              f"{who.organisation}: {Role(who.role).title()} {who.name}")
            signer = _Signer(session, auth)
            pdf_signer, params = signature_setup(
                field_name=field_name, signer=signer, display_name=who.name, role_label=Role(who.role).title(),
                document_sha256=document_sha256, timestamper=self.timestamper,
                reason=REASON.get(who.role, who.role), lang=lang, identified_by=CSC,
                build_props=BuildProps(name=CSC_BUILD_NAME))
            out = io.BytesIO()
            try:
                with typed_failures():
                    await pdf_signer.async_sign_pdf(open_writer(pdf), output=out, appearance_text_params=params,
                                                    bytes_reserved=SIGNATURE_RESERVE)
            except SigningError:
                failure = signer.failure
                if isinstance(failure, aiohttp.ClientConnectionError | asyncio.TimeoutError) or isinstance(
                        getattr(failure, "__cause__", None), aiohttp.ClientConnectionError | asyncio.TimeoutError):
                    raise CscUnavailable(details=f"signatures/signHash: {failure.__cause__ or failure}") from failure
                raise
            return out.getvalue(), cert, issuer
