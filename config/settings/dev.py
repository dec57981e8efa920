"""Local runs (`make run`): debug pages; mail is written to files under var/mail/, one per message."""

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = True
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = VAR_DIR / "mail"
