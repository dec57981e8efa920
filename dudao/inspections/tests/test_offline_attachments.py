"""Photo uploads are idempotent by client id: what an offline phone's sync queue relies on."""

from __future__ import annotations

import pytest

from dudao.core.models import Attachment, AuditEvent
from dudao.core.tests.test_attachments import jpeg_bytes, stored_files, use_tmp_media
from dudao.core.tests.test_attachments_api import post_file


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    return use_tmp_media(settings, tmp_path)


def uploads() -> tuple[int, int]:
    return Attachment.objects.count(), AuditEvent.objects.filter(action="attachment.upload").count()


def test_same_client_id_twice_gives_one_attachment(live_world, api_for, media):
    client = api_for(live_world.people["supervisor"])
    store = live_world.units["store1"].pk
    first = post_file(client, jpeg_bytes(), unit_id=store, client_id="photo-1")
    again = post_file(client, jpeg_bytes(), unit_id=store, client_id="photo-1")

    assert first.status_code == 201, first.text
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert uploads() == (1, 1)
    assert len(stored_files(media)) == 1  # the retry's bytes were not kept either
    assert Attachment.objects.get().client_id == "photo-1"


def test_different_client_ids_are_different_photos(live_world, api_for):
    client = api_for(live_world.people["supervisor"])
    ids = {post_file(client, jpeg_bytes(), client_id=f"photo-{n}").json()["id"] for n in range(2)}
    assert len(ids) == 2
    assert uploads() == (2, 2)


def test_no_client_id_stores_every_upload(live_world, api_for):
    client = api_for(live_world.people["supervisor"])
    assert {post_file(client, jpeg_bytes()).status_code for _ in range(2)} == {201}
    assert uploads() == (2, 2)


@pytest.mark.parametrize("change", ["content", "unit"])
def test_same_client_id_other_upload_is_409_naming_client_id_and_nothing_changes(live_world, api_for, media, change):
    client = api_for(live_world.people["supervisor"])
    first = post_file(client, jpeg_bytes(), unit_id=live_world.units["store1"].pk, client_id="photo-1")
    before, files_before = uploads(), stored_files(media)

    other = {"content": (jpeg_bytes(color=(0, 90, 200)), live_world.units["store1"].pk),
             "unit": (jpeg_bytes(), live_world.units["store2"].pk)}[change]
    response = post_file(client, other[0], unit_id=other[1], client_id="photo-1")

    assert response.status_code == 409, response.text
    body = response.json()
    assert "client_id" in body["message"]
    assert "client_id" in body["detail"]["fields"]
    assert body["detail"]["attachment_id"] == first.json()["id"]
    assert uploads() == before
    assert stored_files(media) == files_before


def test_client_id_is_per_uploader(live_world, api_for):
    """Another person's upload with the same client id is theirs: neither sees nor blocks it."""
    mine = post_file(api_for(live_world.people["supervisor"]), jpeg_bytes(), client_id="photo-1")
    theirs = post_file(api_for(live_world.people["unit_manager"]), jpeg_bytes(), client_id="photo-1")
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]
