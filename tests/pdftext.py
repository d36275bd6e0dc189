"""The text of a PDF as pdfium reads it (the PDF engine of Chromium, the browser the organizer
opens the documents in): one string per page, lines separated by ``\\n``.

It reads the same characters as pypdf (the documents' whole text compared without whitespace was
identical) about eight times faster, which matters for a suite that reads every document.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium


def pages(pdf: bytes | Path) -> list[str]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [document[i].get_textpage().get_text_bounded().replace("\r\n", "\n") for i in range(len(document))]
    finally:
        document.close()


def text(pdf: bytes | Path) -> str:
    return "\n".join(pages(pdf))
