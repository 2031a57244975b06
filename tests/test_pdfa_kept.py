"""Sealing a PDF/A-1b, -2b or -3b protocol keeps it PDF/A.

The inputs are made here with Ghostscript (``-dPDFA``, an sRGB output intent) from a protocol
rendered by reportlab, then run through the real chain: signature page, three signers with
visible stamps, e-sigill, DSS and document timestamp. The checks are the rules of ISO 19005
that an incremental signature can break; veraPDF is not available offline here, so they are
checked one by one:

- fonts: every font used on any page or in any annotation appearance is embedded (``pdffonts``);
- version: the catalog ``/Version`` stays within the part (1.4 for PDF/A-1, 1.7 for -2/-3) and
  no developer extension of a later PDF version is declared (ISO/TS 32002 declares PDF 2.0);
- identification: the XMP metadata stream is the original's, still saying ``pdfaid:part``, and
  the output intents are the original's;
- annotations: printable, not hidden, only a normal appearance;
- PDF/A-1: nothing transparent on the signature page;
- and ``pdfsig`` still finds every signature valid.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from conftest import BASE_URL, SAMPLE_ROUTE
from signering.pdf.chain import run_chain
from signering.pdf.verify import verify_pdf
from signering.pki.certs import to_asn1
from signering.textpdf import render_text_pdf

SRGB = "/usr/share/color/icc/ghostscript/srgb.icc"
MAX_VERSION = {1: (1, 4), 2: (1, 7), 3: (1, 7)}
TEXT = ("PROTOKOLL\nKommunstyrelsens allmänna utskott\n\n"
        + "".join(f"§ {n} Ärende {n}\nUtskottet beslutar att godkänna förslaget med de ändringar som "
                  "framgår av tjänsteskrivelsen. Åtgärderna följs upp i översynen.\n\n" for n in range(1, 40)))

# The output intent Ghostscript's PDFA_def.ps would write, with Debian's sRGB profile.
PDFA_DEF = f"""
[/_objdef {{icc_PDFA}} /type /stream /OBJ pdfmark
[{{icc_PDFA}} << /N 3 >> /PUT pdfmark
[{{icc_PDFA}} ({SRGB}) (r) file /PUT pdfmark
[/_objdef {{OutputIntent_PDFA}} /type /dict /OBJ pdfmark
[{{OutputIntent_PDFA}} << /Type /OutputIntent /S /GTS_PDFA1 /DestOutputProfile {{icc_PDFA}}
  /OutputConditionIdentifier (sRGB) >> /PUT pdfmark
[{{Catalog}} << /OutputIntents [ {{OutputIntent_PDFA}} ] >> /PUT pdfmark
"""


def _to_pdfa(pdf: bytes, part: int, tmp) -> bytes:
    assert shutil.which("gs"), "Ghostscript (gs) is missing: `make test` installs it"
    (tmp / "in.pdf").write_bytes(pdf)
    (tmp / "def.ps").write_text(PDFA_DEF)
    subprocess.run(["gs", "-q", f"-dPDFA={part}", "-dBATCH", "-dNOPAUSE", "-dPDFACompatibilityPolicy=1",
                    "-sColorConversionStrategy=RGB", "-sDEVICE=pdfwrite", f"--permit-file-read={SRGB}",
                    "-o", str(tmp / "out.pdf"), str(tmp / "def.ps"), str(tmp / "in.pdf")], check=True)
    return (tmp / "out.pdf").read_bytes()


@pytest.fixture(scope="module", params=[1, 2, 3], ids=["pdfa-1b", "pdfa-2b", "pdfa-3b"])
def case(request, keys, timestamper, tmp_path_factory):
    part = request.param
    tmp = tmp_path_factory.mktemp(f"pdfa{part}")
    original = _to_pdfa(render_text_pdf(TEXT, min_pages=2), part, tmp)
    assert _pdfa_part(PdfFileReader(io.BytesIO(original))) == part  # Ghostscript made what we asked for
    sealed = run_chain(original, SAMPLE_ROUTE, keys, timestamper, BASE_URL)
    path = tmp / "sealed.pdf"
    path.write_bytes(sealed)
    return part, original, sealed, str(path)


def _pdfa_part(reader) -> int | None:
    xmp = reader.root["/Metadata"].get_object().data
    match = re.search(rb"pdfaid:part(?:>|=[\"'])(\d)", xmp)
    return int(match.group(1)) if match else None


def _reader(data: bytes) -> PdfFileReader:
    return PdfFileReader(io.BytesIO(data), strict=False)


def test_the_original_stays_the_byte_prefix_and_keeps_its_header(case):
    part, original, sealed, _ = case
    assert sealed[: len(original)] == original
    header = re.match(rb"%PDF-(\d)\.(\d)", sealed).groups()
    assert tuple(int(v) for v in header) <= MAX_VERSION[part]


def test_catalog_version_and_extensions_stay_within_the_part(case):
    part, _, sealed, _ = case
    root = _reader(sealed).root
    if "/Version" in root:
        major, minor = str(root["/Version"]).lstrip("/").split(".")
        assert (int(major), int(minor)) <= MAX_VERSION[part], root["/Version"]
    extensions = root.get("/Extensions")
    if part == 1:
        assert extensions is None, "PDF 1.4 has no developer extensions"
        return
    for prefix, value in (extensions or {}).items():
        for ext in (value if isinstance(value, generic.ArrayObject) else [value]):
            base = str(ext["/BaseVersion"]).lstrip("/")
            assert tuple(int(v) for v in base.split(".")) <= (1, 7), (prefix, ext)


def test_every_font_is_embedded_including_the_stamps(case):
    _, _, _, path = case
    proc = subprocess.run(["pdffonts", path], capture_output=True, text=True, check=True)
    header, _, *rows = proc.stdout.splitlines()
    assert len(rows) >= 3, proc.stdout
    column = header.index(" emb ") + 1
    for row in rows:
        assert row[column:column + 3] == "yes", f"not embedded: {row}"
    assert "Courier" not in proc.stdout


def test_xmp_identification_and_output_intent_are_the_originals(case):
    part, original, sealed, _ = case
    before, after = _reader(original).root, _reader(sealed).root
    assert _pdfa_part(_reader(sealed)) == part
    assert after["/Metadata"].get_object().data == before["/Metadata"].get_object().data
    intents_before = [i.get_object() for i in before["/OutputIntents"]]
    intents_after = [i.get_object() for i in after["/OutputIntents"]]
    assert [str(i["/S"]) for i in intents_after] == [str(i["/S"]) for i in intents_before] == ["/GTS_PDFA1"]
    assert intents_after[0]["/DestOutputProfile"].data == intents_before[0]["/DestOutputProfile"].data


def test_annotations_are_printable_and_have_only_a_normal_appearance(case):
    _, _, sealed, _ = case
    reader = _reader(sealed)
    count = 0
    for index in range(int(reader.root["/Pages"]["/Count"])):
        page = reader.find_page_for_modification(index)[0].get_object()
        for annot in page.get("/Annots", []):
            annot = annot.get_object()
            count += 1
            flags = int(annot.get("/F", 0))
            assert flags & 4, f"Print flag missing: {annot}"
            assert not flags & (1 | 2 | 32 | 256), f"hidden or not viewable: {annot}"
            if "/AP" in annot:
                assert list(annot["/AP"].keys()) == ["/N"], annot["/AP"]
    assert count >= 3


def _forbidden_transparency(obj, seen: set) -> list[str]:
    """Transparency that PDF/A-1 forbids, anywhere in a resource tree."""
    found = []
    if isinstance(obj, generic.IndirectObject):
        key = (obj.idnum, obj.generation)
        if key in seen:
            return found
        seen.add(key)
        obj = obj.get_object()
    if isinstance(obj, generic.DictionaryObject):
        for name, value in obj.items():
            if name == "/SMask" and str(value) != "/None":
                found.append("SMask")
            elif name in ("/CA", "/ca") and float(value) != 1.0:
                found.append(f"{name} {value}")
            elif name == "/BM" and str(value) not in ("/Normal", "/Compatible"):
                found.append(f"BM {value}")
            elif name == "/Group" and str(value.get_object().get("/S")) == "/Transparency":
                found.append("transparency group")
            elif name not in ("/Parent", "/P", "/V"):
                found += _forbidden_transparency(value, seen)
    elif isinstance(obj, generic.ArrayObject):
        for value in obj:
            found += _forbidden_transparency(value, seen)
    return found


def test_the_signature_page_has_nothing_transparent(case):
    _, _, sealed, _ = case
    reader = _reader(sealed)
    last = reader.find_page_for_modification(int(reader.root["/Pages"]["/Count"]) - 1)[0].get_object()
    assert _forbidden_transparency(last, set()) == []


def test_pdfsig_and_our_verifier_still_find_every_signature_valid(case, keys):
    _, _, sealed, path = case
    proc = subprocess.run(["pdfsig", "-nocert", path], capture_output=True, text=True)
    assert proc.stdout.count("Signature Validation: Signature is Valid.") == 4, proc.stdout  # 3 signers + seal
    report = verify_pdf(sealed, [to_asn1(keys.root)])
    assert report.problems == [] and report.status == "valid"
