"""The restore drill's parts, shared by the local-disk and the S3 drills: a small organisation with
inspections, findings and photos; a scratch database of the engine under test; the comparisons."""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from decimal import Decimal
from pathlib import Path

from django.apps import apps
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from dudao.core.attachments import attachment_attach, attachment_upload
from dudao.core.backup import forget_database_alias
from dudao.core.models import Attachment, AuditChainHead

from .test_attachments import jpeg_bytes

ALIAS = "restore_target"


def build_small_org():
    """The test world, two submitted inspections with findings, and three photos (one on a finding)."""
    from dudao.checklists import services as checklists
    from dudao.findings.models import Finding
    from dudao.inspections import services
    from dudao.org.testing import build_world

    world = build_world()
    ops, supervisor = world.person("ops_manager"), world.person("supervisor")
    template = checklists.template_publish(actor=ops, template=checklists.template_create(
        actor=ops, name="门店检查表", sections=[{"title": "卫生", "items": [
            {"code": "A1", "text": "地面清洁", "kind": "check", "points": 10},
            {"code": "A2", "text": "冷柜温度", "kind": "check", "points": 10}]}]))
    for unit_key in ("store1", "store2"):
        inspection, _ = services.inspection_create(actor=supervisor, unit=world.unit(unit_key), template=template,
                                                   latitude=Decimal("31.230416"), longitude=Decimal("121.473701"))
        services.answers_upsert(actor=supervisor, inspection=inspection,
                                answers=[{"item_code": "A1", "value": "fail"}, {"item_code": "A2", "value": "pass"}])
        services.inspection_submit(actor=supervisor, inspection=inspection)
    photos = [
        attachment_upload(actor=supervisor, file=SimpleUploadedFile(f"p{i}.jpg", jpeg_bytes(color=(i * 60, 20, 90)),
                                                                    "image/jpeg"), unit=world.unit("store1"))
        for i in range(3)
    ]
    finding = Finding.objects.filter(unit=world.unit("store1")).first()
    attachment_attach(actor=supervisor, attachment=photos[0], obj=finding, unit=world.unit("store1"))
    return world


def row_counts(using: str = "default") -> dict[str, int]:
    return {model._meta.label: model.objects.using(using).count() for model in apps.get_models()}


def photo_hashes(using: str = "default") -> dict[int, tuple[str, str]]:
    """attachment id -> (recorded sha256, sha256 of the bytes the storage gives back)."""
    storage = storages["default"]
    hashes = {}
    for attachment in Attachment.objects.using(using).order_by("pk"):
        with storage.open(attachment.file.name, "rb") as handle:
            hashes[attachment.pk] = (attachment.sha256, hashlib.sha256(handle.read()).hexdigest())
    return hashes


def chain_head(using: str = "default") -> tuple[int, str, str]:
    head = AuditChainHead.objects.using(using).get()
    return head.seq, head.hash, head.mac


@contextlib.contextmanager
def scratch_database(tmp_path: Path):
    """A database URL of the engine under test that nothing has touched; dropped afterwards."""
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        _forget_alias()
        return
    import psycopg

    name = f"dudao_drill_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    params = {"user": settings_dict.get("USER") or None, "password": settings_dict.get("PASSWORD") or None,
              "host": settings_dict.get("HOST") or None, "port": settings_dict.get("PORT") or None}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    user = settings_dict.get("USER") or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    try:
        yield f"postgres://{auth}{settings_dict.get('HOST') or 'localhost'}:{settings_dict.get('PORT') or 5432}/{name}"
    finally:
        _forget_alias()
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _forget_alias() -> None:
    forget_database_alias(ALIAS)
