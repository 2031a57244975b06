"""Generators of hostile (and a few harmless look-alike) uploads, built in memory.

Each function returns the bytes of one file; nothing is downloaded. The small PDFs are written
by hand (``build_pdf``) so that each one is broken in exactly one way; the others start from a
sample protocol (``signering.samples``) rendered by ``signering.textpdf`` and are damaged, encrypted or signed with
pypdf / pyHanko.
"""

from __future__ import annotations

import datetime
import functools
import io
import re
import zlib

from signering.samples import sample
PAGE = b"/Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << >>"
CONTENT = b"BT /F1 12 Tf 72 720 Td (Protokoll) Tj ET"


# --- a tiny PDF writer -------------------------------------------------------------------

def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def build_pdf(objects: dict[int, bytes], *, root: int = 1, trailer_extra: bytes = b"",
              prev_self: bool = False, misplace: dict[int, int] | None = None) -> bytes:
    """A classic PDF (xref table) holding ``objects`` (number -> body), offsets computed.

    ``misplace`` shifts chosen objects' xref offsets by the given number of bytes.
    """
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num in sorted(objects):
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + objects[num] + b"\nendobj\n"
    size = max(objects) + 1
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for num in range(1, size):
        shifted = offsets.get(num, 0) + (misplace or {}).get(num, 0)
        out += b"%010d 00000 n \n" % shifted if num in offsets else b"0000000000 00001 f \n"
    if prev_self:
        trailer_extra += b" /Prev %d" % xref_at
    out += b"trailer\n<< /Size %d /Root %d 0 R %s >>\nstartxref\n%d\n%%%%EOF\n" % (size, root, trailer_extra, xref_at)
    return bytes(out)


def simple_objects(*, catalog: bytes = b"", page: bytes = b"") -> dict[int, bytes]:
    return {
        1: b"<< /Type /Catalog /Pages 2 0 R " + catalog + b" >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< " + PAGE + b" " + page + b" >>",
        4: stream(CONTENT),
    }


def simple_pdf(*, catalog: bytes = b"", page: bytes = b"", **kw) -> bytes:
    return build_pdf(simple_objects(catalog=catalog, page=page), **kw)


# --- real protocols ------------------------------------------------------------------------

def sample_text(name: str = "ekasa-mbn-2025-04-08") -> str:
    return sample(name).text()


#: Pages of ``protocol_pdf()``.
PROTOCOL_PAGES = 2


@functools.lru_cache(maxsize=None)
def protocol_pdf(name: str = "fjallbygden-socialchefer-2025-10-06", min_pages: int = 1) -> bytes:
    from signering.textpdf import render_text_pdf

    return render_text_pdf(sample_text(name), header="Protokoll", min_pages=min_pages)


# --- not a PDF at all ------------------------------------------------------------------------

def empty() -> bytes:
    return b""


def png_renamed() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def text_renamed() -> bytes:
    return sample_text().encode("utf-8")


# --- damaged files -------------------------------------------------------------------------------

