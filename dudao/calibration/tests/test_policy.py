"""The calibration policy section: edited on the policy page like any area, and read by the code."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dudao.policies.models import PolicyVersion
from dudao.policies.registry import policy_for
from dudao.policies.services import policy_version_create
from dudao.policies.tests.formdata import unchanged_post

from .. import services
from ..selectors import calibration_period
from .factories import P, add_supervisor, inspect

pytestmark = pytest.mark.django_db


def test_every_pack_has_the_defaults(world):
    policy = policy_for(world.org, timezone.localdate()).calibration
    assert (policy.share, policy.within_days, policy.drift_threshold, policy.min_pairs, policy.window_days) == (
        Decimal("0.05"), 7, Decimal("5"), 3, 90)


def test_the_policy_page_edits_the_calibration_section(client, world):
    client.force_login(world.people["admin"])
    url = reverse("policies:edit", args=["calibration"])
    form = client.get(url)
    assert form.status_code == 200 and "偏差警示线" in form.content.decode()
    data = unchanged_post(form)
    data["calibration.drift_threshold"] = ["4"]
    preview = client.post(url, data)
    assert [(c.key, c.after) for c in preview.context["proposal"].changes] == [("calibration.drift_threshold", "4")]
    confirm: dict[str, list[str]] = {}
    for name, value in preview.context["post"]:
        confirm.setdefault(name, []).append(value)
    confirm["confirm"] = ["1"]
    assert client.post(url, confirm).status_code == 302
    assert PolicyVersion.objects.get(organization=world.org).overrides == {"calibration": {"drift_threshold": 4}}


def test_a_bad_share_is_refused_naming_the_field(client, world):
    client.force_login(world.people["admin"])
    url = reverse("policies:edit", args=["calibration"])
    data = unchanged_post(client.get(url))
    data["calibration.share"] = ["1.5"]
    response = client.post(url, {**data, "confirm": "1"})
    assert response.status_code == 422
    fields = {f.key: f for f in response.context["fields"]}
    assert fields["calibration.share"].errors and not fields["calibration.min_pairs"].errors
    assert not PolicyVersion.objects.exists()


def test_within_days_sets_the_due_date_and_window_days_the_default_period(world):
    add_supervisor(world, "west_supervisor")
    policy_version_create(actor=world.people["admin"], organization=world.org, effective_from=timezone.localdate(),
                          overrides={"calibration": {"within_days": 3, "window_days": 30}})
    inspection = inspect(world, world.person("supervisor"), world.unit("store1"), [P, P, P, P],
                         when=timezone.now())
    pair = services.calibration_schedule(inspection=inspection)
    assert pair.due_date == timezone.localdate(inspection.performed_at) + dt.timedelta(days=3)
    today = timezone.localdate()
    assert calibration_period(world.org.pk, None, None).start == today - dt.timedelta(days=29)
