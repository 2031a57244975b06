"""Render the house-style protocols through LibreOffice, a real producer, into libreoffice/*.pdf.

Each text becomes a flat ODF document (one paragraph a line, tabs as tab stops every 4.5 cm, a
form feed as a page break) that ``soffice --headless --convert-to pdf`` lays out with its own
fonts. A protocol whose pages open with a header line and close with a footer line gets them
as a real page header and footer with a page-number field instead. The PDFs are committed, so
the tests need no LibreOffice; run this again after changing a text:

    .venv/bin/python tests/house_styles/render_libreoffice.py
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "libreoffice")

_DOC = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">
<office:styles>
 <style:default-style style:family="paragraph">
  <style:paragraph-properties style:tab-stop-distance="4.5cm"/>
  <style:text-properties style:font-name="Liberation Sans" fo:font-family="'Liberation Sans'" fo:font-size="10pt"/>
 </style:default-style>
</office:styles>
<office:automatic-styles>
 <style:style style:name="Break" style:family="paragraph"><style:paragraph-properties fo:break-before="page"/></style:style>
 <style:page-layout style:name="A4"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm"
  fo:margin-top="1.5cm" fo:margin-bottom="1.5cm" fo:margin-left="2.5cm" fo:margin-right="2cm"/></style:page-layout>
</office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="A4">{header}{footer}</style:master-page></office:master-styles>
<office:body><office:text>{body}</office:text></office:body>
</office:document>
"""
_PAGE_REF = re.compile(r"Sida \d+ \(\d+\)")


def _para(line: str, style: str = "") -> str:
    attr = f' text:style-name="{style}"' if style else ""
    return f"<text:p{attr}>" + "<text:tab/>".join(escape(part) for part in line.split("\t")) + "</text:p>"


def _header_footer(pages: list[list[str]]) -> tuple[str | None, str | None]:
    """The first and last lines when every page repeats them (the page number aside)."""
    if len(pages) < 2:
        return None, None
    firsts = {_PAGE_REF.sub("#", p[0]) for p in pages}
    lasts = {p[-1] for p in pages}
    return (pages[0][0] if len(firsts) == 1 else None), (pages[0][-1] if len(lasts) == 1 else None)


def fodt(text: str) -> str:
    pages = [[l for l in page.strip("\n").split("\n")] for page in text.split("\f")]
    header, footer = _header_footer(pages)
    body = []
    for n, page in enumerate(pages):
        lines = page[1 if header else 0:len(page) - 1 if footer else len(page)]
        for i, line in enumerate(lines):
            body.append(_para(line, "Break" if n and i == 0 else ""))
    head = ""
    if header:
        # The page number as a field, so every page's header is LibreOffice's own.
        parts = _PAGE_REF.split(header)
        inner = ("Sida <text:page-number/> (<text:page-count/>)").join(
            "<text:tab/>".join(escape(p) for p in part.split("\t")) for part in parts)
        head = f"<style:header><text:p>{inner}</text:p></style:header>"
    foot = f"<style:footer>{_para(footer)}</style:footer>" if footer else ""
    return _DOC.format(header=head, footer=foot, body="\n".join(body))


def main() -> int:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        print("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui", file=sys.stderr)
        return 1
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(f for f in os.listdir(HERE) if f.endswith(".txt")):
            with open(os.path.join(HERE, name), encoding="utf-8") as fh:
                source = os.path.join(tmp, name[:-4] + ".fodt")
                with open(source, "w", encoding="utf-8") as out:
                    out.write(fodt(fh.read()))
            subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless",
                            "--convert-to", "pdf", "--outdir", OUT, source], check=True,
                           stdout=subprocess.DEVNULL)
            print(os.path.join(OUT, name[:-4] + ".pdf"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
