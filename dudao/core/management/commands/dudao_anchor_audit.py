from django.core.management.base import BaseCommand

from dudao.core.audit_anchors import write_anchors


class Command(BaseCommand):
    help = (
        "Write a signed anchor of the audit chain head (whole chain and each organisation) outside the "
        "database: the anchor directory and, when configured, object storage. The huey job does it hourly."
    )

    def handle(self, *args, **options):
        written = write_anchors()
        where = written["file"] + (f" and storage {written['object']}" if "object" in written else "")
        self.stdout.write(self.style.SUCCESS(
            f"anchored event #{written['seq']} ({written['anchors']} anchors) to {where}"
        ))
