"""Business figures, each with one definition (DESIGN.md 2.15, 4): read by the dashboard,
bulletins, reports, evaluations and appraisals alike.

This layer sits above the apps whose records it counts (planning, findings, inspections) and
below every app that shows or judges a figure (reporting, analytics, appraisal). It holds no
models and writes nothing.
"""
