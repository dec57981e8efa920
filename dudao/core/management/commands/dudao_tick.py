import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from dudao.core.jobs import REGISTRY, run_all, run_job


class Command(BaseCommand):
    help = "Run every periodic job as of a given time (cron and tests use it to move time)."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="ISO time the jobs run as of (default: the current time)")
        parser.add_argument("--job", action="append", help="run only this job (repeatable)")

    def handle(self, *args, **options):
        now = timezone.now()
        if options["now"]:
            parsed = parse_datetime(options["now"])
            if parsed is None:
                try:
                    parsed = dt.datetime.combine(dt.date.fromisoformat(options["now"]), dt.time())
                except ValueError:
                    raise CommandError(f"--now: not an ISO date or time: {options['now']!r}") from None
            now = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
        if options["job"]:
            unknown = [name for name in options["job"] if name not in REGISTRY]
            if unknown:
                raise CommandError(f"--job: unknown job(s) {', '.join(unknown)}")
            results = {name: run_job(REGISTRY[name], now) for name in options["job"]}
        else:
            results = run_all(now)
        for name, result in results.items():
            state = "skipped (slot already ran)" if result is None else result
            self.stdout.write(f"{name}: {state}")
