from django.core.management.base import BaseCommand, CommandError

from dudao.core.audit import verify_chain
from dudao.core.audit_anchors import check_anchors, read_anchors

SHOWN = 20


class Command(BaseCommand):
    help = (
        "Verify the hash-chained audit log: every link, hash and MAC, the head, and every signed anchor "
        "written outside the database. Exits non-zero naming each problem found."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="the database alias to verify")
        parser.add_argument("--anchors", default=None, help="the anchor directory (default: DUDAO_ANCHOR_DIR)")
        parser.add_argument("--no-anchors", action="store_true", help="check the chain alone")

    def handle(self, *args, **options):
        from pathlib import Path

        using = options["database"]
        problems: list[str] = []
        report = verify_chain(using=using)
        if not report.ok:
            problems.append(f"audit chain broken at event #{report.bad_seq}: {report.reason}")
        anchors_checked = 0
        if not options["no_anchors"]:
            directory = Path(options["anchors"]) if options["anchors"] else None
            anchors, unreadable = read_anchors(directory)
            problems.extend(unreadable)
            problems.extend(check_anchors(anchors, using=using))
            anchors_checked = len(anchors)
        if problems:
            shown = problems[:SHOWN]
            if len(problems) > SHOWN:
                shown.append(f"... and {len(problems) - SHOWN} more")
            raise CommandError(f"audit log NOT intact ({len(problems)} problems):\n" + "\n".join(shown))
        self.stdout.write(self.style.SUCCESS(
            f"audit chain intact: {report.checked} events, MACs valid, {anchors_checked} anchors hold"
        ))
