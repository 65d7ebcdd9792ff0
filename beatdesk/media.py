"""Images attached to posts: verified as real images, re-encoded clean, stored by content.

An upload is trusted for nothing. Its bytes are read up to the configured limit, Pillow
identifies the format from the content (the file name and its extension are ignored), checks
the pixel count before decoding so a small file cannot expand into gigabytes, then decodes
every pixel. The stored file is encoded afresh from those pixels alone: EXIF (GPS position,
camera make and model, dates), XMP, IPTC, comments and text chunks never reach it, so nothing
the camera or an editor recorded can leak through a public post (Detroit 102.8-4.6,
Massachusetts IV.A.4).

Colour profiles are not copied either, since a profile is free text an editor or camera may
fill in. Instead the pixels are converted from an embedded profile to sRGB, which browsers
assume for untagged images, so colours still look right. A damaged profile is ignored.

Only this module imports Pillow.
"""
import io
import math
import os
import re
import secrets
import struct
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path
from typing import BinaryIO

from PIL import ExifTags, Image, ImageCms, ImageSequence

from beatdesk.errors import NotFound, ValidationFailed

ALLOWED_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
ANIMATED_FORMATS = ("GIF", "WEBP")  # kept animated; an animated PNG keeps its first frame
MAX_FRAMES = 500
MAX_NAME_LENGTH = 120
JPEG_QUALITY = 88
WEBP_QUALITY = 88
DEFAULT_FRAME_MS = 100

# What Pillow's decoders raise on malformed input. Anything else is a bug and should be loud.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)
_NOT_AN_IMAGE = "is not a JPEG, PNG, WebP or GIF image."


@dataclass(frozen=True)
class ProcessedImage:
    """A verified, re-encoded image ready to store; ``content`` carries no metadata."""

    content: bytes
    mime: str
    extension: str
    width: int
    height: int
    sha256: str
    original_name: str

    @property
    def key(self) -> str:
        """The name it is stored under in a ``MediaStore``."""
        return f"{self.sha256}.{self.extension}"


def process_image(stream: BinaryIO | bytes, filename: str, *, max_bytes: int,
                  max_pixels: int = 40_000_000) -> ProcessedImage:
    """Verify an uploaded image and re-encode it without metadata.

    Raises ValidationFailed (field "image") if the file is empty, larger than ``max_bytes``,
    not a JPEG, PNG, WebP or GIF whatever its name says, damaged or truncated, or has more
    than ``max_pixels`` pixels (all frames together for an animation).
    """
    name = display_name(filename)
    data = _read_limited(stream, max_bytes, name)
    fmt = _verified_format(data, name, max_pixels)
    try:
        with Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS)) as image:
            frames, durations = _clean_frames(image, fmt, name, max_pixels)
            loop = image.info.get("loop")
    except Image.DecompressionBombError:
        raise _too_many_pixels(name, max_pixels) from None
    except _DECODE_ERRORS:
        raise ValidationFailed(f"“{name}” could not be read: the image is damaged or incomplete.",
                               field="image") from None
    content = _encode(frames, durations, loop, fmt)
    width, height = frames[0].size
    return ProcessedImage(content=content, mime=ALLOWED_FORMATS[fmt], extension=EXTENSIONS[fmt],
                          width=width, height=height, sha256=sha256(content).hexdigest(),
                          original_name=name)


def display_name(filename: str | None) -> str:
    """The uploaded file's name, fit to show: no folders, no control characters, not too long."""
    name = unicodedata.normalize("NFC", filename or "")
    name = re.split(r"[\\/]", name)[-1]
    # Category C covers control characters and invisible format characters such as the
    # right-to-left override that makes "photo\u202egpj.exe" read as "photoexe.jpg".
    name = "".join(" " if ch.isspace() else ch for ch in name
                   if ch.isspace() or not unicodedata.category(ch).startswith("C"))
    name = " ".join(name.split())
    if name in ("", ".", ".."):
        return "image"
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and len(ext) <= 10:
            name = f"{stem[:MAX_NAME_LENGTH - len(ext) - 2]}….{ext}"
        else:
            name = f"{name[:MAX_NAME_LENGTH - 1]}…"
    return name


