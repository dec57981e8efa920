import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploaded import files go to a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
