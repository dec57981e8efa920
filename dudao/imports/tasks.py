"""Background work of imports (huey imports every app's `tasks` module): long files."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task()
def process_import(run_id: int, actor_id: int) -> None:
    """Process a long import queued by `services.import_run_start` after its commit."""
    from django.contrib.auth import get_user_model

    from .models import ImportRun
    from .services import import_run_crashed, import_run_process

    actor = get_user_model().objects.get(pk=actor_id)
    run = ImportRun.objects.get(pk=run_id)
    try:
        import_run_process(actor=actor, run=run)
    except Exception:
        # Nothing was written (the apply is one transaction); the page must stop waiting.
        import_run_crashed(actor=actor, run=run)
        raise
