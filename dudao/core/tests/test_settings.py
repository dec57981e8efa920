"""Settings come from the environment: database, jobs, storage."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


def settings_value(expression: str, tmp_path, **env) -> str:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DUDAO_VAR_DIR": str(tmp_path), **env}
    for name in ("DATABASE_URL", "REDIS_URL", "S3_BUCKET"):
        if name not in env:
            environment.pop(name, None)
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_default_database_is_sqlite_under_var(tmp_path):
    assert settings_value("settings.DATABASES['default']['NAME']", tmp_path) == str(tmp_path / "dudao.sqlite3")


def test_database_url_selects_postgresql(tmp_path):
    engine = settings_value("settings.DATABASES['default']['ENGINE']", tmp_path,
                            DATABASE_URL="postgres://u:p@db.example.com:5432/dudao")
    assert engine == "django.db.backends.postgresql"


def test_secret_key_is_generated_once_under_var(tmp_path):
    first = settings_value("settings.SECRET_KEY", tmp_path)
    assert len(first) >= 50 and (tmp_path / "secret_key").read_text().strip() == first
    assert settings_value("settings.SECRET_KEY", tmp_path) == first


def test_jobs_use_sqlite_by_default_and_redis_when_configured(tmp_path):
    assert settings_value("settings.HUEY['huey_class']", tmp_path) == "huey.SqliteHuey"
    assert settings_value("settings.HUEY['huey_class']", tmp_path, REDIS_URL="redis://localhost:6379/0") == \
        "huey.RedisHuey"


def test_media_goes_to_s3_when_a_bucket_is_configured(tmp_path):
    assert settings_value("settings.STORAGES['default']['BACKEND']", tmp_path) == \
        "django.core.files.storage.FileSystemStorage"
    assert settings_value("settings.STORAGES['default']['BACKEND']", tmp_path, S3_BUCKET="evidence") == \
        "storages.backends.s3.S3Storage"
    assert settings_value("settings.AWS_S3_FILE_OVERWRITE", tmp_path, S3_BUCKET="evidence") == "False"


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_full_sync():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite pragmas apply to the SQLite run only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 2  # FULL