def readable_size(size: int) -> str:
    """``5242880`` -> ``"5 MB"``; rounded down, so a limit is never overstated."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            value = math.floor(size / factor * 10) / 10
            return f"{value:g} {unit}"
    return f"{size} bytes"


def _read_limited(stream: BinaryIO | bytes, max_bytes: int, name: str) -> bytes:
    if isinstance(stream, (bytes, bytearray, memoryview)):
        data = bytes(stream[:max_bytes + 1])
    else:
        chunks, remaining = [], max_bytes + 1
        while remaining > 0:
            chunk = stream.read(min(remaining, 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
    if not data:
        raise ValidationFailed(f"“{name}” is empty.", field="image")
    if len(data) > max_bytes:
        raise ValidationFailed(f"“{name}” is larger than the {readable_size(max_bytes)} limit.",
                               field="image")
    return data


def _verified_format(data: bytes, name: str, max_pixels: int) -> str:
    """Identify the format from the content and let Pillow check the file's structure."""
    try:
        with Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS)) as probe:
            fmt = "JPEG" if probe.format == "MPO" else probe.format  # phone photos with a preview
            if fmt not in ALLOWED_FORMATS:
                raise ValidationFailed(f"“{name}” {_NOT_AN_IMAGE}", field="image")
            width, height = probe.size
            if width * height > max_pixels:
                raise _too_many_pixels(name, max_pixels, probe.size)
            probe.verify()
    except Image.DecompressionBombError:
        raise _too_many_pixels(name, max_pixels) from None
    except Image.UnidentifiedImageError:
        raise ValidationFailed(f"“{name}” {_NOT_AN_IMAGE}", field="image") from None
    except _DECODE_ERRORS:
        raise ValidationFailed(f"“{name}” could not be read: the image is damaged or incomplete.",
                               field="image") from None
    return fmt


def _too_many_pixels(name: str, max_pixels: int, size: tuple[int, int] | None = None):
    dimensions = f" ({size[0]} × {size[1]})" if size else ""
    return ValidationFailed(f"“{name}” has too many pixels{dimensions}; the limit is "
                            f"{max_pixels / 1_000_000:g} megapixels.", field="image")


def _clean_frames(image: Image.Image, fmt: str, name: str,
                  max_pixels: int) -> tuple[list[Image.Image], list[int]]:
    """Decode every frame, upright, in sRGB, as new images that carry no metadata at all."""
    animated = fmt in ANIMATED_FORMATS and getattr(image, "is_animated", False)
    if not animated:
        image.load()
        return [_clean_pixels(image, fmt)], []
    count = image.n_frames
    if count > MAX_FRAMES:
        raise ValidationFailed(f"“{name}” has {count} animation frames; the limit is {MAX_FRAMES}.",
                               field="image")
    if image.width * image.height * count > max_pixels:
        raise ValidationFailed(f"“{name}” has too many pixels across its {count} animation frames; "
                               f"make it smaller or shorter.", field="image")
    frames, durations = [], []
    for frame in ImageSequence.Iterator(image):
        frame.load()
        durations.append(int(frame.info.get("duration") or DEFAULT_FRAME_MS))
        frames.append(_clean_pixels(frame.convert("RGBA"), fmt, icc=image.info.get("icc_profile")))
    return frames, durations


def _clean_pixels(frame: Image.Image, fmt: str, icc: bytes | None = None) -> Image.Image:
    icc = icc or frame.info.get("icc_profile")
    upright = _upright(frame)
    working = _to_srgb(_working_copy(upright, fmt), icc)
    # A new image from raw pixels has an empty ``info``, so no encoder can copy metadata over.
    return Image.frombytes(working.mode, working.size, working.tobytes())


# EXIF orientation -> the turn that shows the picture upright (as ImageOps.exif_transpose does).
_ORIENTATIONS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90,
}


