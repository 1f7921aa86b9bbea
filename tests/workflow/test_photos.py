"""Photos: cleaned of metadata, thumbnailed, stored on disk; bad files refused with nothing stored; access checked."""

import io
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import text

from tests.factories import new_issue
from tests.workflow.helpers import count, token


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (640, 480), (200, 60, 40))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (23.0, 28.0, 0.0), 3: "E", 4: (111.0, 16.0, 0.0)}  # GPSInfo
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _bomb_png(width=100_000, height=100_000) -> bytes:
    """A tiny PNG whose header claims 10 gigapixels."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b"")


def _post(client, ref, who, data, name="p.jpg", **form):
    return client.post(
        f"/api/issues/{ref}/photos",
        data={"file": (io.BytesIO(data), name), **form},
        headers=token(client, who),
        content_type="multipart/form-data",
    )


def test_a_photo_is_stored_without_exif_with_a_thumbnail_and_listed(client, session, photo_dir):
    ref = new_issue(session).ref
    session.commit()  # a refused request rolls back: the issue must outlive it
    res = _post(client, ref, "chief", _jpeg_with_gps(), name="IMG_0001.jpg", stage="before")
    assert res.status_code == 201, res.get_json()
    body = res.get_json()
    files = sorted(p for p in photo_dir.rglob("*") if p.is_file())
    assert len(files) == 2 and all("IMG_0001" not in str(p) for p in files)  # names of our own
    for f in files:
        assert not Image.open(f).getexif()  # no GPS, no maker: nothing of the phone's metadata kept
    thumb = client.get(body["thumb_url"], headers=token(client, "chief"))
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert max(Image.open(io.BytesIO(thumb.data)).size) <= 320
    issue = client.get(f"/api/issues/{ref}", headers=token(client, "chief")).get_json()
    assert [p["stage"] for p in issue["properties"]["photos"]] == ["before"]


@pytest.mark.parametrize(
    ("data", "name", "form", "field"),
    [
        (b"MZ\x90\x00 this is an executable", "photo.jpg", {"stage": "before"}, "file"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "x.svg",
            {"stage": "after"},
            "file",
        ),
        (_bomb_png(), "bomb.png", {"stage": "before"}, "file"),
        (b"", "empty.jpg", {"stage": "before"}, "file"),
        (None, "../../etc/passwd.jpg", {"stage": "before"}, "file"),
        (None, "..\\..\\boot.ini.jpg", {"stage": "before"}, "file"),
        (None, "/etc/cron.d/x.jpg", {"stage": "before"}, "file"),
        (None, "p.jpg", {"stage": "during"}, "stage"),
        (None, "p.jpg", {"stage": "before", "public": "true"}, "public"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(client, session, photo_dir, data, name, form, field):
    ref = new_issue(session).ref
    session.commit()  # a refused request rolls back: the issue must outlive it
    before = count(session, "photos")
    res = _post(client, ref, "chief", data if data is not None else _jpeg_with_gps(), name=name, **form)
    assert res.status_code == 400 and res.get_json()["error"]["field"] == field
    assert count(session, "photos") == before and not any(photo_dir.rglob("*.jpg"))


def test_oversized_upload_is_refused(app, client, session, photo_dir):
    ref = new_issue(session).ref
    session.commit()  # a refused request rolls back: the issue must outlive it
    app.config["PHOTO_MAX_BYTES"], saved = 1000, app.config["PHOTO_MAX_BYTES"]
    try:
        res = _post(client, ref, "chief", _jpeg_with_gps(), stage="before")
    finally:
        app.config["PHOTO_MAX_BYTES"] = saved
    assert res.status_code == 400 and "MB" in res.get_json()["error"]["message"]
    assert not any(photo_dir.rglob("*.jpg"))


def test_access_staff_in_scope_only_and_the_public_sees_published_after_photos(client, session, photo_dir):
    ref = new_issue(session).ref
    session.commit()  # a refused request rolls back: the issue must outlive it
    assert _post(client, ref, "chief_xa", _jpeg_with_gps(), stage="before").status_code == 403
    private = _post(client, ref, "chief", _jpeg_with_gps(), stage="before").get_json()
    public = _post(client, ref, "chief", _jpeg_with_gps(), stage="after", public="true").get_json()
    assert client.get(private["url"]).status_code == 404  # anonymous
    assert client.get(private["url"], headers=token(client, "chief_xa")).status_code == 404  # another team
    assert client.get(private["url"], headers=token(client, "planner")).status_code == 200
    assert client.get(public["url"]).status_code == 200
    events = session.execute(
        text(
            "SELECT count(*) FROM issue_events e JOIN issues i ON i.id = e.issue_id"
            " WHERE i.ref = :r AND e.action = 'photo'"
        ),
        {"r": ref},
    ).scalar()
    assert events == 2


def test_the_issue_page_shows_the_photos_to_staff(client, session, photo_dir):
    from tests.workflow.helpers import login

    ref = new_issue(session).ref
    session.commit()
    assert _post(client, ref, "chief", _jpeg_with_gps(), stage="before").status_code == 201
    login(client, "chief")
    html = client.get(f"/issues/{ref}").get_data(as_text=True)
    assert 'class="thumb"' in html and "整改前" in html
