"""Read board, meeting, paragraphs and signers from a protocol, to fill in the upload form.

``text`` gets the text out of a PDF, ``lines`` normalises it, and one small finder per field
(``meeting``, ``paragraphs``, ``signers``) reads it; ``reader`` puts them together.
"""

from .model import Justering, Paragraph, ProtocolInfo, Signer
from .reader import read_protocol_pdf, read_protocol_text
from .text import pdf_text

__all__ = [
    "Justering", "Paragraph", "ProtocolInfo", "Signer",
    "pdf_text", "read_protocol_pdf", "read_protocol_text",
]
