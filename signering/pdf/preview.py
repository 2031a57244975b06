"""Page images of a PDF for reading on any screen, made by poppler's pdftoppm and cached.

Phones do not show PDFs inline reliably; a PNG per page does. Images are cached under the
document's hash, so each page is rendered once per document state.
"""

from __future__ import annotations

import os
import subprocess
import tempfile

from ..errors import SigneringError


class PreviewFailed(SigneringError):
    code = "preview_failed"
    http_status = 500
    default_sv = "Sidan kunde inte visas som bild. Öppna PDF-filen i stället."
    default_en = "The page could not be shown as an image. Open the PDF file instead."


def page_png(pdf_path: str, sha256: str, page: int, cache_dir: str, dpi: int = 110) -> str:
    """Path of a PNG of 1-based ``page``; rendered on first use."""
    target_dir = os.path.join(cache_dir, sha256[:2], sha256)
    target = os.path.join(target_dir, f"{page}.png")
    if os.path.exists(target):
        return target
    os.makedirs(target_dir, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target_dir) as tmp:
        prefix = os.path.join(tmp, "p")
        try:
            subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
                            pdf_path, prefix], check=True, capture_output=True, timeout=30)
        except (OSError, subprocess.SubprocessError) as exc:
            raise PreviewFailed(details=str(exc)) from exc
        os.replace(prefix + ".png", target)
    return target
