import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand

from dudao.provisioning.services import DEMO_PASSWORD, demo_load


def wait_until_serving(url: str, timeout: float) -> bool:
    """True once `url` answers at all (any HTTP status), False if nothing answered within `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return True
        except urllib.error.HTTPError:
            return True
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    return False


class Command(BaseCommand):
    help = "Load the demo restaurant chain once and print its logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--url", help="The address the demo is served at: print it with the logins as the last lines."
        )
        parser.add_argument(
            "--wait", type=float, default=0,
            help="Seconds to wait for --url to answer before printing (so the banner comes after the server's).",
        )

    def handle(self, *args, url=None, wait=0, **options):
        organization, logins, created = demo_load()
        if url and wait and not wait_until_serving(url.rstrip("/") + "/login/", wait):
            self.stderr.write(f"Nothing answers at {url} after {wait:.0f} s.")
            return
        if not url:
            state = "loaded" if created else "already present"
            self.stdout.write(self.style.SUCCESS(f"Demo organisation {organization.name}: {state}"))
        mail_dir = getattr(settings, "EMAIL_FILE_PATH", None)
        if mail_dir:
            self.stdout.write(f"Mail the demo sends is written to {mail_dir}/ (one file per message).")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        width = max(len(login.username) for login in logins)
        for login in logins:
            self.stdout.write(f"  {login.username.ljust(width)}  {login.role} · {login.unit} · {login.display_name}")
        if url:
            rule = "=" * 64
            self.stdout.write(self.style.SUCCESS(
                f"{rule}\n  Dudao is running at {url}\n"
                f"  Sign in as admin, ops, supervisor1 or store01 with {DEMO_PASSWORD}\n"
                f"  Stop with Ctrl-C.\n{rule}"
            ))
