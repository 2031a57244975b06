"""The signature page: appended as an incremental update, readable, printable, with fields."""

from __future__ import annotations

import datetime
import hashlib
import io
import os
import subprocess
import tempfile

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields
from reportlab.lib.pagesizes import A4, A5, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from signering.errors import InputError, InvalidRoute, SigneringError
from signering.pdf.original import read_original_marker
from signering.pdf.signature_page import (
    MAX_SIGNERS,
    ROLE_LABELS,
    PageSigner,
    SignaturePageInfo,
    add_signature_page,
    field_name,
)
from signering.samples import sample
from signering.textpdf import render_text_pdf

BASE_URL = "https://signering.solleftea.se"
BOARD = "Kultur- och fritidsnämnden i Årjäng och Östra Göinge"
SIGNERS = (
    PageSigner("Åsa Öhman", "sekreterare"),
    PageSigner("Örjan Ängström", "ordforande"),
    PageSigner("Märta Lindqvist", "justerare"),
    PageSigner("Per-Åke Sjöö", "justerare"),
)


def _protocol(name: str = "ekasa-mbn-2025-04-08", **kwargs) -> bytes:
    return render_text_pdf(sample(name).text(), **kwargs)


def _info(original: bytes, signers=SIGNERS, **overrides) -> SignaturePageInfo:
    sha = hashlib.sha256(original).hexdigest()
    fields = dict(board=BOARD, meeting_date=datetime.date(2024, 4, 16), sha256=sha,
                  verify_url=f"{BASE_URL}/verifiera/{sha}", signers=tuple(signers),
                  organisation="Sollefteå kommun")
    fields.update(overrides)
    return SignaturePageInfo(**fields)


def _blank_pdf(size) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=size)
    c.drawString(72, 72, "Protokoll")
    c.showPage()
    c.save()
    return buf.getvalue()


