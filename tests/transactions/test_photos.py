"""Photos as phones send them are kept upright, small enough and without where they were taken."""

from __future__ import annotations

import io

import pillow_heif
import pytest
from PIL import Image

from civicshare.transactions.photos import PhotoUnreadable, prepared_photo

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def _jpeg(width: int, height: int, *, orientation: int | None = None, gps: bool = False) -> bytes:
    exif = Image.Exif()
    if orientation:
        exif[ORIENTATION] = orientation
    if gps:
        exif[GPS_IFD] = {1: "N", 2: (51.0, 24.0, 36.0), 3: "W", 4: (0.0, 18.0, 0.0)}
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 60)).save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def _opened(content: bytes) -> Image.Image:
    return Image.open(io.BytesIO(content))


def test_a_phone_photo_is_turned_upright_and_loses_its_location() -> None:
    sent = _jpeg(400, 300, orientation=6, gps=True)  # taken with the phone on its side
    assert GPS_IFD in _opened(sent).getexif()
    kept = prepared_photo("pothole.jpg", sent)
    image = _opened(kept.content)
    assert kept.filename == "pothole.jpg" and image.format == "JPEG"
    assert image.size == (300, 400)
    assert dict(image.getexif()) == {}  # no GPS, no orientation left to apply twice


def test_a_large_photo_is_made_at_most_2048_pixels_on_its_longest_side() -> None:
    kept = prepared_photo("wide.jpg", _jpeg(4000, 1000))
    assert _opened(kept.content).size == (2048, 512)


def test_an_iphone_heic_photo_becomes_a_jpeg() -> None:
    pillow_heif.register_heif_opener()
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 40, 40)).save(buffer, format="HEIF", quality=40)
    kept = prepared_photo("IMG_0001.HEIC", buffer.getvalue())
    assert kept.filename == "IMG_0001.jpg" and kept.content.startswith(b"\xff\xd8\xff")
    assert _opened(kept.content).size == (640, 480)


def test_a_file_that_is_not_a_photo_passes_through_and_a_broken_photo_is_refused() -> None:
    assert prepared_photo("notes.pdf", b"%PDF-1.7 ...").content == b"%PDF-1.7 ..."
    with pytest.raises(PhotoUnreadable):
        prepared_photo("broken.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 40)
