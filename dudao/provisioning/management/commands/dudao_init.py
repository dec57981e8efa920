from django.core.management.base import BaseCommand, CommandError

from dudao.core.errors import ApplicationError
from dudao.provisioning.services import organization_init


class Command(BaseCommand):
    help = "Create an organisation from a policy pack with its first admin (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="organisation name")
        parser.add_argument("--pack", required=True, help="policy pack, e.g. restaurant_chain")
        parser.add_argument("--admin", required=True, help="username of the first admin")
        parser.add_argument("--password", required=True, help="password of the first admin")

    def handle(self, *args, **options):
        try:
            result = organization_init(
                name=options["org"], pack=options["pack"],
                admin_username=options["admin"], admin_password=options["password"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        org_state = "created" if result.created_organization else "already exists"
        admin_state = "created" if result.created_admin else "already exists"
        self.stdout.write(f"organization {result.organization.name!r} (pack {result.organization.policy_pack}): {org_state}")
        self.stdout.write(f"admin {result.admin.username!r}: {admin_state}")