def _run(*args: str, data: bytes) -> subprocess.CompletedProcess:
    """Run a command on ``data`` written to a file; "{pdf}" in ``args`` stands for its path."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        return subprocess.run([arg.replace("{pdf}", f.name) for arg in args], capture_output=True, text=True)


def _page_count(data: bytes) -> int:
    return int(PdfFileReader(io.BytesIO(data)).root["/Pages"]["/Count"])


def _page_text(data: bytes, page: int) -> str:
    proc = _run("pdftotext", "-f", str(page), "-l", str(page), "-layout", "{pdf}", "-", data=data)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _fields(data: bytes) -> list[tuple[str, int, tuple[float, ...]]]:
    """(name, 0-based page index, rect) of every signature field, in document order."""
    reader = PdfFileReader(io.BytesIO(data))
    pages = {}
    for index in range(_page_count(data)):
        ref = reader.find_page_for_modification(index)[0]
        pages[(ref.idnum, ref.generation)] = index
    out = []
    for name, value, ref in enumerate_sig_fields(reader):
        assert value is None, f"{name} should be empty"
        widget = ref.get_object()
        page_ref = widget.raw_get("/P")
        out.append((name, pages[(page_ref.idnum, page_ref.generation)],
                    tuple(float(v) for v in widget["/Rect"])))
    return out


@pytest.fixture(scope="module")
def protocol() -> bytes:
    data = _protocol(min_pages=11)
    assert _page_count(data) >= 11
    return data


@pytest.fixture(scope="module")
def signed_up(protocol) -> bytes:
    return add_signature_page(protocol, _info(protocol))


def test_original_bytes_stay_the_prefix_and_qpdf_is_happy(protocol, signed_up):
    assert signed_up[: len(protocol)] == protocol
    assert len(signed_up) > len(protocol)
    check = _run("qpdf", "--check", "{pdf}", data=signed_up)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No syntax or stream encoding errors" in check.stdout
    assert _page_count(signed_up) == _page_count(protocol) + 1


def test_the_update_records_where_the_original_ends(protocol, signed_up):
    marker = read_original_marker(PdfFileReader(io.BytesIO(signed_up)))
    assert marker == (len(protocol), hashlib.sha256(protocol).hexdigest())
    assert hashlib.sha256(signed_up[: marker[0]]).hexdigest() == marker[1]


def test_last_page_shows_heading_board_signers_roles_and_full_hash(protocol, signed_up):
    pages = _page_count(protocol)
    text = _page_text(signed_up, pages + 1)
    assert "Signering" in text
    assert "Sollefteå kommun" in text
    assert BOARD in " ".join(text.split())
    assert "2024-04-16" in text
    for signer in SIGNERS:
        assert signer.name in text
    for role in ("Sekreterare", "Ordförande", "Justerare"):
        assert role in text
    sha = hashlib.sha256(protocol).hexdigest()
    assert sha in "".join(text.split())
    # The original's byte length, which the public verification page points to (head -c LENGTH).
    assert f"Originalprotokollet ({pages} sidor, {len(protocol)} byte)" in text
    assert f"{BASE_URL}/verifiera" in "".join(text.split())
    # The protocol's own last page is untouched by our text.
    assert "Signering" not in _page_text(signed_up, pages)


def test_every_font_on_the_page_is_embedded(protocol, signed_up):
    last = str(_page_count(signed_up))
    proc = _run("pdffonts", "-f", last, "-l", last, "{pdf}", data=signed_up)
    assert proc.returncode == 0, proc.stderr
    rows = proc.stdout.splitlines()[2:]
    assert rows, proc.stdout
    for row in rows:
        # columns: name type encoding emb sub uni object ID; 'emb' is 5th from the end
        assert row.split()[-5] == "yes", row


def test_empty_signature_fields_in_routing_order_as_boxes_in_a_grid(protocol, signed_up):
    last = _page_count(signed_up) - 1
    fields = _fields(signed_up)
    assert [name for name, _, _ in fields] == [field_name(i) for i in range(len(SIGNERS))]
    assert all(page == last for _, page, _ in fields)
    width, height = A4
    rects = [rect for _, _, rect in fields]
    for x1, y1, x2, y2 in rects:
        assert 75 * mm <= x2 - x1 <= 90 * mm
        assert 26 * mm <= y2 - y1 <= 30 * mm
        assert 15 * mm <= x1 and x2 <= width - 15 * mm and 15 * mm <= y1 and y2 <= height - 15 * mm
    # Two columns: routing order reads left to right, then top to bottom, rows aligned.
    (a, b, c, d) = rects
    assert a[1] == b[1] and c[1] == d[1] and a[0] == c[0] and b[0] == d[0]
    assert a[0] < b[0] and c[3] < a[1]
    for i, r in enumerate(rects):
        for s in rects[i + 1:]:
            assert r[2] <= s[0] or s[2] <= r[0] or r[3] <= s[1] or s[3] <= r[1], "boxes overlap"


def test_names_and_roles_are_printed_below_their_box_not_inside(protocol, signed_up):
    last = str(_page_count(signed_up))
    fields = _fields(signed_up)
    page_height = A4[1]
    for (_, _, (x1, y1, x2, y2)), signer in zip(fields, SIGNERS):
        # pdftotext -x/-y/-W/-H crops in points from the top left at 72 dpi.
        inside = _run("pdftotext", "-f", last, "-l", last, "-r", "72",
                      "-x", str(int(x1) + 1), "-y", str(int(page_height - y2) + 1),
                      "-W", str(int(x2 - x1) - 2), "-H", str(int(y2 - y1) - 2), "{pdf}", "-", data=signed_up)
        assert inside.stdout.strip() == "", inside.stdout
        below = _run("pdftotext", "-f", last, "-l", last, "-r", "72",
                     "-x", str(int(x1)), "-y", str(int(page_height - y1)),
                     "-W", str(int(x2 - x1)), "-H", str(int(14 * mm)), "{pdf}", "-", data=signed_up)
        assert signer.name in below.stdout
        assert ROLE_LABELS["sv"][signer.role] in below.stdout


def _decode_qr(data: bytes) -> list[str]:
    """Render the last page at 150 dpi and read every QR code on it with zbar."""
    last = str(_page_count(data))
    with tempfile.TemporaryDirectory() as tmp:
        pdf = os.path.join(tmp, "out.pdf")
        with open(pdf, "wb") as f:
            f.write(data)
        subprocess.run(["pdftoppm", "-r", "150", "-png", "-f", last, "-l", last, "-singlefile", pdf,
                        os.path.join(tmp, "page")], check=True)
        proc = subprocess.run(["zbarimg", "--quiet", "--raw", os.path.join(tmp, "page.png")],
                              capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip().splitlines()


def test_qr_code_decodes_to_the_verify_url(protocol, signed_up):
    assert _decode_qr(signed_up) == [_info(protocol).verify_url]


def test_qr_code_of_a_non_ascii_host_is_plain_ascii():
    original = _blank_pdf(A4)
    sha = hashlib.sha256(original).hexdigest()
    out = add_signature_page(original, _info(original, verify_url=f"https://signering.sollefteå.se/verifiera/{sha}"))
    host = "signering.sollefteå.se".encode("idna").decode()
    assert host.startswith("signering.xn--")
    assert _decode_qr(out) == [f"https://{host}/verifiera/{sha}"]
    # People read the Unicode form.
    assert "signering.sollefteå.se/verifiera" in "".join(_page_text(out, 2).split())


def test_english_labels(protocol):
    out = add_signature_page(protocol, _info(protocol, lang="en"))
    text = _page_text(out, _page_count(out))
    assert "Signatures" in text
    for label in ("Secretary", "Chair", ROLE_LABELS["en"]["justerare"]):
        assert label in text
    assert "Sekreterare" not in text


def test_accepts_a_file_object(protocol):
    out = add_signature_page(io.BytesIO(protocol), _info(protocol))
    assert out[: len(protocol)] == protocol
    assert _page_count(out) == _page_count(protocol) + 1


def test_many_signers_flow_onto_a_second_page_in_order(protocol):
    signers = SIGNERS[:2] + tuple(PageSigner(f"Justerare Nummer {i}", "justerare")
                                  for i in range(MAX_SIGNERS - 2))
    out = add_signature_page(protocol, _info(protocol, signers=signers))
    pages = _page_count(protocol)
    assert _page_count(out) == pages + 2
    fields = _fields(out)
    assert [name for name, _, _ in fields] == [field_name(i) for i in range(MAX_SIGNERS)]
    on_pages = [page for _, page, _ in fields]
    assert on_pages == sorted(on_pages) and set(on_pages) == {pages, pages + 1}
    second = _page_text(out, pages + 2)
    first = _page_text(out, pages + 1)
    for i, (name, page, _) in enumerate(fields):
        assert signers[i].name in (first if page == pages else second)
    assert f"Sida {pages + 2} ({pages + 2})" in second
    assert _run("qpdf", "--check", "{pdf}", data=out).returncode == 0


@pytest.mark.parametrize("size, expected", [
    (landscape(A4), landscape(A4)),
    ((612, 792), (612, 792)),  # US Letter
    (A5, A4),
])
def test_page_size_follows_the_last_page_or_falls_back_to_a4(size, expected):
    original = _blank_pdf(size)
    out = add_signature_page(original, _info(original))
    reader = PdfFileReader(io.BytesIO(out))
    page = reader.find_page_for_modification(-1)[0].get_object()
    box = [float(v) for v in page["/MediaBox"]]
    assert box[2] - box[0] == pytest.approx(expected[0], abs=0.01)
    assert box[3] - box[1] == pytest.approx(expected[1], abs=0.01)
    for _, _, (x1, y1, x2, y2) in _fields(out):
        assert 0 < x1 < x2 < expected[0] and 0 < y1 < y2 < expected[1]


@pytest.mark.parametrize("signers, reason", [
    ((), "no_signers"),
    ((PageSigner("Anna", "ordförande"),), "unknown_role"),
    ((PageSigner("Anna", "ordforande"), PageSigner("Bo", "sekreterare")), "order"),
    ((PageSigner("Anna", "sekreterare"), PageSigner("Bo", "justerare"), PageSigner("Cia", "ordforande")), "order"),
    ((PageSigner("  ", "sekreterare"),), "no_name"),
    ((PageSigner("A" * 201, "sekreterare"),), "long_name"),
    (tuple(PageSigner(f"J {i}", "justerare") for i in range(MAX_SIGNERS + 1)), "too_many"),
])
def test_bad_routes_are_rejected(signers, reason):
    original = _blank_pdf(A4)
    with pytest.raises(InvalidRoute) as caught:
        add_signature_page(original, _info(original, signers=signers))
    error = caught.value
    assert error.code == "invalid_route"
    assert error.details["reason"] == reason
    assert error.message("sv") != error.message("en")


def test_a_hash_that_is_not_the_originals_is_rejected():
    original = _blank_pdf(A4)
    other = hashlib.sha256(original + b"x").hexdigest()
    with pytest.raises(InputError) as caught:
        add_signature_page(original, _info(original, sha256=other))
    assert not isinstance(caught.value, InvalidRoute)
    assert isinstance(caught.value, SigneringError)


def test_field_names():
    assert [field_name(i) for i in range(3)] == ["signer-1", "signer-2", "signer-3"]
    with pytest.raises(ValueError):
        field_name(-1)


# --- the signers' stamps -------------------------------------------------------------------


@pytest.fixture(scope="module")
def stamped(signed_up, keys, timestamper) -> bytes:
    """The signature page with the first two signers' visible stamps."""
    from signering.pdf.signing import SignerIdentity, sign_as

    sha = _info(_protocol(min_pages=11)).sha256
    pdf = signed_up
    for index, signer in enumerate(SIGNERS[:2]):
        pdf = sign_as(pdf, field_name=field_name(index), who=SignerIdentity(signer.name, signer.role, "Sollefteå kommun"),
                      ca=keys.signing_ca, document_sha256=sha, timestamper=timestamper)
    return pdf


