"""One signer's PAdES signature into their field on the signature page.

The certificate is issued for this one signature (see :mod:`signering.pki.ca`); the fresh
key lives only inside this call. Every signature is an incremental update, so the bytes
signed before stay untouched.
"""

from __future__ import annotations

import datetime as dt
import io
from contextlib import contextmanager
from dataclasses import dataclass

from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_byterange import BuildProps
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.stamp import TextStampStyle

from ..errors import SigneringError, SigningError
from ..pki.ca import SigningCA
from ..pki.keys import KeyPair
from .archival import open_writer
from .page_texts import texts
from .evidence import add_signer_status
from .stamp import CentredTextStampStyle, StampFontFactory
from ..route import Role

# Sized for the ~80 x 28 mm box: six centred lines at 7 pt. The time is Swedish local time with
# its zone (UTC stays in the signature's own, machine-read signing time); the hash in two halves.
_STAMP_TEXT = {
    "sv": ("Signerat elektroniskt av %(signer)s\n%(role)s · %(ts)s\n"
           "%(identified)s. Tidsstämplad underskrift.\n"
           "Förseglas med e-sigill och anslås när alla signerat.\n"
           "SHA-256 %(hash1)s\n%(hash2)s"),
    "en": ("Signed electronically by %(signer)s\n%(role)s · %(ts)s\n"
           "%(identified)s. Timestamped signature.\n"
           "Sealed with an e-seal and posted once all have signed.\n"
           "SHA-256 %(hash1)s\n%(hash2)s"),
}
REASON = {
    Role.SEKRETERARE: "Sekreterare: intygar protokollet",
    Role.ORDFORANDE: "Ordförande: ansvarar för protokollet",
    Role.JUSTERARE: "Justerare: justerar protokollet",
}
#: the build property (signature dictionary /Prop_Build /App /Name) of a signature made through a
#: remote CSC signing service (``signering.csc``); ``pdf.verify`` reports those as identified_by "csc"
CSC_BUILD_NAME = "Signering.CSC"
#: Room for the CMS container: certificate chain, signature and timestamp token, with margin.
SIGNATURE_RESERVE = 16384


@dataclass(frozen=True)
class SignerIdentity:
    name: str
    role: str  # sekreterare | ordforande | justerare
    organisation: str
    #: how the signer proved who they are: email_code | oidc
    identified_by: str = "email_code"
    #: for oidc: the IdP's issuer
    idp: str | None = None
    #: the signer's address, for a remote signing service that keeps a credential per person
    #: (``signering.csc``); never written into the PDF
    email: str | None = None


def stamp_style(lang: str = "sv") -> TextStampStyle:
    return CentredTextStampStyle(
        stamp_text=_STAMP_TEXT.get(lang, _STAMP_TEXT["sv"]),
        text_box_style=TextBoxStyle(font=StampFontFactory(), font_size=7, leading=9),
        border_width=1,
    )


def signature_setup(*, field_name: str, signer: signers.Signer, display_name: str, role_label: str,
                    document_sha256: str, timestamper: TimeStamper | None, reason: str, lang: str = "sv",
                    visible: bool = True, location: str | None = None, identified_by: str = "email_code",
                    build_props: BuildProps | None = None) -> tuple[signers.PdfSigner, dict]:
    """The pyHanko signer for ``field_name`` (created invisible if absent) and its box's texts."""
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        name=display_name,
        reason=reason,
        location=location,
        app_build_props=build_props,
    )
    params = {"role": role_label, "hash1": document_sha256[:32], "hash2": document_sha256[32:],
              "identified": identified_text(identified_by, lang)}
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer,
        timestamper=timestamper,
        stamp_style=stamp_style(lang) if visible else None,
        new_field_spec=None if visible else fields.SigFieldSpec(field_name),
    )
    return pdf_signer, params


@contextmanager
def typed_failures():
    """pyHanko's own failures become a SigningError that keeps the cause for the log."""
    try:
        yield
    except SigneringError:
        raise  # typed already, e.g. the TSA client's TimestampError with what went wrong
    except Exception as exc:
        raise SigningError(details=str(exc)) from exc


def sign_with(pdf: bytes, *, field_name: str, keypair: KeyPair, display_name: str, role_label: str,
              document_sha256: str, timestamper: TimeStamper | None, reason: str, lang: str = "sv",
              visible: bool = True, location: str | None = None, identified_by: str = "email_code") -> bytes:
    """Sign ``field_name`` (created invisible if absent) with ``keypair``; return the new PDF bytes."""
    pdf_signer, params = signature_setup(
        field_name=field_name, signer=keypair.pyhanko_signer(), display_name=display_name, role_label=role_label,
        document_sha256=document_sha256, timestamper=timestamper, reason=reason, lang=lang, visible=visible,
        location=location, identified_by=identified_by)
    out = io.BytesIO()
    with typed_failures():
        writer = open_writer(pdf)
        # A fixed reservation skips pyHanko's dry-run signature (and a second TSA round trip).
        pdf_signer.sign_pdf(writer, output=out, appearance_text_params=params, bytes_reserved=SIGNATURE_RESERVE)
    return out.getvalue()


def sign_as(pdf: bytes, *, field_name: str, who: SignerIdentity, ca: SigningCA, document_sha256: str,
            timestamper: TimeStamper | None, lang: str = "sv") -> bytes:
    """Issue a one-off certificate for ``who``, sign their field with it, and add the evidence of
    its status at signing time (see :mod:`signering.pdf.evidence`)."""
    keypair = ca.issue(who.name, who.role, who.organisation, identified_by=who.identified_by, idp=who.idp)
    try:
        signed = sign_with(pdf, field_name=field_name, keypair=keypair, display_name=who.name,
                           role_label=Role(who.role).title(), document_sha256=document_sha256,
                           timestamper=timestamper, reason=REASON.get(who.role, who.role), lang=lang,
                           identified_by=who.identified_by)
        return add_signer_status(signed, ca, field_name, keypair.certificate) if timestamper is not None else signed
    finally:
        # The key must not outlive the signature; dropping the last reference is all Python offers.
        keypair.private_key = None
        del keypair


def identified_text(identified_by: str, lang: str) -> str:
    """The box's words for how the signer was identified ("Legitimerad med e-legitimation" …)."""
    return texts(lang)["identified"].get(identified_by, texts(lang)["identified"]["email_code"])


def signed_at(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).isoformat()
