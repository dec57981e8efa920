"""The home page: each person's workbench (what needs them today, and their figures this month)."""

from __future__ import annotations

from django.shortcuts import render

from dudao.core.views import page

from .selectors import workbench_for


@page
def home(request):
    actor = request.user
    context = {"bench": workbench_for(actor), "assignments": actor.role_assignments_cached()}
    return render(request, "workbench/home.html", context)