def _stamp_signing_times(data: bytes) -> list[datetime.datetime]:
    return [s.self_reported_timestamp for s in PdfFileReader(io.BytesIO(data)).embedded_signatures]


def test_stamps_show_swedish_local_time_with_its_zone_and_say_what_the_seal_is(stamped):
    from zoneinfo import ZoneInfo

    last = str(_page_count(stamped))
    text = _run("pdftotext", "-f", last, "-l", last, "{pdf}", "-", data=stamped).stdout  # reading order
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "UTC" not in text
    for signer, when in zip(SIGNERS[:2], _stamp_signing_times(stamped)):
        local = when.astimezone(ZoneInfo("Europe/Stockholm")).strftime("%Y-%m-%d %H:%M:%S %Z")
        assert local.endswith((" CET", " CEST"))
        assert f"Signerat elektroniskt av {signer.name}" in lines
        assert f"{ROLE_LABELS['sv'][signer.role]} · {local}" in lines
    flat = " ".join(text.split())
    assert "Tidsstämplad underskrift" in flat and "e-sigill" in flat and "anslås" in flat
    # Issue 14: how each signer was identified; these were signed after an e-mailed code.
    assert flat.count("Bekräftad med kod via e-post") == 2


def test_stamps_use_the_embedded_proportional_font(stamped):
    last = str(_page_count(stamped))
    proc = _run("pdffonts", "-f", last, "-l", last, "{pdf}", data=stamped)
    header, _, *rows = proc.stdout.splitlines()
    column = header.index(" emb ") + 1
    assert all(row[column:column + 3] == "yes" for row in rows), proc.stdout
    assert "Courier" not in proc.stdout
    # One whole font for every stamp, embedded with the page and shared by the signatures.
    assert sum("Identity-H" in row for row in rows) == 1, proc.stdout


def test_stamp_lines_are_centred_in_the_box(stamped):
    """pdftotext's word boxes: each stamp line's middle lies on its box's middle."""
    last = str(_page_count(stamped))
    html = _run("pdftotext", "-f", last, "-l", last, "-bbox-layout", "{pdf}", "-", data=stamped).stdout
    fields = {name: rect for name, _page, rect in _fields_any(stamped)}
    import re as _re

    checked = 0
    for x_min, x_max, words in _re.findall(r'<line xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</line>',
                                           html, _re.S):
        if ">SHA-256<" not in words and ">Signerat<" not in words:
            continue
        middle = (float(x_min) + float(x_max)) / 2
        box = min(fields.values(), key=lambda r: abs((r[0] + r[2]) / 2 - middle))
        assert abs((box[0] + box[2]) / 2 - middle) < 1.5, (words, box, middle)
        checked += 1
    assert checked == 4


def _fields_any(data: bytes):
    reader = PdfFileReader(io.BytesIO(data))
    return [(name, None, tuple(float(v) for v in ref.get_object()["/Rect"]))
            for name, _value, ref in enumerate_sig_fields(reader)]
