from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "dudao.core"
    label = "core"
    verbose_name = _("平台")

    def ready(self) -> None:
        # Periodic jobs register themselves on import; dudao_tick and huey both read the registry.
        from . import jobs  # noqa: F401
