from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "dudao.training"
    label = "training"
    verbose_name = _("培训")

    def ready(self) -> None:
        from dudao.appraisal.scoring import register_kpi_source

        from .selectors import attendance_rates

        register_kpi_source("training_attendance", attendance_rates)
