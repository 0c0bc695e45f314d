"""Reads QR codes back out of images in tests, with zbar (pyzbar; Debian's libzbar0)."""

from __future__ import annotations

import io


def decode_qr(data: bytes) -> list[str]:
    """The texts of every QR code zbar finds in the image ``data`` (PNG, JPEG, WebP)."""
    from PIL import Image
    from pyzbar.pyzbar import ZBarSymbol
    from pyzbar.pyzbar import decode as zbar_decode

    with Image.open(io.BytesIO(data)) as image:
        grey = image.convert("L")
    return [r.data.decode() for r in zbar_decode(grey, symbols=[ZBarSymbol.QRCODE])]
