from django.core.management.base import BaseCommand, CommandError

from dudao.core.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the hash-chained audit log; exits non-zero naming the first bad record."

    def handle(self, *args, **options):
        report = verify_chain()
        if not report.ok:
            raise CommandError(f"audit chain broken at event #{report.bad_seq}: {report.reason}")
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {report.checked} events"))
