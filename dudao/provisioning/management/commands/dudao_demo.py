from django.core.management.base import BaseCommand

from dudao.provisioning.services import DEMO_PASSWORD, demo_load


class Command(BaseCommand):
    help = "Load the demo restaurant chain once and print its logins."

    def handle(self, *args, **options):
        organization, logins, created = demo_load()
        state = "loaded" if created else "already present"
        self.stdout.write(self.style.SUCCESS(f"Demo organisation {organization.name}: {state}"))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        width = max(len(login.username) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login.username.ljust(width)}  {login.role} · {login.unit} · {login.display_name}")
