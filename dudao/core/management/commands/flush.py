"""`flush` that also empties the append-only audit log.

Flushing wipes the whole database on purpose (test teardown, a reset demo). PostgreSQL truncates,
which row triggers do not see; SQLite deletes row by row, so the audit triggers are lifted for the
duration of the flush and put back in the same transaction.
"""

from django.core.management.commands.flush import Command as DjangoFlush
from django.db import connections, transaction

from dudao.core import db_triggers


class Command(DjangoFlush):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with transaction.atomic(using=connection.alias):
            db_triggers.uninstall(connection)
            try:
                return super().handle(**options)
            finally:
                db_triggers.install(connection)
