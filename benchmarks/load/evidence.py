"""The evidence a clerk attaches on deadline day: a real (if empty) PDF of a chosen size.

One page and a stream of padding bytes, with a correct cross-reference table, so that
Ducha's sniffing (`ducha/reports/evidence.py` `check`: the `%PDF-` header, `%%EOF` in the
last bytes) accepts it as any scanned 会议纪要 would be accepted.
"""

from __future__ import annotations

import random

MB = 1024 * 1024


def pdf(size: int, seed: int = 0) -> bytes:
    """A valid PDF of exactly `size` bytes (at least about 600), its padding drawn from
    `seed`, so that each clerk's file has its own hash."""
    head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]

    def build(padding: int) -> bytes:
        data = random.Random(seed).randbytes(padding)
        stream = b"<< /Length %d >>\nstream\n" % padding + data + b"\nendstream"
        body, offsets = bytearray(head), []
        for number, content in enumerate([*objects, stream], start=1):
            offsets.append(len(body))
            body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
        xref = len(body)
        body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
        body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        body += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(offsets) + 1)
        body += b"startxref\n%d\n%%%%EOF\n" % xref
        return bytes(body)

    padding = size - len(build(0))
    # The lengths and offsets are written in digits: settle the count once they stop growing.
    while padding >= 0 and len(build(padding)) != size:
        padding -= len(build(padding)) - size
    if padding < 0:
        raise ValueError(f"a PDF of {size} bytes is too small")
    return build(padding)
