"""Append the signature page to an untouched protocol, as an incremental update.

The original bytes stay the first revision (design.md, point 1): the page is drawn with
reportlab, imported into the original as a form XObject by pyHanko's incremental writer,
and given one empty signature field per signer, named ``signer-1``, ``signer-2``, … in
routing order. The signing code fills those fields; pyHanko draws each signature's visible
appearance into its box, so the page itself only frames the boxes and prints name and role
beneath them.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import re
from dataclasses import dataclass
from typing import BinaryIO

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import SigFieldSpec, append_signature_field

from ..errors import DamagedPdf, InputError, InvalidRoute
from ..route import ROLES, Role, Signer
from .archival import open_writer
from .original import write_original_marker
from .page_layout import Drawer, page_size
from .stamp import add_to_form

ROLE_LABELS = {lang: {role.value: role.title(lang) for role in Role} for lang in ("sv", "en")}

#: More signers than this is a mistake in the route, not a board's real practice; the layout
#: itself flows onto further pages.
MAX_SIGNERS = 12

#: A signer as the page shows them: name and role (route.Signer; the e-mail is never printed).
PageSigner = Signer
_MAX_NAME = 200
_HEX = re.compile(r"^[0-9a-f]{64}$")

@dataclass(frozen=True)
class SignaturePageInfo:
    board: str
    meeting_date: datetime.date
    sha256: str  # hex of the original protocol
    verify_url: str  # full URL the QR code points to, e.g. f"{base_url}/verifiera/{sha256}"
    signers: tuple[PageSigner, ...]
    organisation: str = ""
    lang: str = "sv"  # "en" gives English labels
    #: the installation's transparency-log key fingerprint (SHA-256 hex); empty: no log line
    log_fingerprint: str = ""


def field_name(index: int) -> str:
    """Name of the signature field for the signer at 0-based routing position ``index``."""
    if index < 0:
        raise ValueError("index must be 0 or more")
    return f"signer-{index + 1}"


# --- validation --------------------------------------------------------------------------


def _validate(info: SignaturePageInfo, data: bytes) -> None:
    signers = tuple(info.signers)
    if not signers:
        raise InvalidRoute(
            "Ingen undertecknare är vald. Lägg till minst en undertecknare och försök igen.",
            "No signer is chosen. Add at least one signer and try again.",
            reason="no_signers",
        )
    if len(signers) > MAX_SIGNERS:
        raise InvalidRoute(
            f"Högst {MAX_SIGNERS} undertecknare kan signera ett protokoll; {len(signers)} är valda. "
            "Ta bort undertecknare och försök igen.",
            f"At most {MAX_SIGNERS} signers can sign a protocol; {len(signers)} are chosen. "
            "Remove signers and try again.",
            reason="too_many", limit=MAX_SIGNERS, count=len(signers),
        )
    previous_rank = 0
    for position, signer in enumerate(signers, start=1):
        if not isinstance(signer, PageSigner) or not isinstance(signer.name, str) or not signer.name.strip():
            raise InvalidRoute(
                f"Undertecknare nummer {position} saknar namn. Fyll i namnet och försök igen.",
                f"Signer number {position} has no name. Fill in the name and try again.",
                reason="no_name", position=position,
            )
        if len(signer.name) > _MAX_NAME:
            raise InvalidRoute(
                f"Namnet på undertecknare nummer {position} är längre än {_MAX_NAME} tecken. Korta namnet.",
                f"The name of signer number {position} is longer than {_MAX_NAME} characters. Shorten it.",
                reason="long_name", position=position,
            )
        if signer.role not in ROLES:
            raise InvalidRoute(
                f"Undertecknare nummer {position} har en okänd roll ({signer.role!r}). "
                "Välj sekreterare, ordförande eller justerare.",
                f"Signer number {position} has an unknown role ({signer.role!r}). "
                "Choose secretary, chair or minutes checker.",
                reason="unknown_role", position=position,
            )
        rank = ROLES.index(signer.role)
        if rank < previous_rank:
            raise InvalidRoute(
                "Undertecknarna står i fel ordning. Ordningen ska vara sekreterare, ordförande, "
                f"justerare; flytta undertecknare nummer {position} ({signer.name.strip()}).",
                "The signers are in the wrong order. The order must be secretary, chair, "
                f"minutes checker; move signer number {position} ({signer.name.strip()}).",
                reason="order", position=position,
            )
        previous_rank = rank
    if not info.board or not info.board.strip():
        raise InputError(
            "Organets namn saknas. Ange vilket organ protokollet kommer från.",
            "The board's name is missing. Give the board the protocol comes from.",
        )
    if not isinstance(info.meeting_date, datetime.date):
        raise InputError("Sammanträdesdatum saknas.", "The meeting date is missing.")
    if not isinstance(info.sha256, str) or not _HEX.match(info.sha256.lower()):
        raise InputError(
            "Kontrollsumman måste vara 64 hexadecimala tecken (SHA-256).",
            "The checksum must be 64 hexadecimal characters (SHA-256).",
        )
    # A wrong hash on the printed page would mislead every reader; it is cheap to rule out.
    if hashlib.sha256(data).hexdigest() != info.sha256.lower():
        raise InputError(
            "Kontrollsumman stämmer inte med protokollfilen. Ladda upp protokollet på nytt.",
            "The checksum does not match the protocol file. Upload the protocol again.",
        )
    if not isinstance(info.verify_url, str) or not re.match(r"^https?://\S+$", info.verify_url):
        raise InputError(
            "Adressen för kontroll av signaturer måste börja med http:// eller https://.",
            "The address for checking signatures must start with http:// or https://.",
        )


# --- assembling --------------------------------------------------------------------------


def _page_count(writer) -> int:
    return int(writer.root["/Pages"]["/Count"])


def add_signature_page(original: bytes | BinaryIO, info: SignaturePageInfo) -> bytes:
    """Return ``original`` followed by an incremental update holding the signature page(s).

    The first ``len(original)`` bytes of the result are ``original`` unchanged. One empty
    signature field per signer, ``field_name(i)`` in routing order, lies on the new page(s).
    """
    data = bytes(original) if isinstance(original, (bytes, bytearray, memoryview)) else original.read()
    _validate(info, data)
    try:
        writer = open_writer(data, strict=True)
        original_pages = _page_count(writer)
        size = page_size(writer.prev, original_pages)
    except (PdfError, KeyError, TypeError, ValueError) as exc:
        raise DamagedPdf(reason=str(exc)) from exc

    drawn, pages = Drawer(info, size, original_pages, len(data)).render()
    drawn_reader = PdfFileReader(io.BytesIO(drawn))
    width, height = size
    for number in range(len(pages)):
        xobject = writer.import_page_as_xobject(drawn_reader, page_ix=number)
        contents = writer.add_object(generic.StreamObject(stream_data=b"q /SigPage Do Q"))
        writer.insert_page(generic.DictionaryObject({
            pdf_name("/Type"): pdf_name("/Page"),
            pdf_name("/MediaBox"): generic.ArrayObject(
                [generic.NumberObject(0), generic.NumberObject(0),
                 generic.FloatObject(round(width, 3)), generic.FloatObject(round(height, 3))]),
            pdf_name("/Resources"): generic.DictionaryObject({
                pdf_name("/XObject"): generic.DictionaryObject({pdf_name("/SigPage"): xobject}),
            }),
            pdf_name("/Contents"): contents,
        }))

    try:
        for number, page in enumerate(pages):
            for cell in page.cells:
                append_signature_field(writer, SigFieldSpec(
                    sig_field_name=field_name(cell.index),
                    on_page=original_pages + number,
                    box=cell.box,
                ))
    except PdfError as exc:
        # In practice: the original already has a form field of one of these names.
        raise InputError(
            "Protokollet har redan ett formulärfält med samma namn som ett signaturfält. "
            "Exportera protokollet utan formulärfält och ladda upp igen.",
            "The protocol already has a form field named like a signature field. "
            "Export the protocol without form fields and upload it again.",
            reason=str(exc),
        ) from exc

    add_to_form(writer)  # the stamps' font, embedded once for every signer's stamp
    # Lets a verifier cut the original out of any later revision (head -c LENGTH), offline.
    write_original_marker(writer, len(data), info.sha256.lower())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
