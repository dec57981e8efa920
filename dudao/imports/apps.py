from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "dudao.imports"
    label = "imports"
    verbose_name = _("导入")

    def ready(self) -> None:
        # The kinds of the apps below (units, people) are the engine's own; higher apps register
        # theirs in their own ready() (see docs/architecture.md, "Import kinds").
        from . import registry
        from .org_kinds import PeopleKind, UnitsKind

        registry.register_kind(UnitsKind())
        registry.register_kind(PeopleKind())
