from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "dudao.core"
    label = "core"
    verbose_name = _("平台")

    def ready(self) -> None:
        # Periodic jobs register themselves when each app's jobs.py is imported; dudao_tick and
        # the huey consumer both read that registry.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("jobs")
