"""In a real browser on the demo: a member of staff answers the quarter's needs survey on a phone
(one choice, several times, a sentence), and the operations manager reads the counts on a desktop
and sends the report to the training department."""

from __future__ import annotations

import re

import pytest

from dudao.core.testing.browser import console_errors, login, screenshot

pytestmark = pytest.mark.browser

PASSWORD = "Dudao-demo-2026"
SURVEY = """
from django.utils import timezone
from dudao.org.models import Person, Unit
from dudao.training import selectors, services
ops = Person.objects.get(username="ops")
root = Unit.objects.get(organization=ops.organization, depth=0)
period = selectors.current_survey_period(ops.organization_id, timezone.localdate())
survey = services.survey_create(actor=ops, title="浏览器测试需求调查", period=period, scope_unit=root, questions=[
    {"text": "最需要哪方面的培训", "kind": "single", "options": ["食品安全", "服务礼仪"]},
    {"text": "方便的时间", "kind": "multiple", "options": ["周一上午", "周二下午", "周三晚上"]},
    {"text": "其他建议", "kind": "text"}])
print(survey.pk)
"""
ANSWERS = """
from dudao.training.models import SurveyResponse
print(SurveyResponse.objects.get(survey_id=%d, person__username="staff01").answers)
"""


@pytest.fixture(scope="module")
def survey_id(demo_server) -> int:
    return int(demo_server.shell(SURVEY).splitlines()[-1])


def test_staff_answer_the_survey_on_a_phone_and_ops_send_the_report(demo_server, page_at, survey_id):
    from playwright.sync_api import expect

    phone = page_at("phone")
    login(phone, demo_server.url, "staff01", PASSWORD)
    phone.goto(f"{demo_server.url}/training/surveys/")
    phone.locator(f"a.btn[href='/training/surveys/{survey_id}/']").tap()
    phone.wait_for_url(re.compile(rf"/training/surveys/{survey_id}/$"))
    phone.get_by_label("服务礼仪").check()
    phone.get_by_label("周一上午").check()
    phone.get_by_label("周三晚上").check()
    phone.locator("textarea[name='a-2']").fill("多讲投诉处理")
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
    screenshot(phone, "survey-answer-phone")
    phone.get_by_role("button", name="提交").tap()
    phone.wait_for_url(re.compile(r"/training/surveys/$"))
    expect(phone.locator(".badge.success").first).to_contain_text("我已填写")
    assert demo_server.shell(ANSWERS % survey_id).splitlines()[-1] == "['服务礼仪', ['周一上午', '周三晚上'], '多讲投诉处理']"
    assert console_errors(phone) == []

    desk = page_at("desktop")
    login(desk, demo_server.url, "ops", PASSWORD)
    desk.goto(f"{demo_server.url}/training/surveys/{survey_id}/report/")
    expect(desk.locator("section.card").first).to_contain_text("服务礼仪")
    expect(desk.locator("section.card").nth(2)).to_contain_text("多讲投诉处理")
    desk.get_by_role("button", name="发送给培训部").click()
    expect(desk.locator("body")).to_contain_text("已把调查报告发送给培训部")
    screenshot(desk, "survey-report-desktop")
    assert console_errors(desk) == []
