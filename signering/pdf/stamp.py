"""The signature stamps: an embedded font, centred lines, Swedish local time.

PDF/A (and any reader without Courier) needs every font embedded, stamps included. pyHanko's
own way, a GlyphAccumulator, subsets and embeds a font per signature: about 18 ms, most of a
signature's time budget. Instead the signature page revision embeds the project's font once,
whole, as a composite font (Type0/CIDFontType2, Identity-H, CID = glyph id, with widths and a
ToUnicode map so text can be copied), and records it in the AcroForm's default resources
(``/DR /Font /SigneringSans``); each stamp only refers to it. A PDF prepared before this font
existed gets the font embedded in the stamp's own revision instead.

pyHanko's text box puts each line at the left edge; :class:`CentredTextStampStyle` centres
every line in the text block, which the stamp centres in the box, and shows pyHanko's signing
time (the one in the signature's ``/M``) in Swedish local time with its zone.
"""

from __future__ import annotations

import datetime as dt
import threading
import zlib
from dataclasses import dataclass

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.api import FontEngine, FontEngineFactory, ShapeResult
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.text import TextBox
from pyhanko.stamp import TextStamp, TextStampStyle

from ..clock import stockholm
from ..fonts import font_path

RESOURCE_NAME = "/SigneringSans"
#: How pyHanko hands the signing time to the stamp: ISO 8601 with the offset, parsed back here.
_MACHINE_TIME = "%Y-%m-%dT%H:%M:%S%z"
_lock = threading.Lock()
_loaded = None


@dataclass(frozen=True)
class _Font:
    postscript_name: str
    cmap: dict[int, int]  # code point -> glyph id
    advances: list[int]  # per glyph id, in 1/1000 em
    fallback: int  # glyph id for characters the font lacks ("?"; never .notdef, which PDF/A forbids)
    descriptor: dict
    program: bytes  # the font file, Flate-compressed
    length: int  # its uncompressed length (/Length1)
    to_unicode: bytes


def _load() -> _Font:
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = _read(font_path())
    return _loaded


def _read(path: str) -> _Font:
    from fontTools.ttLib import TTFont

    with open(path, "rb") as fh:
        data = fh.read()
    tt = TTFont(path, lazy=True)
    order = tt.getGlyphOrder()
    gid = {name: i for i, name in enumerate(order)}
    cmap = {cp: gid[name] for cp, name in tt.getBestCmap().items()}
    scale = 1000 / tt["head"].unitsPerEm
    hmtx = tt["hmtx"]
    advances = [round(hmtx[name][0] * scale) for name in order]
    head, hhea, post = tt["head"], tt["hhea"], tt["post"]
    name = tt["name"].getDebugName(6) or "SigneringSans"
    descriptor = {
        "/FontName": pdf_name("/" + name),
        "/Flags": generic.NumberObject(32),  # non-symbolic
        "/FontBBox": generic.ArrayObject(generic.NumberObject(round(v * scale))
                                         for v in (head.xMin, head.yMin, head.xMax, head.yMax)),
        "/ItalicAngle": generic.NumberObject(int(post.italicAngle)),
        "/Ascent": generic.NumberObject(round(hhea.ascent * scale)),
        "/Descent": generic.NumberObject(round(hhea.descent * scale)),
        "/CapHeight": generic.NumberObject(round(getattr(tt["OS/2"], "sCapHeight", 0) * scale or hhea.ascent * scale)),
        "/StemV": generic.NumberObject(80),
    }
    first = {}
    for cp, g in sorted(cmap.items()):
        first.setdefault(g, cp)
    entries = [f"<{g:04X}> <{cp:04X}>" for g, cp in sorted(first.items()) if cp <= 0xFFFF]
    chunks = ["%d beginbfchar\n%s\nendbfchar" % (len(entries[i:i + 100]), "\n".join(entries[i:i + 100]))
              for i in range(0, len(entries), 100)]
    to_unicode = ("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
                  "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
                  "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
                  "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
                  + "\n".join(chunks) + "\nendcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
    return _Font(postscript_name=name, cmap=cmap, advances=advances, fallback=cmap.get(ord("?"), 0),
                 descriptor=descriptor, program=zlib.compress(data, 6), length=len(data),
                 to_unicode=to_unicode.encode("ascii"))


def _stream(writer, data: bytes, **entries) -> generic.IndirectObject:
    stream = generic.StreamObject(
        {pdf_name(k): v for k, v in entries.items()} | {pdf_name("/Filter"): pdf_name("/FlateDecode")},
        encoded_data=data)
    return writer.add_object(stream)


def embed(writer) -> generic.IndirectObject:
    """Add the whole font to ``writer`` as a Type0 font; return its reference."""
    font = _load()
    descriptor = generic.DictionaryObject({pdf_name("/Type"): pdf_name("/FontDescriptor"), **{
        pdf_name(k): v for k, v in font.descriptor.items()}})
    descriptor[pdf_name("/FontFile2")] = _stream(writer, font.program, **{"/Length1": generic.NumberObject(font.length)})
    cid_font = generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Font"),
        pdf_name("/Subtype"): pdf_name("/CIDFontType2"),
        pdf_name("/BaseFont"): pdf_name("/" + font.postscript_name),
        pdf_name("/CIDSystemInfo"): generic.DictionaryObject({
            pdf_name("/Registry"): generic.TextStringObject("Adobe"),
            pdf_name("/Ordering"): generic.TextStringObject("Identity"),
            pdf_name("/Supplement"): generic.NumberObject(0)}),
        pdf_name("/FontDescriptor"): writer.add_object(descriptor),
        pdf_name("/CIDToGIDMap"): pdf_name("/Identity"),
        pdf_name("/W"): generic.ArrayObject([generic.NumberObject(0), generic.ArrayObject(
            generic.NumberObject(w) for w in font.advances)]),
    })
    return writer.add_object(generic.DictionaryObject({
        pdf_name("/Type"): pdf_name("/Font"),
        pdf_name("/Subtype"): pdf_name("/Type0"),
        pdf_name("/BaseFont"): pdf_name("/" + font.postscript_name),
        pdf_name("/Encoding"): pdf_name("/Identity-H"),
        pdf_name("/DescendantFonts"): generic.ArrayObject([writer.add_object(cid_font)]),
        pdf_name("/ToUnicode"): _stream(writer, zlib.compress(font.to_unicode)),
    }))


