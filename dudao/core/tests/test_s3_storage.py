"""Object storage for real: django-storages' S3Storage against a local S3-compatible server (moto's,
started by the `s3_server` fixture). Uploads land in the bucket, are read back and served, anchors
go there too, and a backup taken from one bucket restores into another."""

from __future__ import annotations

import hashlib
import json

from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from dudao.core.attachments import attachment_upload
from dudao.core.audit_anchors import STORAGE_PREFIX, read_anchors, write_anchors
from dudao.core.models import Attachment

from .backup_drill import ALIAS, build_small_org, chain_head, photo_hashes, row_counts, scratch_database
from .hostile_pdfs import BENIGN
from .test_attachments import jpeg_bytes


def bucket_objects(client, bucket) -> dict[str, bytes]:
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read() for item in listed}


def test_an_upload_is_stored_in_the_bucket_and_read_back(world, s3_storage):
    client, bucket = s3_storage
    assert type(storages["default"]).__name__ == "S3Storage"
    pdf = BENIGN["web-link"]()
    photo = attachment_upload(actor=world.person("supervisor"), file=SimpleUploadedFile("p.jpg", jpeg_bytes(), "image/jpeg"),
                              unit=world.unit("store1"))
    report = attachment_upload(actor=world.person("supervisor"), file=SimpleUploadedFile("r.pdf", pdf, "application/pdf"))
    objects = bucket_objects(client, bucket)
    assert set(objects) == {photo.file.name, report.file.name}
    assert hashlib.sha256(objects[photo.file.name]).hexdigest() == photo.sha256
    assert objects[report.file.name] == pdf
    with photo.file.storage.open(photo.file.name, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == photo.sha256


def test_the_same_name_twice_never_overwrites_evidence(world, s3_storage):
    client, bucket = s3_storage
    storage = storages["default"]
    first = storage.save("attachments/x.jpg", SimpleUploadedFile("x.jpg", b"first"))
    second = storage.save("attachments/x.jpg", SimpleUploadedFile("x.jpg", b"second"))
    assert first != second
    assert bucket_objects(client, bucket)[first] == b"first"


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_an_attachment_in_the_bucket_is_served_by_the_api(world, s3_storage, client):
    from dudao.org import services

    supervisor = world.person("supervisor")
    photo = attachment_upload(actor=supervisor, file=SimpleUploadedFile("p.jpg", jpeg_bytes(), "image/jpeg"),
                              unit=world.unit("store1"))
    token = services.token_issue(person=supervisor)
    # The displayed copy is the watermarked rendition (kept in the bucket beside the original); the
    # original comes back byte for byte from the bucket.
    response = client.get(f"/api/v1/attachments/{photo.pk}/download", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert hashlib.sha256(body_of(response)).hexdigest() != photo.sha256
    response = client.get(f"/api/v1/attachments/{photo.pk}/original", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert hashlib.sha256(body_of(response)).hexdigest() == photo.sha256
    # Someone else's organisation still gets 404, bucket or not.
    other = services.token_issue(person=world.person("b_admin"))
    assert client.get(f"/api/v1/attachments/{photo.pk}/download",
                      HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 404


def test_anchors_are_written_to_object_storage_too(world, s3_storage, settings, tmp_path):
    client, bucket = s3_storage
    settings.DUDAO_ANCHOR_DIR = str(tmp_path / "anchors")
    written = write_anchors()
    assert written["object"].startswith(f"{STORAGE_PREFIX}/")
    stored = bucket_objects(client, bucket)[written["object"]].decode().splitlines()
    assert json.loads(stored[0])["seq"] == chain_head()[0]
    # The copy in the bucket alone still anchors the chain.
    for path in (tmp_path / "anchors").glob("*.jsonl"):
        path.unlink()
    anchors, problems = read_anchors()
    assert not problems and {a.source.split(" line")[0] for a in anchors} == {f"storage {written['object']}"}
    call_command("dudao_verify_audit")


def test_backup_from_one_bucket_restores_into_another(transactional_db, s3_server, settings, tmp_path):
    import uuid

    import boto3

    s3 = boto3.client("s3", endpoint_url=s3_server, aws_access_key_id="testing", aws_secret_access_key="testing",
                      region_name="us-east-1")

    def use_bucket(name: str) -> None:
        s3.create_bucket(Bucket=name)
        settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
            "bucket_name": name, "endpoint_url": s3_server, "access_key": "testing", "secret_key": "testing",
            "region_name": "us-east-1", "file_overwrite": False, "default_acl": None}}}

    suffix = uuid.uuid4().hex[:8]
    settings.DUDAO_ANCHOR_DIR = str(tmp_path / "anchors-source")
    use_bucket(f"dudao-source-{suffix}")
    build_small_org()
    write_anchors()
    archive = tmp_path / "backup.tar.gz"
    call_command("dudao_backup", "--output", str(archive))
    counts, head, photos = row_counts(), chain_head(), photo_hashes()
    assert len(photos) == 3

    settings.DUDAO_ANCHOR_DIR = str(tmp_path / "anchors-restored")
    use_bucket(f"dudao-restored-{suffix}")
    assert not bucket_objects(s3, f"dudao-restored-{suffix}")
    with scratch_database(tmp_path) as url:
        call_command("dudao_restore", str(archive), "--database-url", url)
        assert row_counts(ALIAS) == counts and chain_head(ALIAS) == head
        assert photo_hashes(ALIAS) == photos
        restored = bucket_objects(s3, f"dudao-restored-{suffix}")
        names = set(Attachment.objects.using(ALIAS).values_list("file", flat=True))
        assert names <= set(restored)
        assert any(key.startswith(f"{STORAGE_PREFIX}/") for key in restored)
