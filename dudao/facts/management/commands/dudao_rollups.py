import time

from django.core.management.base import BaseCommand, CommandError

from dudao.facts.rollups import rebuild, refresh, repair
from dudao.org.models import Organization


class Command(BaseCommand):
    help = (
        "The monthly rollups of the supervision figures: --rebuild recomputes every month from the records "
        "(after a bulk load, which bypasses the services), --repair the last two months; without either, "
        "the (unit, month) rollups marked changed. --org limits it to one organisation."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="recompute every month from the records")
        parser.add_argument("--repair", action="store_true", help="recompute the last two months")
        parser.add_argument("--org", type=int, default=None, help="one organisation's id (default: all)")

    def handle(self, *args, **options):
        if options["rebuild"] and options["repair"]:
            raise CommandError("--rebuild or --repair, not both")
        organizations = Organization.objects.order_by("pk")
        if options["org"] is not None:
            organizations = organizations.filter(pk=options["org"])
            if not organizations.exists():
                raise CommandError(f"no organisation with id {options['org']}")
        if options["repair"] and options["org"] is None:
            result = repair()
            self.stdout.write(f"repaired {result['organizations']} organisations: {result['marks']} marks, "
                              f"{result['rows']} unit rows")
            return
        for organization_id in organizations.values_list("pk", flat=True):
            started = time.monotonic()
            if options["rebuild"]:
                result = rebuild(organization_id)
                done = f"rebuilt {result['months']} months, {result['rows']} unit rows"
            elif options["repair"]:
                result = repair(organization_ids=[organization_id])
                done = f"repaired: {result['marks']} marks, {result['rows']} unit rows"
            else:
                done = f"{refresh(organization_id)} marks handled"
            self.stdout.write(f"organisation {organization_id}: {done} in {time.monotonic() - started:.1f}s")

