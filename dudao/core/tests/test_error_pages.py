"""The two 500s the issue named, one by one: an unknown export format, and a URL name as `next`.

Kept apart from test_tampered_input.py: its module-wide demo organisation would clash with the
small test world these build (both have an `admin`)."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse


def test_template_export_in_an_unknown_format_is_a_readable_422(world, client):
    from dudao.inspections.tests.factories import make_template

    template = make_template(world)
    client.force_login(world.people["admin"])
    response = client.get(reverse("checklists:template-export", args=[template.pk]) + "?format=xml")
    assert response.status_code == 422
    assert "format" in response.content.decode() or "格式" in response.content.decode()
    assert client.get(reverse("checklists:template-export", args=[template.pk]) + "?format=json").status_code == 200


@pytest.mark.parametrize("next_value", ["default", "//evil.example", "javascript:alert(1)", "https://evil.example/x"])
def test_finding_accept_goes_back_to_the_finding_whatever_next_says(world, client, next_value):
    from dudao.findings.models import Finding
    from dudao.findings.tests.factories import make_finding

    finding = make_finding(world)
    before = Finding.objects.filter(pk=finding.pk).values().get()
    client.force_login(world.people["supervisor"])
    response = client.post(reverse("findings:finding-accept", args=[finding.pk]), {"accept-next": next_value})
    # Not submitted yet: the step is refused with a message, and the way back is the finding's page.
    assert response.status_code == 302
    assert response["Location"] == reverse("findings:finding-detail", args=[finding.pk])
    assert Finding.objects.filter(pk=finding.pk).values().get() == before


def test_a_path_on_the_site_is_kept_as_next(world, client):
    from dudao.findings.tests.factories import make_finding

    finding = make_finding(world)
    client.force_login(world.people["supervisor"])
    response = client.post(reverse("findings:finding-accept", args=[finding.pk]), {"accept-next": "/findings/?page=2"})
    assert response["Location"] == "/findings/?page=2"


def test_unparseable_input_is_logged_as_one_line_without_a_traceback(world, client, caplog):
    from dudao.inspections.tests.factories import make_template

    template = make_template(world)
    client.force_login(world.people["admin"])
    with caplog.at_level(logging.WARNING):
        client.get(reverse("checklists:template-export", args=[template.pk]) + "?format=xml")
    records = [r for r in caplog.records if r.name == "dudao.core.views"]
    assert len(records) == 1 and records[0].exc_info is None
    assert "422" in records[0].getMessage()
