"""Production: PostgreSQL, Redis and object storage come from the environment; HTTPS only.

The process refuses to start without a real SECRET_KEY and ALLOWED_HOSTS. One named override,
DUDAO_SERVE_LOCALLY=1 (what `make serve` sets when no SECRET_KEY is given), serves the same
settings on a laptop: the key generated once and kept in var/secret_key (as `make run` does),
hosts 127.0.0.1 and localhost, plain HTTP (no HTTPS redirect, HSTS or secure-only cookies).
See docs/deploy.md.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import AWS_STORAGE_BUCKET_NAME, REDIS_URL, STATIC_ROOT, env_bool

DEBUG = False
SERVE_LOCALLY = env_bool("DUDAO_SERVE_LOCALLY", False)


def _weak_secret_key(key: str) -> bool:
    """Django's own test for a key too weak for production (security.W009)."""
    return len(key) < 50 or len(set(key)) < 5 or key.startswith("django-insecure-")


if not SERVE_LOCALLY:
    if not os.environ.get("SECRET_KEY"):
        raise ImproperlyConfigured(
            "SECRET_KEY must be set in production (or DUDAO_SERVE_LOCALLY=1 for a local run; see docs/deploy.md)."
        )
    if _weak_secret_key(os.environ["SECRET_KEY"]):
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters.")
    if not os.environ.get("ALLOWED_HOSTS"):
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS must be set in production: the host names Dudao is reached at, comma-separated."
        )

# Behind a TLS proxy that overwrites X-Forwarded-Proto (docs/deploy.md); never on a direct listener.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if SERVE_LOCALLY:
    SECURE_SSL_REDIRECT = False
    SESSION_COOKIE_SECURE = False
    CSRF_COOKIE_SECURE = False
else:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True

# Static files: hashed names, compressed, served by WhiteNoise (MIDDLEWARE in base) with a
# far-future Cache-Control; `collectstatic` runs at image build and in `make serve`.
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
}
# The container image collects them into the image (read-only), apart from the data volume.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or STATIC_ROOT)

# S3-compatible stores other than AWS (MinIO, Ceph) often answer only path-style addresses.
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ADDRESSING_STYLE = os.environ.get("S3_ADDRESSING_STYLE") or None

# Several app processes or hosts share one cache (Redis) when REDIS_URL is set; without it each
# process has its own, which nothing that must be shared relies on (docs/deploy.md).
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

# Scanners send any Host header; each is answered 400 and would otherwise log a full traceback.
LOGGING["loggers"]["django.security.DisallowedHost"] = {"level": "CRITICAL"}  # noqa: F405

# A served process keeps its database connection between requests (`make serve`'s gunicorn threads
# are long-lived): on SQLite this saves opening the file and its PRAGMAs on every request (about
# 3 ms of a 6 ms request on the 2-core bench machine, bench/peer_work.py). The development server
# starts a thread per request, so base.py keeps 0 there. A restore is done with the processes
# stopped (docs/operations.md), so no process holds a replaced file.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405
