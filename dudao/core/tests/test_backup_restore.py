"""Backup and restore: the restore drill (a small organisation backed up, restored into a fresh
database and media directory, compared), and the refusals that leave the target untouched."""

from __future__ import annotations

import io
import json
import tarfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connections, transaction

from dudao.core.attachments import attachment_upload
from dudao.core.audit_anchors import write_anchors
from dudao.core.models import AuditEvent

from .backup_drill import ALIAS, build_small_org, chain_head, photo_hashes, row_counts, scratch_database
from .test_attachments import jpeg_bytes, use_tmp_media


@pytest.fixture
def source(settings, tmp_path):
    settings.DUDAO_ANCHOR_DIR = str(tmp_path / "anchors-source")
    use_tmp_media(settings, tmp_path / "source")
    return tmp_path


def test_restore_drill(transactional_db, source, settings, tmp_path, capsys):
    build_small_org()
    write_anchors()
    archive = tmp_path / "backup.tar.gz"
    call_command("dudao_backup", "--output", str(archive))
    assert "backed up" in capsys.readouterr().out
    counts, head, photos = row_counts(), chain_head(), photo_hashes()
    assert counts["findings.Finding"] >= 2 and counts["inspections.Inspection"] == 2 and len(photos) == 3
    assert all(recorded == stored for recorded, stored in photos.values())
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert manifest["chain"] == {"seq": head[0], "hash": head[1]}
    assert manifest["tables"]["core_attachment"] == 3
    assert sum(name.startswith("media/") for name in manifest["files"]) == 3

    # A fresh database and media directory, as on a new machine (the audit key travels separately).
    settings.DUDAO_ANCHOR_DIR = str(tmp_path / "anchors-restored")
    use_tmp_media(settings, tmp_path / "restored")
    with scratch_database(tmp_path) as url:
        call_command("dudao_restore", str(archive), "--database-url", url)
        out = capsys.readouterr().out
        assert "restored" in out and f"audit chain intact: {head[0]} events" in out
        assert row_counts(ALIAS) == counts
        assert chain_head(ALIAS) == head
        assert photo_hashes(ALIAS) == photos
        call_command("dudao_verify_audit", "--database", ALIAS)
        # The triggers came back with the data.
        with pytest.raises(DatabaseError), transaction.atomic(using=ALIAS):
            connections[ALIAS].cursor().execute("DELETE FROM core_auditevent")
        with pytest.raises(DatabaseError), transaction.atomic(using=ALIAS):
            connections[ALIAS].cursor().execute("DELETE FROM core_auditchainhead")
        # A second restore into what is now a database with data is refused...
        with pytest.raises(CommandError, match="holds data"):
            call_command("dudao_restore", str(archive), "--database-url", url)
        # ...and replaces it when forced.
        call_command("dudao_restore", str(archive), "--database-url", url, "--force")
        assert row_counts(ALIAS) == counts and photo_hashes(ALIAS) == photos
    assert (tmp_path / "anchors-restored").is_dir()


def test_restore_refuses_a_target_with_data_and_changes_nothing(world, source, tmp_path):
    archive = tmp_path / "backup.tar.gz"
    call_command("dudao_backup", "--output", str(archive))
    before = (AuditEvent.objects.count(), chain_head())
    with pytest.raises(CommandError, match="holds data"):
        call_command("dudao_restore", str(archive))
    assert (AuditEvent.objects.count(), chain_head()) == before


def _rewrite(archive, into, change):
    with tarfile.open(archive) as tar, tarfile.open(into, "w:gz") as out:
        for member in tar.getmembers():
            data = tar.extractfile(member).read()
            data = change(member.name, data)
            if data is None:
                continue
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))


@pytest.mark.parametrize(("change", "message"), [
    (lambda name, data: data[:-1] + b"\x00" if name.startswith("media/") else data, "does not match its SHA-256"),
    (lambda name, data: None if name.startswith("database/") else data, "missing from the archive"),
])
def test_an_altered_archive_is_refused_before_anything_is_restored(transactional_db, source, tmp_path, settings,
                                                                   change, message):
    # transactional_db: committed data (the dump reads through its own connection).
    from dudao.org.testing import build_world

    attachment_upload(actor=build_world().person("supervisor"),
                      file=SimpleUploadedFile("a.jpg", jpeg_bytes(), "image/jpeg"))
    archive, altered = tmp_path / "backup.tar.gz", tmp_path / "altered.tar.gz"
    call_command("dudao_backup", "--output", str(archive))
    _rewrite(archive, altered, change)
    restored_media = use_tmp_media(settings, tmp_path / "restored")
    with scratch_database(tmp_path) as url:
        with pytest.raises(CommandError, match=message):
            call_command("dudao_restore", str(altered), "--database-url", url)
        assert not restored_media.exists() or not any(restored_media.rglob("*"))
        with connections[ALIAS].cursor() as cursor:
            assert "core_auditevent" not in connections[ALIAS].introspection.table_names(cursor)


def test_not_an_archive_is_refused(tmp_path, db):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tar")
    with pytest.raises(CommandError, match="not a readable backup archive"):
        call_command("dudao_restore", str(junk))
