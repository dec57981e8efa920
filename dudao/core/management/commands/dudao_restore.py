from django.core.management.base import BaseCommand, CommandError

from dudao.core.backup import BackupError, database_alias_for, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a dudao_backup archive: checks it against its manifest, refuses a target that holds data "
        "unless --force, restores the database, media and audit anchors, compares row counts and the "
        "audit chain head with the manifest and verifies the audit log. Exits non-zero on any difference."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--force", action="store_true", help="replace a target that holds data")
        parser.add_argument("--database", default="default", help="the database alias to restore into")
        parser.add_argument("--database-url", help="restore into this database instead (e.g. a scratch one for a drill)")

    def handle(self, *args, **options):
        using = options["database"]
        if options["database_url"]:
            using = database_alias_for(options["database_url"])
        try:
            report = restore_backup(options["archive"], using=using, force=options["force"])
        except BackupError as exc:
            raise CommandError(f"restore stopped: {exc}") from None
        if report.problems:
            raise CommandError("restored, but the result does not match the backup:\n" + "\n".join(report.problems))
        self.stdout.write(self.style.SUCCESS(
            f"restored {report.tables} tables, {report.media} media files, {report.anchors} anchor lines; "
            f"audit chain intact: {report.verified_events} events"
        ))