def _upright(frame: Image.Image) -> Image.Image:
    """Apply the EXIF orientation. Unreadable EXIF is ignored: it is about to be thrown away,
    and a photo should not be refused over a damaged tag (Pillow's EXIF parser then raises
    TypeError or AttributeError as well as the usual decoding errors)."""
    try:
        orientation = frame.getexif().get(ExifTags.Base.Orientation)
    except (*_DECODE_ERRORS, TypeError, AttributeError, KeyError):
        orientation = None
    method = _ORIENTATIONS.get(orientation) if isinstance(orientation, int) else None
    return frame.transpose(method) if method is not None else frame


def _working_copy(frame: Image.Image, fmt: str) -> Image.Image:
    if frame.mode == "CMYK":
        return frame  # converted with its profile in _to_srgb when it has one
    transparent = frame.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in frame.info
    if transparent and fmt != "JPEG":
        return frame.convert("RGBA")
    if frame.mode in ("1", "L"):
        return frame.convert("L")
    if frame.mode.startswith("I") or frame.mode == "F":
        return frame.convert("I").point(lambda value: value / 257).convert("L")  # 16-bit grey
    return frame.convert("RGB")


def _to_srgb(frame: Image.Image, icc: bytes | None) -> Image.Image:
    if icc and frame.mode in ("RGB", "RGBA", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            output_mode = "RGB" if frame.mode == "CMYK" else frame.mode
            return ImageCms.profileToProfile(frame, source, ImageCms.createProfile("sRGB"),
                                             outputMode=output_mode)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # an unusable or mismatched profile: the pixels as they are are the best guess
    return frame.convert("RGB") if frame.mode == "CMYK" else frame


def _encode(frames: list[Image.Image], durations: list[int], loop: int | None, fmt: str) -> bytes:
    out = io.BytesIO()
    first = frames[0]
    if fmt == "JPEG":
        first.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif fmt == "PNG":
        first.save(out, "PNG", optimize=True)
    elif len(frames) > 1:
        options = {"save_all": True, "append_images": frames[1:], "duration": durations}
        if loop is not None:
            options["loop"] = loop
        if fmt == "WEBP":
            options["quality"] = WEBP_QUALITY
        first.save(out, fmt, **options)
    elif fmt == "WEBP":
        first.save(out, "WEBP", quality=WEBP_QUALITY)
    else:
        first.save(out, "GIF", optimize=True)
    return out.getvalue()


KEY_PATTERN = re.compile(r"[0-9a-f]{64}\.(?:jpg|png|webp|gif)")


class MediaStore:
    """Stored images on disk, each under the SHA-256 of its content.

    ``<root>/<first two hex digits>/<sha256>.<ext>``: the same image uploaded twice is one
    file. Files are written to a temporary name in the same folder and renamed into place,
    so a reader never sees half a file and a failed write leaves nothing behind.
    """

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """Where ``key`` lives. Raises NotFound for anything that is not a well-formed key."""
        if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
            raise NotFound("There is no such image.")
        return self.root / key[:2] / key

    def exists(self, key: str) -> bool:
        try:
            return self.path(key).is_file()
        except NotFound:
            return False

    def save(self, image: ProcessedImage) -> str:
        """Store ``image`` and return its key; storing the same content again changes nothing."""
        target = self.path(image.key)
        if target.is_file():
            return image.key
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{secrets.token_hex(8)}.part")
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(image.content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return image.key

    def open(self, key: str) -> BinaryIO:
        """The stored bytes, for reading. Raises NotFound if there is no such file."""
        try:
            return self.path(key).open("rb")
        except FileNotFoundError:
            raise NotFound("There is no such image.") from None

    def delete(self, key: str) -> None:
        """Remove the file; a missing file is not an error."""
        self.path(key).unlink(missing_ok=True)


@contextmanager
def staged(store: MediaStore, image: ProcessedImage) -> Iterator[str]:
    """Save ``image`` for the length of a block that records it, and undo the save if it fails.

    Commit the database transaction inside the block: if anything in it raises, the file is
    deleted again, unless it was already stored before (another row may refer to the same
    content), so a failed upload leaves no orphan file and never removes a file in use.
    """
    existed = store.exists(image.key)
    key = store.save(image)
    try:
        yield key
    except BaseException:
        if not existed:
            store.delete(key)
        raise
