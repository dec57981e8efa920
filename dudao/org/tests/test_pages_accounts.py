"""Account pages: edit a person, reset their password, deactivate with a leaving date, change my password."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dudao.core.models import AuditEvent
from dudao.core.testing import PageObjectMatrix
from dudao.org import services
from dudao.org.testing import PASSWORD
from dudao.org.tests.test_api_people import person_state

NEW_PASSWORD = "Fresh-start-pass-77"


class TestPersonEditPage(PageObjectMatrix):
    url_name = "org:person-edit"
    method = "post"
    success_status = 302
    refused = ("region_manager", "executive", "supervisor")

    def url(self, world, target):
        return reverse("org:person-edit", args=[target.pk])

    def data(self, world, target):
        return {"display_name": "王店长", "email": "wang@example.com", "phone": "13800000000"}

    def target(self, world):
        return world.people["unit_manager"]

    def other_org_target(self, world):
        return world.people["b_unit_manager"]

    def snapshot(self, world):
        return person_state(world)

    def check_success(self, world, target, response):
        person = world.person("unit_manager")
        assert (person.display_name, person.email, person.phone) == ("王店长", "wang@example.com", "13800000000")
        event = AuditEvent.objects.get(action="person.update", object_id=str(target.pk))
        assert event.before["phone"] == "" and event.after["phone"] == "13800000000"


class TestPersonPasswordPage(PageObjectMatrix):
    url_name = "org:person-password"
    method = "post"
    success_status = 302
    refused = ("region_manager", "executive", "supervisor")

    def url(self, world, target):
        return reverse("org:person-password", args=[target.pk])

    def data(self, world, target):
        return {"password": "Temporary-pass-2026"}

    def target(self, world):
        return world.people["unit_manager"]

    def other_org_target(self, world):
        return world.people["b_unit_manager"]

    def snapshot(self, world):
        return person_state(world)

    def check_success(self, world, target, response):
        person = world.person("unit_manager")
        assert person.check_password("Temporary-pass-2026") and person.must_change_password


class TestPasswordChangePage(PageObjectMatrix):
    """No object: every signed-in person gets the form for their own password."""

    url_name = "org:password-change"
    in_scope = "unit_manager"

    def url(self, world, target):
        return reverse("org:password-change")

    def target(self, world):
        return world.people["unit_manager"]

    def other_org_target(self, world):
        return world.people["b_unit_manager"]

    def test_no_role_is_404(self):
        assert self.call("no_role", None).status_code == 200

    def test_out_of_scope_is_404(self):
        assert self.call(self.out_of_scope, None).status_code == 200

    def test_other_organization_is_404(self):
        assert self.call("b_unit_manager", None).status_code == 200

    def check_success(self, world, target, response):
        text = response.content.decode()
        assert 'name="old_password"' in text and 'name="new_password2"' in text


def test_header_links_to_change_my_password(client, world):
    client.force_login(world.people["unit_manager"])
    assert f'href="{reverse("org:password-change")}"' in client.get(reverse("org:people")).content.decode()


def test_admin_sees_the_account_actions_on_a_person(client, world):
    client.force_login(world.people["admin"])
    text = client.get(reverse("org:person-detail", args=[world.people["unit_manager"].pk])).content.decode()
    for name in ("org:person-edit", "org:person-password", "org:person-deactivate"):
        assert reverse(name, args=[world.people["unit_manager"].pk]) in text
    client.force_login(world.people["region_manager"])
    text = client.get(reverse("org:person-detail", args=[world.people["unit_manager"].pk])).content.decode()
    assert reverse("org:person-password", args=[world.people["unit_manager"].pk]) not in text


def test_forced_change_blocks_every_page_until_done(client, world):
    services.person_password_reset(actor=world.person("admin"), person=world.person("unit_manager"),
                                   password="Temporary-pass-2026")
    response = client.post("/login/", {"username": "unit_manager", "password": "Temporary-pass-2026"})
    assert response.status_code == 302
    change = reverse("org:password-change")
    for path in ("/", "/org/", reverse("org:people"), "/findings/"):
        blocked = client.get(path)
        assert blocked.status_code == 302 and blocked["Location"] == change, path
    page = client.get(change)
    assert "管理员重置了你的密码" in page.content.decode()
    done = client.post(change, {"old_password": "Temporary-pass-2026", "new_password": NEW_PASSWORD,
                                "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert client.get("/org/").status_code == 200
    assert world.person("unit_manager").must_change_password is False


def test_change_keeps_this_session_and_signs_out_the_others(client, world):
    other = Client()
    other.post("/login/", {"username": "supervisor", "password": PASSWORD})
    assert other.get("/org/").status_code == 200
    client.post("/login/", {"username": "supervisor", "password": PASSWORD})
    response = client.post(reverse("org:password-change"), {
        "old_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/org/").status_code == 200
    assert other.get("/org/").status_code == 302


def test_wrong_old_password_on_the_page_names_the_field_and_changes_nothing(client, world):
    client.force_login(world.people["supervisor"])
    before = person_state(world, "supervisor")
    response = client.post(reverse("org:password-change"), {
        "old_password": "not-it", "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 422
    assert "当前密码不正确" in response.content.decode()
    assert response.context["form"].errors.keys() == {"old_password"}
    assert person_state(world, "supervisor") == before


def test_mismatched_new_passwords_are_refused(client, world):
    client.force_login(world.people["supervisor"])
    before = person_state(world, "supervisor")
    response = client.post(reverse("org:password-change"), {
        "old_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"})
    assert response.status_code == 422 and response.context["form"].errors.keys() == {"new_password2"}
    assert person_state(world, "supervisor") == before


def test_reset_page_with_a_weak_password_names_the_field(client, world):
    client.force_login(world.people["admin"])
    before = person_state(world)
    response = client.post(reverse("org:person-password", args=[world.people["unit_manager"].pk]),
                           {"password": "12345678"})
    assert response.status_code == 422 and response.context["form"].errors.keys() == {"password"}
    assert person_state(world) == before


def test_deactivate_page_asks_for_the_leaving_date_and_refuses_one_far_ahead(client, world):
    client.force_login(world.people["admin"])
    url = reverse("org:person-deactivate", args=[world.people["unit_manager"].pk])
    form = client.get(url)
    assert form.status_code == 200 and 'type="date"' in form.content.decode()
    assert timezone.localdate().isoformat() in form.content.decode()
    before = person_state(world)
    far = timezone.localdate() + dt.timedelta(days=400)
    response = client.post(url, {"left_on": far.isoformat()})
    assert response.status_code == 422 and response.context["form"].errors.keys() == {"left_on"}
    assert person_state(world) == before
    response = client.post(url, {"left_on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert "离职日期" in detail and "已停用" in detail
