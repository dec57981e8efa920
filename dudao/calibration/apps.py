from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalibrationConfig(AppConfig):
    name = "dudao.calibration"
    label = "calibration"
    verbose_name = _("督导校准")

    def ready(self) -> None:
        # Inspections sit below calibration: the blind second inspector's access to a unit outside
        # their region is granted through inspections' registry, per calibration visit.
        from dudao.inspections import registry

        from . import access

        registry.register_visit_grant(registry.VisitGrant(access.may_inspect, access.granted_visits))
