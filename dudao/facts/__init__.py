"""Business figures, each with one definition (DESIGN.md 2.15, 4): read by the dashboard,
bulletins, reports, evaluations and appraisals alike.

This layer sits above the apps whose records it counts (planning, findings, inspections) and
below every app that shows or judges a figure (reporting, analytics, appraisal). Its only models
are the monthly rollups (`models.py`, `rollups.py`): a cache of the same definitions per unit and
month, which the summary reads for whole months.
"""
