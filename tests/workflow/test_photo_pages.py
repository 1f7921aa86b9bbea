"""Photos from the pages, not only the API: the issue page (before / after), a department's done form and a
site visit; HEIC converted; a bad file refuses the whole form and nothing is stored."""

import io

from PIL import Image
from sqlalchemy import text

from tests.factories import new_issue
from tests.workflow.helpers import count, counts, csrf_of, login, token
from tests.workflow.test_department_loop import _act, _dispatch_id, _dispatched

ACCEPT = "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif"


def _image(fmt="JPEG", size=(400, 300)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (90, 160, 60)).save(out, fmt)
    return out.getvalue()


def _heic() -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    return _image("HEIF")


def _photos_of(session, ref):
    return session.execute(
        text("""SELECT p.stage, p.public, p.dispatch_id, p.path FROM photos p JOIN issues i ON i.id = p.issue_id
                WHERE i.ref = :r ORDER BY p.id"""),
        {"r": ref},
    ).all()


def test_the_issue_page_adds_before_and_published_after_photos_heic_included(client, session, photo_dir):
    ref = new_issue(session).ref
    session.commit()
    login(client, "chief")
    page = client.get(f"/issues/{ref}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and f'accept="{ACCEPT}"' in page
    res = client.post(
        f"/issues/{ref}/photos",
        data={
            "csrf_token": csrf_of(client, f"/issues/{ref}"),
            "stage": "before",
            "file": (io.BytesIO(_heic()), "a.HEIC"),
        },
    )
    assert res.status_code == 302 and res.headers["Location"].endswith(f"/issues/{ref}#photos")
    res = client.post(
        f"/issues/{ref}/photos",
        data={
            "csrf_token": csrf_of(client, f"/issues/{ref}"),
            "stage": "after",
            "public": "true",
            "file": [(io.BytesIO(_image("PNG")), "b.png"), (io.BytesIO(_image("WEBP")), "c.webp")],
        },
    )
    assert res.status_code == 302
    rows = _photos_of(session, ref)
    assert [(r.stage, r.public) for r in rows] == [("before", False), ("after", True), ("after", True)]
    assert all(Image.open(photo_dir / r.path).format == "JPEG" for r in rows)  # HEIC, PNG, WebP stored as JPEG
    public = client.get(f"/api/public/issues/{ref}").get_json()
    assert len(public["photos"]) == 2


def test_a_bad_file_among_good_ones_refuses_the_form_and_nothing_is_stored(client, session, photo_dir):
    ref = new_issue(session).ref
    session.commit()
    login(client, "chief")
    before = count(session, "photos")
    for name, data in (
        ("evil.jpg", b"MZ\x90\x00 renamed executable"),
        ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("../../etc/passwd.jpg", _image()),
    ):
        res = client.post(
            f"/issues/{ref}/photos",
            data={
                "csrf_token": csrf_of(client, f"/issues/{ref}"),
                "stage": "before",
                "file": [(io.BytesIO(_image()), "good.jpg"), (io.BytesIO(data), name)],
            },
        )
        html = res.get_data(as_text=True)
        assert res.status_code == 400 and 'data-field="file"' in html and "照片" in html, name
    assert count(session, "photos") == before and not any(photo_dir.rglob("*"))
    # another team's chief may not add photos at all
    login(client, "chief_xa")
    res = client.post(
        f"/issues/{ref}/photos",
        data={"csrf_token": csrf_of(client, "/work"), "stage": "before", "file": (io.BytesIO(_image()), "a.jpg")},
    )
    assert res.status_code == 403 and count(session, "photos") == before


def test_a_departments_done_form_brings_photos_of_the_result(client, session, photo_dir):
    ref = _dispatched(session, client, ("market_reg",))
    did = _dispatch_id(session, ref, "market_reg")
    for step in ("acknowledge", "arrive"):
        assert _act(client, session, ref, "staff", action=step, dispatch_id=did).status_code == 200
    login(client, "staff")
    page = client.get("/dispatches").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'name="file" multiple' in page
    version = session.execute(text("SELECT version FROM issues WHERE ref = :r"), {"r": ref}).scalar()
    form = {
        "csrf_token": csrf_of(client, "/dispatches"),
        "action": "done",
        "version": str(version),
        "dispatch_id": str(did),
        "note": "已加装油烟净化器",
        "next": "/dispatches",
    }
    before = counts(session)
    bad = client.post(f"/issues/{ref}/actions", data={**form, "file": (io.BytesIO(b"GIF89a nope"), "a.gif")})
    assert bad.status_code == 400 and counts(session) == before and not any(photo_dir.rglob("*"))
    res = client.post(f"/issues/{ref}/actions", data={**form, "file": (io.BytesIO(_image()), "result.jpg")})
    assert res.status_code == 302 and res.headers["Location"] == "/dispatches"
    assert [(r.stage, r.dispatch_id) for r in _photos_of(session, ref)] == [("after", did)]
    detail = client.get(f"/api/issues/{ref}", headers=token(client, "chief")).get_json()
    assert detail["properties"]["photos"][0]["dispatch_id"] == did


def test_a_site_visit_keeps_its_photos_for_its_team_only(client, session, photo_dir):
    login(client, "secretary")
    before = count(session, "site_visits")
    form = {"place": "银湖南路125号", "notes": "现场协调", "csrf_token": csrf_of(client, "/site-visits")}
    bad = client.post("/site-visits", data={**form, "file": (io.BytesIO(b"<html>"), "x.jpg")})
    assert bad.status_code == 400 and count(session, "site_visits") == before and not any(photo_dir.rglob("*"))
    res = client.post("/site-visits", data={**form, "file": (io.BytesIO(_image()), "scene.jpg")})
    assert res.status_code == 302
    photo_id = session.execute(
        text("SELECT p.id FROM photos p JOIN site_visits v ON v.id = p.site_visit_id ORDER BY p.id DESC LIMIT 1")
    ).scalar_one()
    assert f"/photos/{photo_id}/thumb" in client.get("/site-visits").get_data(as_text=True)
    assert client.get(f"/photos/{photo_id}").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_of(client, "/site-visits")})
    assert client.get(f"/photos/{photo_id}").status_code == 404  # anonymous
    assert client.get(f"/photos/{photo_id}", headers=token(client, "chief_xa")).status_code == 404  # another team