def truncated() -> bytes:
    pdf = protocol_pdf()
    return pdf[: len(pdf) // 2]


def truncated_before_end_marker() -> bytes:
    return protocol_pdf()[:-8]


def garbage_before_header() -> bytes:
    return b"From: kansliet@example.se\r\nSubject: protokoll\r\n\r\n" + protocol_pdf()


def garbage_after_end() -> bytes:
    # Under 1 KiB, so pyHanko alone would skip it and read the file.
    return protocol_pdf() + b"\nThis trailing text was appended by a broken mail gateway.\n"


def garbage_inserted_after_header() -> bytes:
    pdf = protocol_pdf()
    cut = pdf.index(b"\n", pdf.index(b"\n") + 1) + 1
    return pdf[:cut] + b"\x8b\x1f\xff junk from a broken upload proxy \xfe\x00\n" * 3 + pdf[cut:]


def xref_offsets_wrong() -> bytes:
    """Every in-use xref entry shifted by 7 bytes: the table parses but points nowhere."""
    def shift(m: re.Match) -> bytes:
        return b"%010d %s n" % (int(m[1]) + 7, m[2])
    pdf = protocol_pdf()
    start = pdf.rindex(b"\nxref") + 1
    return pdf[:start] + re.sub(rb"(\d{10}) (\d{5}) n", shift, pdf[start:])


def one_object_misplaced() -> bytes:
    """Only the content stream's entry is off: pyHanko opens the file and fails later."""
    return simple_pdf(misplace={4: 5})


def huge_xref_table(entries: int = 1_000_000) -> bytes:
    """An update whose xref table has ``entries`` rows (20 bytes each): cheap to send,
    expensive to hold (pyHanko keeps ~240 bytes per row). Not in HOSTILE: it is a test of the
    child process's memory ceiling, not of check_pdf, which cannot bound pyHanko's tables."""
    base = simple_pdf()
    row = b"%010d 00000 n \n" % base.index(b"4 0 obj")
    prev = int(base[base.rindex(b"startxref") + 9:].split()[0])
    return (base + b"xref\n0 %d\n0000000000 65535 f \n" % entries + row * (entries - 1)
            + b"trailer\n<< /Size %d /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (entries, prev, len(base)))


def xref_keyword_gone() -> bytes:
    pdf = protocol_pdf()
    start = pdf.rindex(b"\nxref") + 1
    return pdf[:start] + b"junk" + pdf[start + 4:]


def startxref_beyond_end() -> bytes:
    return re.sub(rb"startxref\s+\d+", b"startxref\n999999999", protocol_pdf())


def xref_prev_loop() -> bytes:
    return simple_pdf(prev_self=True)


def zero_pages() -> bytes:
    return build_pdf({1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [] /Count 0 >>"})


def page_tree_cycle() -> bytes:
    """Pages 2 lists Pages 5, which lists Pages 2 again."""
    objs = simple_objects()
    objs[2] = b"<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >>"
    objs[5] = b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>"
    return build_pdf(objs)


def page_tree_self_parent() -> bytes:
    """The tree root names itself as /Parent: pyHanko's insert_page would climb forever."""
    objs = simple_objects()
    objs[2] = b"<< /Type /Pages /Parent 2 0 R /Kids [3 0 R] /Count 1 >>"
    return build_pdf(objs)


def page_count_lies() -> bytes:
    objs = simple_objects()
    objs[2] = b"<< /Type /Pages /Kids [3 0 R] /Count 1000000 >>"
    return build_pdf(objs)


def reference_loop() -> bytes:
    objs = simple_objects()
    objs[1] = b"<< /Type /Catalog /Pages 5 0 R >>"
    objs[5] = b"6 0 R"
    objs[6] = b"5 0 R"
    return build_pdf(objs)


def nested_arrays(depth: int = 100_000) -> bytes:
    return simple_pdf(catalog=b"/Deep " + b"[" * depth + b"]" * depth)


def nested_dicts(depth: int = 100_000) -> bytes:
    return simple_pdf(page=b"/Deep " + b"<< /A " * depth + b"1 " + b">> " * depth)


def nested_in_trailer(depth: int = 100_000) -> bytes:
    return simple_pdf(trailer_extra=b"/Deep " + b"[" * depth + b"]" * depth)


def _deflate_of_filler(prefix: bytes, total: int) -> bytes:
    """zlib data inflating to ``prefix`` plus spaces, ``total`` bytes in all, made in 1 MiB steps."""
    z = zlib.compressobj(9)
    parts = [z.compress(prefix)]
    block = b" " * (1 << 20)
    remaining = total - len(prefix)
    while remaining > 0:
        parts.append(z.compress(block[: min(remaining, len(block))]))
        remaining -= len(block)
    parts.append(z.flush())
    return b"".join(parts)


BOMB_BYTES = 320 * 1024 * 1024


@functools.lru_cache(maxsize=None)
def content_stream_bomb() -> bytes:
    """The page's content stream inflates to 320 MiB; a checker must never inflate it fully."""
    objs = simple_objects()
    objs[4] = stream(_deflate_of_filler(CONTENT + b"\n", BOMB_BYTES), b"/Filter /FlateDecode")
    return build_pdf(objs)


@functools.lru_cache(maxsize=None)
def object_stream_bomb() -> bytes:
    """The page dictionary lives in an object stream that inflates to 320 MiB.

    Reading the page requires inflating that stream, so this one tests the decode limits.
    Written with a cross-reference stream, as object streams require.
    """
    page = b"<< " + PAGE + b" >>"
    header = b"3 0 "
    objstm = stream(_deflate_of_filler(header + page, BOMB_BYTES),
                    b"/Type /ObjStm /N 1 /First %d /Filter /FlateDecode" % len(header))
    bodies = {1: b"<< /Type /Catalog /Pages 2 0 R >>", 2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
              4: stream(CONTENT), 5: objstm}
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num, body in bodies.items():
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    offsets[6] = len(out)
    rows = [b"\x00" + (0).to_bytes(4, "big") + b"\xff\xff"]
    for num in range(1, 7):
        if num == 3:
            rows.append(b"\x02" + (5).to_bytes(4, "big") + (0).to_bytes(2, "big"))
        else:
            rows.append(b"\x01" + offsets[num].to_bytes(4, "big") + b"\x00\x00")
    out += b"6 0 obj\n" + stream(b"".join(rows), b"/Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R") + b"\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % offsets[6]
    return bytes(out)


# --- active content ---------------------------------------------------------------------------

def open_action_javascript() -> bytes:
    return simple_pdf(catalog=b"/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>")


def open_action_goto_then_javascript() -> bytes:
    return simple_pdf(catalog=b"/OpenAction << /S /GoTo /D [3 0 R /Fit] /Next << /S /JavaScript /JS (1) >> >>")


def open_action_uri() -> bytes:
    return simple_pdf(catalog=b"/OpenAction << /S /URI /URI (https://example.se/) >>")


def document_javascript() -> bytes:
    return simple_pdf(catalog=b"/Names << /JavaScript << /Names [(init) << /S /JavaScript /JS (1) >>] >> >>")


def document_additional_actions() -> bytes:
    return simple_pdf(catalog=b"/AA << /WC << /S /JavaScript /JS (1) >> >>")


def page_additional_actions() -> bytes:
    return simple_pdf(page=b"/AA << /O << /S /JavaScript /JS (1) >> >>")


def _link(action: bytes) -> bytes:
    return b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 100 20] /A " + action + b" >>]"


def launch_link() -> bytes:
    return simple_pdf(page=_link(b"<< /S /Launch /F (cmd.exe) /Win << /F (cmd.exe) /P (/c calc) >> >>"))


def javascript_uri_link() -> bytes:
    return simple_pdf(page=_link(b"<< /S /URI /URI (javascript:app.alert\\(1\\)) >>"))


def launch_bookmark() -> bytes:
    objs = simple_objects(catalog=b"/Outlines 5 0 R")
    objs[5] = b"<< /Type /Outlines /First 6 0 R /Last 6 0 R /Count 1 >>"
    objs[6] = b"<< /Title (Bilaga) /Parent 5 0 R /A << /S /Launch /F (bilaga.exe) >> >>"
    return build_pdf(objs)


def submit_form_button() -> bytes:
    objs = simple_objects(catalog=b"/AcroForm << /Fields [5 0 R] >>", page=b"/Annots [5 0 R]")
    objs[5] = (b"<< /Type /Annot /Subtype /Widget /FT /Btn /Ff 65536 /T (Skicka) /Rect [0 0 50 20] /P 3 0 R "
               b"/A << /S /SubmitForm /F (https://example.com/collect) >> >>")
    return build_pdf(objs)


def rich_media_annotation() -> bytes:
    return simple_pdf(page=b"/Annots [<< /Type /Annot /Subtype /RichMedia /Rect [0 0 10 10] >>]")


# --- harmless look-alikes (must be accepted) ----------------------------------------------

def open_action_destination() -> bytes:
    """What LibreOffice writes: open at page 1. A destination, not an action."""
    return simple_pdf(catalog=b"/OpenAction [3 0 R /XYZ null null 0]")


def web_and_mail_links() -> bytes:
    return simple_pdf(page=b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 100 20] "
                           b"/A << /S /URI /URI (https://www.example.se/anslagstavla) >> >> "
                           b"<< /Type /Annot /Subtype /Link /Rect [0 30 100 50] /A << /S /URI /URI (mailto:kansliet@example.se) >> >> "
                           b"<< /Type /Annot /Subtype /Link /Rect [0 60 100 80] /A << /S /Named /N /NextPage >> >>]")


def goto_bookmarks() -> bytes:
    objs = simple_objects(catalog=b"/Outlines 5 0 R")
    objs[5] = b"<< /Type /Outlines /First 6 0 R /Last 7 0 R /Count 2 >>"
    objs[6] = b"<< /Title (\\247 1) /Parent 5 0 R /Next 7 0 R /Dest [3 0 R /Fit] >>"
    objs[7] = b"<< /Title (\\247 2) /Parent 5 0 R /Prev 6 0 R /A << /S /GoTo /D [3 0 R /Fit] >> >>"
    return build_pdf(objs)


def empty_signature_field() -> bytes:
    """A protocol template with an unsigned signature field: not signed, so acceptable."""
    objs = simple_objects(catalog=b"/AcroForm << /Fields [5 0 R] >>", page=b"/Annots [5 0 R]")
    objs[5] = b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (Justerare) /Rect [0 0 0 0] /P 3 0 R >>"
    return build_pdf(objs)


# --- encrypted and signed files ------------------------------------------------------------

def encrypted(user_password: str = "hemligt") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(protocol_pdf())))
    writer.encrypt(user_password=user_password, owner_password="ägare", algorithm="AES-256")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def encrypted_without_user_password() -> bytes:
    """Opens without a password in every viewer, but is still encrypted."""
    return encrypted(user_password="")


