"""Photos as phones take them, made fit to keep: HEIC/HEIF converted to JPEG, turned the right way up,
shrunk to at most 2048 pixels on the longest side, and stripped of their metadata (a photo's EXIF
holds where it was taken: the resident's home, often; the request already says where the problem is).

Only images are touched; other files (a PDF) pass through as sent. A file that claims to be an image
but cannot be read is left as it is, so the policy's GOV.UK type message refuses it.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import PurePath

import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

pillow_heif.register_heif_opener()

LONGEST_SIDE = 2048
MAX_PIXELS = 80_000_000  # a larger image is refused rather than decoded (decompression bombs)
JPEG_QUALITY = 85
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif")


class PhotoUnreadable(ValueError):
    """The file looks like a photo but cannot be decoded, or is far too large to decode."""


@dataclass(frozen=True)
class Photo:
    filename: str
    content: bytes


def is_heif(content: bytes) -> bool:
    return content[4:8] == b"ftyp" and content[8:12] in _HEIF_BRANDS


def is_photo(content: bytes) -> bool:
    """JPEG, PNG or HEIC/HEIF by the first bytes (never by the name)."""
    return content.startswith((b"\xff\xd8\xff", PNG_SIGNATURE)) or is_heif(content)


def prepared_photo(filename: str, content: bytes) -> Photo:
    """The photo as it is kept (see the module's description); anything not a photo is returned as sent."""
    if not is_photo(content):
        return Photo(filename, content)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as opened:
                if opened.width * opened.height > MAX_PIXELS:
                    raise PhotoUnreadable("too many pixels")
                image = ImageOps.exif_transpose(opened)
                image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, Warning) as error:
        raise PhotoUnreadable(str(error)) from error
    image.thumbnail((LONGEST_SIDE, LONGEST_SIDE), Image.Resampling.LANCZOS)
    output = io.BytesIO()
    if content.startswith(PNG_SIGNATURE):  # a PNG stays one (a screenshot); no exif= or pnginfo=: no metadata
        image.save(output, format="PNG", optimize=True)
        return Photo(filename, output.getvalue())
    image.convert("RGB").save(output, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    if is_heif(content):
        filename = str(PurePath(filename or "photo").with_suffix(".jpg"))
    return Photo(filename, output.getvalue())
