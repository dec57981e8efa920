from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dudao.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Back up the database, the media files and the audit anchors into one tar.gz with a manifest "
        "(row counts, audit chain heads, SHA-256 of every file). The audit key is not included."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", help="the archive to write (default: var/backups/dudao-<time>.tar.gz)")
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options):
        from django.conf import settings

        output = Path(options["output"] or Path(settings.VAR_DIR) / "backups"
                      / f"dudao-{timezone.now():%Y%m%dT%H%M%SZ}.tar.gz")
        try:
            manifest = create_backup(output, using=options["database"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        media = sum(1 for name in manifest["files"] if name.startswith("media/"))
        self.stdout.write(self.style.SUCCESS(
            f"backed up {len(manifest['tables'])} tables, {media} media files and the audit log up to "
            f"event #{manifest['chain']['seq']} to {output}"
        ))