def add_to_form(writer) -> None:
    """Embed the font once and record it in the AcroForm's default resources, for the stamps."""
    form = writer.root["/AcroForm"]
    resources = form.setdefault(pdf_name("/DR"), generic.DictionaryObject())
    fonts = resources.setdefault(pdf_name("/Font"), generic.DictionaryObject())
    fonts[pdf_name(RESOURCE_NAME)] = embed(writer)
    form_ref = writer.root.raw_get("/AcroForm")
    if isinstance(form_ref, generic.IndirectObject):
        writer.update_container(form)
    else:
        writer.update_root()


def _recorded(writer) -> generic.IndirectObject | None:
    try:
        ref = writer.root["/AcroForm"]["/DR"]["/Font"].raw_get(RESOURCE_NAME)
    except (KeyError, TypeError, AttributeError):
        return None
    return ref if isinstance(ref, generic.IndirectObject) else None


class StampFontEngine(FontEngine):
    """Glyphs by the font's cmap and widths by its hmtx: enough for Latin text, and no shaping."""

    def __init__(self, writer):
        self.font = _load()
        super().__init__(writer, self.font.postscript_name, embedded_subset=False)
        self._ref = _recorded(writer)

    @property
    def uses_complex_positioning(self):
        return False

    def shape(self, txt: str) -> ShapeResult:
        font = self.font
        glyphs = [font.cmap.get(ord(ch), font.fallback) for ch in txt]
        ops = b"<" + b"".join(b"%04X" % g for g in glyphs) + b"> Tj"
        return ShapeResult(graphics_ops=ops, x_advance=sum(font.advances[g] for g in glyphs) / 1000, y_advance=0)

    def as_resource(self):
        if self._ref is None:
            self._ref = embed(self.writer)
        return self._ref


class StampFontFactory(FontEngineFactory):
    def create_font_engine(self, writer, obj_stream=None):
        return StampFontEngine(writer)


class _CentredTextBox(TextBox):
    def _set_content(self, content: str) -> None:
        size, leading = self.style.font_size, self.leading
        shaped = [self.font_engine.shape(line) for line in content.split("\n")]
        widths = [s.x_advance * size for s in shaped]
        width = max(widths)
        self._wrapped_lines = [
            b"%g 0 Td %s %g %g Td" % ((width - w) / 2, s.graphics_ops, -(width - w) / 2, -leading)
            for s, w in zip(shaped, widths)]
        self._content = content
        self._content_lines = content.split("\n")
        self._nat_text_width = round(width)
        self._nat_text_height = leading * len(shaped)

    content = property(TextBox.content.fget, _set_content)


class _CentredTextStamp(TextStamp):
    def _text_layout(self):
        self.text_box = box = _CentredTextBox(self.style.text_box_style, writer=self.writer,
                                              resources=self.resources, box=None)
        params = self.get_default_text_params()
        params.update(self.text_params or {})
        params["ts"] = local_time(dt.datetime.strptime(params["ts"], _MACHINE_TIME))
        box.content = self.style.stamp_text % params
        return box.render()


def local_time(when: dt.datetime) -> str:
    return stockholm(when).strftime("%Y-%m-%d %H:%M:%S %Z")


class CentredTextStampStyle(TextStampStyle):
    """Centred lines in the stamp font; ``%(ts)s`` is the signing time in Swedish local time."""

    def __init__(self, **kwargs):
        super().__init__(timestamp_format=_MACHINE_TIME, **kwargs)

    def create_stamp(self, writer, box, text_params):
        return _CentredTextStamp(writer=writer, style=self, box=box, text_params=text_params)
