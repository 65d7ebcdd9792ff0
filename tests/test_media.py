"""Image uploads: verified by content, re-encoded without metadata, stored atomically by hash."""
import io
import os
import random
import struct
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageCms, PngImagePlugin
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from beatdesk import media
from beatdesk.errors import NotFound, ValidationFailed
from beatdesk.media import MediaStore, ProcessedImage, display_name, process_image, readable_size, staged
from beatdesk.models import MediaAsset
from beatdesk.roles import Role

from .conftest import make_app

MB = 1024 * 1024
CAMERA_MAKE, CAMERA_MODEL = "Bodycam Industries", "Evidence-9000"
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
       b'syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" '
       b'exif:GPSLatitude="41,52.5N"/></rdf:RDF></x:xmpmeta>')


# --- images built in memory ------------------------------------------------------------------

def camera_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA_MAKE
    exif[ExifTags.Base.Model] = CAMERA_MODEL
    exif[ExifTags.Base.DateTime] = "2026:11:20 23:41:05"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (41.0, 52.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (87.0, 37.0, 12.0)
    return exif


def halves(size=(40, 20), first=(255, 0, 0), second=(0, 0, 255), mode="RGB") -> Image.Image:
    """Left half one colour, right half another: shows which way an image was turned."""
    image = Image.new(mode, size, second)
    image.paste(first, (0, 0, size[0] // 2, size[1]))
    return image


def noisy(size=(200, 150)) -> Image.Image:
    return Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def camera_jpeg(orientation: int = 1, image: Image.Image | None = None) -> bytes:
    return encode(image or halves(), "JPEG", exif=camera_exif(orientation).tobytes(),
                  comment=b"Shot at 1234 W Elm St", icc_profile=srgb_icc(), xmp=XMP, quality=95)


def animated(fmt: str, colours=("red", "green", "blue"), durations=(100, 200, 300), size=(40, 30),
             **options) -> bytes:
    frames = [Image.new("RGB", size, colour) for colour in colours]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=list(durations),
                  loop=0, **options)


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that claims enormous dimensions (a decompression bomb's calling card)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


def reopen(processed: ProcessedImage) -> Image.Image:
    image = Image.open(io.BytesIO(processed.content))
    image.load()
    return image


def assert_no_metadata(content: bytes) -> None:
    image = Image.open(io.BytesIO(content))
    assert not image.getexif()
    assert "exif" not in image.info and "icc_profile" not in image.info
    assert "xmp" not in image.info and "XML:com.adobe.xmp" not in image.info
    assert "comment" not in image.info
    for marker in (CAMERA_MAKE.encode(), CAMERA_MODEL.encode(), b"2026:11:20", b"Exif",
                   b"GPS", b"41,52", b"Elm St", b"xmpmeta"):
        assert marker not in content


def dominant(pixel) -> str:
    red, green, blue = pixel[:3]
    return max((red, "red"), (green, "green"), (blue, "blue"))[1]


# --- metadata is gone ------------------------------------------------------------------------

def test_jpeg_loses_gps_camera_and_every_other_metadata():
    original = camera_jpeg()
    assert b"GPS" in original or Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)
    assert CAMERA_MODEL.encode() in original

    processed = process_image(original, "IMG_0042.JPG", max_bytes=5 * MB)

    assert_no_metadata(processed.content)
    assert not Image.open(io.BytesIO(processed.content)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert (processed.mime, processed.extension) == ("image/jpeg", "jpg")
    assert (processed.width, processed.height) == (40, 20)
    assert processed.original_name == "IMG_0042.JPG"


def test_jpeg_is_turned_upright_by_its_orientation_tag():
    # Orientation 6: the camera was held turned; viewers rotate 90 degrees clockwise.
    processed = process_image(camera_jpeg(orientation=6), "sideways.jpg", max_bytes=5 * MB)
    image = reopen(processed)
    assert image.size == (20, 40) == (processed.width, processed.height)
    assert dominant(image.getpixel((10, 5))) == "red"  # the left half is now on top
    assert dominant(image.getpixel((10, 35))) == "blue"
    assert image.getexif().get(ExifTags.Base.Orientation) is None


def test_damaged_exif_does_not_refuse_a_photo():
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.XResolution] = 72.0
    raw = exif.tobytes()
    at = raw.index(bytes.fromhex("011a0005"))  # XResolution, type RATIONAL ...
    damaged = raw[:at + 2] + b"\x00\x02" + raw[at + 4:]  # ... now claims to be text
    processed = process_image(encode(halves(), "JPEG", exif=damaged), "odd.jpg", max_bytes=5 * MB)
    assert (processed.width, processed.height) == (20, 40)
    assert_no_metadata(processed.content)


def test_png_text_chunks_and_exif_are_dropped():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Officer Jane Roe")
    info.add_itxt("Location", "1234 W Elm St")
    original = encode(halves(mode="RGBA"), "PNG", pnginfo=info, exif=camera_exif().tobytes())
    assert b"Jane Roe" in original

    processed = process_image(original, "flyer.png", max_bytes=5 * MB)

    assert_no_metadata(processed.content)
    for marker in (b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"Jane Roe"):
        assert marker not in processed.content
    image = reopen(processed)
    assert (processed.mime, image.format, image.mode) == ("image/png", "PNG", "RGBA")
    assert image.getpixel((1, 1)) == (255, 0, 0, 255)


def test_webp_exif_and_xmp_are_dropped():
    original = encode(halves(), "WEBP", exif=camera_exif().tobytes(), xmp=XMP, quality=95)
    processed = process_image(original, "poster.webp", max_bytes=5 * MB)
    assert_no_metadata(processed.content)
    assert b"EXIF" not in processed.content and b"XMP " not in processed.content
    assert (processed.mime, processed.extension, reopen(processed).format) == ("image/webp", "webp",
                                                                               "WEBP")


def test_jpeg_colour_profile_is_applied_then_dropped():
    processed = process_image(camera_jpeg(), "profiled.jpg", max_bytes=5 * MB)
    image = reopen(processed)
    assert "icc_profile" not in image.info
    assert dominant(image.getpixel((5, 10))) == "red"


def test_cmyk_jpeg_becomes_rgb():
    original = encode(Image.new("CMYK", (20, 20), (0, 255, 255, 0)), "JPEG")
    image = reopen(process_image(original, "print.jpg", max_bytes=5 * MB))
    assert image.mode == "RGB" and dominant(image.getpixel((5, 5))) == "red"


def test_multi_picture_jpeg_from_a_phone_is_stored_as_plain_jpeg():
    original = encode(halves(), "MPO", save_all=True, append_images=[halves()],
                      exif=camera_exif().tobytes())
    assert Image.open(io.BytesIO(original)).format == "MPO"
    processed = process_image(original, "phone.jpg", max_bytes=5 * MB)
    assert processed.mime == "image/jpeg" and reopen(processed).format == "JPEG"
    assert_no_metadata(processed.content)


@pytest.mark.parametrize("fmt", ["GIF", "WEBP"])
def test_animation_keeps_its_frames_and_timing(fmt):
    options = {"comment": b"Elm St"} if fmt == "GIF" else {"exif": camera_exif().tobytes()}
    processed = process_image(animated(fmt, **options), f"loop.{fmt.lower()}", max_bytes=5 * MB)

    assert_no_metadata(processed.content)
    image = Image.open(io.BytesIO(processed.content))
    assert image.format == fmt and image.n_frames == 3
    seen = []
    for index in range(3):
        image.seek(index)
        image.load()
        seen.append((image.info["duration"], dominant(image.convert("RGB").getpixel((5, 5)))))
    assert seen == [(100, "red"), (200, "green"), (300, "blue")]


def test_still_gif_keeps_transparency():
    original = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    original.putpixel((1, 1), (255, 0, 0, 255))
    image = reopen(process_image(encode(original, "GIF"), "dot.gif", max_bytes=5 * MB)).convert("RGBA")
    assert image.getpixel((0, 0))[3] == 0 and image.getpixel((1, 1)) == (255, 0, 0, 255)


def test_format_comes_from_content_not_the_name():
    processed = process_image(encode(halves(), "PNG"), "holiday.jpg", max_bytes=5 * MB)
    assert (processed.mime, processed.extension) == ("image/png", "png")
    assert processed.key == f"{processed.sha256}.png"


def test_same_picture_gives_same_key():
    original = camera_jpeg()
    assert (process_image(original, "a.jpg", max_bytes=5 * MB).key
            == process_image(original, "b.jpg", max_bytes=5 * MB).key)


# --- refused uploads -------------------------------------------------------------------------

def refusal(data, name="upload.jpg", **limits) -> ValidationFailed:
    limits.setdefault("max_bytes", 5 * MB)
    with pytest.raises(ValidationFailed) as caught:
        process_image(data, name, **limits)
    assert caught.value.field == "image"
    return caught.value


@pytest.mark.parametrize("name, data", [
    ("notes.jpg", b"Suspect description: tall, red jacket.\n" * 20),
    ("page.png", b"<!doctype html><html><body><script>alert(1)</script></body></html>"),
    ("badge.gif", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" '
                  b'height="10"><script>alert(1)</script></svg>'),
    ("report.webp", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"),
    ("bitmap.jpg", encode(halves(), "BMP")),
    ("scan.png", encode(halves(), "TIFF")),
    ("icon.gif", encode(halves(), "ICO")),
])
def test_a_file_that_is_not_an_allowed_image_is_refused(name, data):
    assert refusal(data, name).message == f"“{name}” is not a JPEG, PNG, WebP or GIF image."


def test_truncated_jpeg_is_refused():
    whole = encode(noisy(), "JPEG", quality=95)
    assert "damaged or incomplete" in refusal(whole[:len(whole) // 2], "cut.jpg").message


def test_png_with_broken_checksum_is_refused():
    data = bytearray(encode(noisy(), "PNG"))
    data[60] ^= 0xFF  # inside the first IDAT chunk, so its CRC no longer matches
    assert "damaged or incomplete" in refusal(bytes(data), "broken.png").message


def test_empty_file_is_refused():
    assert refusal(b"", "nothing.jpg").message == "“nothing.jpg” is empty."
    assert refusal(io.BytesIO(b""), "nothing.jpg").message == "“nothing.jpg” is empty."


def test_file_over_the_limit_is_refused_with_the_limit_named():
    data = encode(noisy(), "PNG")
    assert len(data) > 1024
    assert refusal(data, "big.png", max_bytes=1024).message == "“big.png” is larger than the 1 KB limit."
    assert "the 5 MB limit" in refusal(b"\xff" * (5 * MB + 1), "huge.jpg").message
    # Exactly at the limit is allowed.
    assert process_image(data, "big.png", max_bytes=len(data)).mime == "image/png"


class EndlessStream(io.RawIOBase):
    """An upload that never ends; counts what was read from it."""

    def __init__(self):
        self.taken = 0

    def readable(self):
        return True

    def read(self, size=-1):
        size = 64 * 1024 if size is None or size < 0 else size
        self.taken += size
        return b"\x00" * size


def test_only_the_limit_and_one_byte_are_read_from_a_stream():
    stream = EndlessStream()
    assert "larger than the 2 MB limit" in refusal(stream, "stream.jpg", max_bytes=2 * MB).message
    assert stream.taken == 2 * MB + 1


def test_too_many_pixels_is_refused_before_decoding():
    message = refusal(png_header_only(8000, 8000), "bomb.png").message
    assert message == "“bomb.png” has too many pixels (8000 × 8000); the limit is 40 megapixels."
    assert "too many pixels" in refusal(encode(halves((100, 100)), "PNG"), "small.png",
                                        max_pixels=5000).message


def test_decompression_bomb_pillow_refuses_is_refused_cleanly():
    # Far over Pillow's own safety limit: Image.open raises DecompressionBombError itself.
    message = refusal(png_header_only(30000, 30000), "bomb.png", max_pixels=10**10).message
    assert message.startswith("“bomb.png” has too many pixels")


def test_animation_too_large_in_total_is_refused():
    data = animated("GIF", colours=["red", "green"] * 5, durations=[50] * 10, size=(100, 100))
    assert "across its 10 animation frames" in refusal(data, "long.gif", max_pixels=50_000).message


def test_animation_with_too_many_frames_is_refused(monkeypatch):
    monkeypatch.setattr(media, "MAX_FRAMES", 2)
    data = animated("GIF")
    assert refusal(data, "long.gif").message == "“long.gif” has 3 animation frames; the limit is 2."


def mutations(seed_data: bytes, count: int, rng: random.Random):
    for _ in range(count):
        data = bytearray(seed_data)
        for _ in range(rng.randint(1, 8)):
            at, roll = rng.randrange(len(data)), rng.random()
            if roll < 0.6:
                data[at] = rng.randrange(256)
            elif roll < 0.8:
                del data[at:at + rng.randint(1, 50)]
            else:
                data[at:at] = rng.randbytes(rng.randint(1, 20))
        yield bytes(data)


@pytest.mark.filterwarnings("ignore::UserWarning:PIL.*")  # Pillow notes the damaged EXIF it skips
@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "GIF", "animated WEBP"])
def test_damaged_files_are_refused_or_cleaned_never_crash(fmt):
    """Random damage to real files: each is either processed or refused with a message."""
    rng = random.Random(fmt)
    if fmt.startswith("animated"):
        seed_data = animated("WEBP")
    elif fmt == "GIF":
        seed_data = animated("GIF")
    else:
        seed_data = encode(noisy((48, 32)), fmt, exif=camera_exif(6).tobytes())
    for data in mutations(seed_data, 150, rng):
        try:
            processed = process_image(data, "damaged", max_bytes=5 * MB, max_pixels=4_000_000)
        except ValidationFailed:
            continue
        assert_no_metadata(processed.content)


# --- file names and sizes --------------------------------------------------------------------

@pytest.mark.parametrize("raw, shown", [
    ("photo.jpg", "photo.jpg"),
    ("C:\\Users\\jroe\\Desktop\\scene.jpg", "scene.jpg"),
    ("../../etc/passwd", "passwd"),
    ("  spaced \t  out\n.png ", "spaced out .png"),
    ("photo\u202egpj.exe", "photogpj.exe"),  # the right-to-left override is removed
    ("bell\x07.gif", "bell.gif"),
    ("", "image"),
    (None, "image"),
    ("folder/", "image"),
    ("..", "image"),
])
def test_display_name(raw, shown):
    assert display_name(raw) == shown


def test_display_name_keeps_extension_when_shortened():
    shown = display_name("a" * 500 + ".jpeg")
    assert len(shown) <= media.MAX_NAME_LENGTH and shown.endswith("….jpeg")
    assert len(display_name("b" * 500)) == media.MAX_NAME_LENGTH


@pytest.mark.parametrize("size, text", [
    (5 * MB, "5 MB"), (int(2.5 * MB), "2.5 MB"), (1_500_000, "1.4 MB"), (1024, "1 KB"),
    (300 * 1024, "300 KB"), (500, "500 bytes"),
])
def test_readable_size(size, text):
    assert readable_size(size) == text


# --- the store -------------------------------------------------------------------------------

@pytest.fixture
def store(tmp_path):
    return MediaStore(tmp_path / "media")


@pytest.fixture
def picture():
    return process_image(camera_jpeg(), "picture.jpg", max_bytes=5 * MB)


def files_under(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*")) if root.exists() else []


def test_store_saves_by_content_and_reads_back(store, picture):
    key = store.save(picture)
    assert key == picture.key == f"{picture.sha256}.jpg"
    assert store.path(key) == store.root / key[:2] / key
    assert store.exists(key)
    with store.open(key) as handle:
        assert handle.read() == picture.content
    assert_no_metadata(store.path(key).read_bytes())
    assert files_under(store.root) == [key[:2], f"{key[:2]}/{key}"]  # no temporary files left


def test_store_save_is_idempotent(store, picture):
    key = store.save(picture)
    before = store.path(key).stat()
    assert store.save(picture) == key
    after = store.path(key).stat()
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


def test_failed_write_leaves_no_file(store, picture, monkeypatch):
    def refuse(*args):
        raise OSError("disk full")
    monkeypatch.setattr(media.os, "replace", refuse)
    with pytest.raises(OSError):
        store.save(picture)
    assert [path for path in store.root.rglob("*") if path.is_file()] == []
    assert not store.exists(picture.key)


@pytest.mark.parametrize("key", [
    "../../etc/passwd",
    "../" + "a" * 64 + ".jpg",
    "a" * 64 + ".jpg/../../x",
    "A" * 64 + ".jpg",  # upper-case hex is never produced
    "a" * 63 + ".jpg",
    "a" * 64 + ".exe",
    "a" * 64 + ".jpg\n",
    "/" + "a" * 64 + ".jpg",
    "",
    None,
])
def test_store_refuses_malformed_keys(store, key):
    with pytest.raises(NotFound):
        store.path(key)
    with pytest.raises(NotFound):
        store.open(key)
    with pytest.raises(NotFound):
        store.delete(key)
    assert store.exists(key) is False


def test_open_and_delete_of_missing_file(store):
    key = "0" * 64 + ".png"
    with pytest.raises(NotFound):
        store.open(key)
    store.delete(key)  # nothing to delete is fine
    assert not store.exists(key)


def test_staged_keeps_file_when_block_succeeds(store, picture):
    with staged(store, picture) as key:
        assert store.exists(key)
    assert store.exists(picture.key)


def test_staged_removes_new_file_when_block_fails(store, picture):
    with pytest.raises(RuntimeError):
        with staged(store, picture) as key:
            assert store.exists(key)
            raise RuntimeError("the transaction failed")
    assert not store.exists(picture.key)
    assert [path for path in store.root.rglob("*") if path.is_file()] == []


def test_staged_keeps_a_file_that_was_already_stored(store, picture):
    store.save(picture)  # another post already uses the same picture
    with pytest.raises(RuntimeError):
        with staged(store, picture):
            raise RuntimeError("the transaction failed")
    assert store.exists(picture.key)


def test_failed_transaction_leaves_no_rows_and_no_files(app, db_session, factory):
    district = factory.district()
    uploader = factory.user(Role.REPRESENTATIVE, district)
    store = MediaStore(Path(app.config["MEDIA_ROOT"]))
    picture = process_image(camera_jpeg(), "picture.jpg", max_bytes=app.config["MAX_IMAGE_BYTES"])

    with pytest.raises(IntegrityError):
        with staged(store, picture) as key:
            db_session.add(MediaAsset(district_id=district.id + 1000, storage_key=key,  # no such district
                                      mime=picture.mime, width=picture.width, height=picture.height,
                                      size_bytes=len(picture.content), sha256=picture.sha256,
                                      original_name=picture.original_name, uploaded_by_id=uploader.id))
            db_session.commit()
    db_session.rollback()

    assert db_session.scalar(select(func.count()).select_from(MediaAsset)) == 0
    assert [path for path in store.root.rglob("*") if path.is_file()] == []


def test_refused_upload_leaves_no_rows_and_no_files(app, db_session):
    store = MediaStore(Path(app.config["MEDIA_ROOT"]))
    with pytest.raises(ValidationFailed):
        with staged(store, process_image(b"not an image", "x.jpg", max_bytes=MB)):
            pass
    assert files_under(store.root) == []
    assert db_session.scalar(select(func.count()).select_from(MediaAsset)) == 0


# --- configuration ---------------------------------------------------------------------------

def test_media_configuration_defaults(database_url):
    app = make_app(database_url)
    assert app.config["MAX_IMAGE_BYTES"] == 5 * MB
    assert app.config["MEDIA_ROOT"] == str(Path(app.instance_path) / "media")
    assert app.config["MAX_CONTENT_LENGTH"] == 4 * 5 * MB + MB  # room for four full-size images


def test_media_configuration_from_environment(database_url, monkeypatch, tmp_path):
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path / "images"))
    monkeypatch.setenv("MAX_IMAGE_BYTES", str(2 * MB))
    app = make_app(database_url)
    assert app.config["MEDIA_ROOT"] == str(tmp_path / "images")
    assert app.config["MAX_IMAGE_BYTES"] == 2 * MB
    assert app.config["MAX_CONTENT_LENGTH"] == 9 * MB
    monkeypatch.setenv("MAX_CONTENT_LENGTH", str(50 * MB))
    assert make_app(database_url).config["MAX_CONTENT_LENGTH"] == 50 * MB