@functools.lru_cache(maxsize=None)
def _throwaway_signer():
    from asn1crypto import keys, x509
    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = ec.generate_private_key(ec.SECP256R1())
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "Testkommun engångscertifikat")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (cx509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(cx509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    cert_asn1 = x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    key_asn1 = keys.PrivateKeyInfo.load(key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return signers.SimpleSigner(signing_cert=cert_asn1, signing_key=key_asn1,
                                cert_registry=SimpleCertificateStore.from_certs([cert_asn1]))


def _signed(certify: bool) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.fields import MDPPerm
    from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner

    meta = PdfSignatureMetadata(field_name="Ordforande", certify=certify,
                                docmdp_permissions=MDPPerm.FILL_FORMS)
    writer = IncrementalPdfFileWriter(io.BytesIO(protocol_pdf()))
    return PdfSigner(meta, _throwaway_signer()).sign_pdf(writer).getvalue()


def certified() -> bytes:
    return _signed(certify=True)


def approval_signed() -> bytes:
    return _signed(certify=False)


def certified_without_perms() -> bytes:
    """A certification signature whose writer left out the catalog's /Perms entry."""
    objs = simple_objects(catalog=b"/AcroForm << /Fields [5 0 R] /SigFlags 3 >>", page=b"/Annots [5 0 R]")
    objs[5] = b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (Sig1) /Rect [0 0 0 0] /P 3 0 R /V 6 0 R >>"
    objs[6] = (b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 0 0 0] "
               b"/Contents <00> /Reference [<< /Type /SigRef /TransformMethod /DocMDP "
               b"/TransformParams << /Type /TransformParams /P 2 /V /1.2 >> >>] >>")
    return build_pdf(objs)


# --- an upload larger than the limit --------------------------------------------------------

class EndlessUpload(io.RawIOBase):
    """A PDF-looking upload that never ends; ``served`` counts the bytes handed out."""

    def __init__(self):
        self.served = 0

    def readable(self):
        return True

    def readinto(self, buffer) -> int:
        view = memoryview(buffer).cast("B")
        head = b"%PDF-1.7\n"
        n = len(view)
        view[:n] = b"\x20" * n
        if self.served < len(head):
            k = min(n, len(head) - self.served)
            view[:k] = head[self.served:self.served + k]
        self.served += n
        return n


#: name -> generator of every file that must be refused.
HOSTILE = {
    name: globals()[name] for name in (
        "empty", "png_renamed", "text_renamed", "truncated", "truncated_before_end_marker",
        "garbage_before_header", "garbage_after_end", "garbage_inserted_after_header",
        "xref_offsets_wrong", "one_object_misplaced", "xref_keyword_gone", "startxref_beyond_end", "xref_prev_loop",
        "zero_pages", "page_tree_cycle", "page_tree_self_parent", "page_count_lies", "reference_loop",
        "nested_arrays", "nested_dicts", "nested_in_trailer", "content_stream_bomb", "object_stream_bomb",
        "open_action_javascript", "open_action_goto_then_javascript", "open_action_uri",
        "document_javascript", "document_additional_actions", "page_additional_actions",
        "launch_link", "javascript_uri_link", "launch_bookmark", "submit_form_button",
        "rich_media_annotation", "encrypted", "encrypted_without_user_password",
        "certified", "approval_signed", "certified_without_perms",
    )
}

#: name -> generator of files that look suspicious but are ordinary protocols.
HARMLESS = {
    name: globals()[name] for name in (
        "open_action_destination", "web_and_mail_links", "goto_bookmarks", "empty_signature_field",
    )
}
