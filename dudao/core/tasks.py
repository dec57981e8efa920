"""Imported by huey's consumer (djhuey autodiscovers `tasks` modules): schedules every periodic job."""

from .jobs import install_huey_schedule

install_huey_schedule()
