"""An inspection on a phone, as a supervisor does it: start at store S01, answer every item with a
photo, reload half-way, submit too early and jump to what is missing, finish, and see the score the
rule gives; then the store's manager signs on a phone and another region's manager gets 404."""

from __future__ import annotations

import io
import json
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest

from dudao.core.testing.browser import console_errors, login, screenshot
from dudao.inspections.tests.factories import ONE_OF_EACH

pytestmark = pytest.mark.browser

PASSWORD = "Dudao-demo-2026"
TEMPLATE_NAME = "浏览器巡店检查表"
SHANGHAI = {"latitude": 31.2351, "longitude": 121.4747, "accuracy": 18}

# What the supervisor answers (R1 comes last, after the refused submit).
ANSWERS = {"C1": "fail", "S1": "9", "N1": "3.5", "O1": "良", "T1": "店长承诺本周内整改", "R1": "pass"}

SETUP = """
import json
from django.utils import timezone
from dudao.checklists.models import Item, Section, Template
from dudao.inspections.tests.factories import ONE_OF_EACH
from dudao.org.models import Person, Unit

admin = Person.objects.get(username="admin")
template = Template.objects.filter(organization=admin.organization, name=%(name)r, status="published").first()
if template is None:
    template = Template.objects.create(organization=admin.organization, name=%(name)r, created_by=admin,
                                       status="published", published_at=timezone.now())
    sections = [Section.objects.create(template=template, title=title, position=i)
                for i, title in enumerate(["卫生与食品安全", "服务与出品"])]
    for index, spec in enumerate(ONE_OF_EACH):
        Item.objects.create(
            template=template, section=sections[0 if spec["code"] in ("C1", "N1", "P1", "R1") else 1],
            position=index, code=spec["code"], text=spec["text"], kind=spec["kind"], points=spec.get("points", 0),
            pass_points=spec.get("pass_points"), min_value=spec.get("min_value"), max_value=spec.get("max_value"),
            options=spec.get("options", []), severity=spec.get("severity", "medium"),
            critical=spec.get("critical", False), photo_required=spec.get("photo_required", False),
            guidance="对照标准逐项检查,发现问题当场拍照。" if spec["code"] == "C1" else "")
store = Unit.objects.get(organization=admin.organization, code="S01")
print(json.dumps({"template": template.pk, "store": store.pk, "store_name": store.name}))
"""


def expected_score(answers: dict[str, str]) -> Decimal:
    """DESIGN.md 2.3 computed independently of dudao.inspections.scoring for the answers given."""
    earned = possible = Decimal(0)
    for spec in ONE_OF_EACH:
        value, points = answers.get(spec["code"]), Decimal(str(spec.get("points", 0)))
        if spec["kind"] in ("text", "photo") or value == "na":
            continue
        if spec["kind"] == "check":
            earned += points if value == "pass" else 0
        elif spec["kind"] == "score":
            earned += Decimal(value)
        elif spec["kind"] == "number":
            inside = Decimal(str(spec["min_value"])) <= Decimal(value) <= Decimal(str(spec["max_value"]))
            earned += points if inside else 0
        elif spec["kind"] == "choice":
            points = max(Decimal(str(o["points"])) for o in spec["options"])
            earned += next(Decimal(str(o["points"])) for o in spec["options"] if o["label"] == value)
        possible += points
    return (Decimal(100) * earned / possible).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def big_jpeg() -> bytes:
    """A 3000 x 2000 camera-sized photo, to be downscaled in the browser before upload."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (3000, 2000), (90, 120, 150))
    draw = ImageDraw.Draw(image)
    for x in range(0, 3000, 150):
        draw.rectangle([x, 0, x + 70, 2000], fill=(200, 170, 90))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def wait_saved(page) -> None:
    """run.js keeps data-pending on #run: 0 once everything given is on the server."""
    from playwright.sync_api import expect

    expect(page.locator("#run")).to_have_attribute("data-pending", "0", timeout=20_000)


@pytest.fixture(scope="module")
def setup(demo_server):
    return json.loads(demo_server.shell(SETUP % {"name": TEMPLATE_NAME}).splitlines()[-1])


def test_supervisor_inspects_a_store_on_a_phone_and_the_manager_signs(demo_server, page_at, setup):
    from playwright.sync_api import expect

    url = demo_server.url
    page = page_at("phone", geolocation=SHANGHAI, permissions=["geolocation"])
    login(page, url, "supervisor1", PASSWORD)

    # Start from "my work".
    page.goto(f"{url}/inspections/")
    screenshot(page, "inspection-my-work-phone")
    page.click("text=开始检查")
    page.select_option("#id_unit", str(setup["store"]))
    page.select_option("#id_template", str(setup["template"]))
    page.check("input[name=mode][value=on_site]")
    # What the supervisor sees before tapping: the page's scripts have run and the position is in.
    expect(page.locator("[data-checkin-status]")).to_have_text("已获取定位")
    screenshot(page, "inspection-start-phone")
    page.click("#start-form button[type=submit]")
    page.wait_for_url("**/run/")
    inspection_id = int(page.url.rstrip("/").split("/")[-2])
    expect(page.locator("h1")).to_have_text(setup["store_name"])
    expect(page.locator("#progress-total")).to_have_text("6")
    # On-site inspections record where they happened (the policy asks for it).
    expect(page.locator("#geo")).to_contain_text("精度约 18 米")

    page.fill("#opening-notes", "店长在岗,说明本次检查重点")
    page.click("#item-C1 .opt[data-value=fail]")
    page.click("#item-C1 .note summary")
    page.fill("#item-C1 .note-input", "后厨地面有积水")
    page.click("#item-S1 .step[data-step='1']")   # from empty: full marks (10)
    page.click("#item-S1 .step[data-step='-1']")  # 9
    expect(page.locator("#item-S1 .score-input")).to_have_value("9")
    page.fill("#item-N1 .number-input", "7")
    expect(page.locator("#item-N1 .value-warning")).to_contain_text("超出允许范围")
    page.fill("#item-N1 .number-input", ANSWERS["N1"])
    expect(page.locator("#item-N1 .value-warning")).to_be_hidden()
    page.click("#item-O1 .opt[data-value='良']")
    page.fill("#item-T1 .text-input", ANSWERS["T1"])
    page.set_input_files("#item-P1 .photo-input", files=[
        {"name": "kitchen.jpg", "mimeType": "image/jpeg", "buffer": big_jpeg()}])
    expect(page.locator("#item-P1 .thumb[data-id]")).to_have_count(1)
    page.click("#figure-add")
    page.fill(".figure-row:last-child .figure-key", "当日营业额")
    page.fill(".figure-row:last-child .figure-value", "18200")
    wait_saved(page)
    expect(page.locator("#progress-answered")).to_have_text("5")

    # A reload loses nothing: the page renders what the server kept.
    page.reload()
    expect(page.locator("#item-C1 .opt[data-value=fail]")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#item-C1 .note-input")).to_have_value("后厨地面有积水")
    expect(page.locator("#item-S1 .score-input")).to_have_value("9")
    expect(page.locator("#item-N1 .number-input")).to_have_value("3.5")
    expect(page.locator("#item-O1 .opt[data-value='良']")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#item-T1 .text-input")).to_have_value(ANSWERS["T1"])
    expect(page.locator("#item-P1 .thumb[data-id] img")).to_have_count(1)
    expect(page.locator("#opening-notes")).to_have_value("店长在岗,说明本次检查重点")
    expect(page.locator(".figure-row .figure-key")).to_have_value("当日营业额")
    expect(page.locator("#progress-answered")).to_have_text("5")

    # Submitting with the red-line item unanswered lists it; the entry jumps to the card.
    page.click("#submit")
    missing = page.locator("#missing")
    expect(missing).to_be_visible()
    expect(missing).to_contain_text("R1")
    expect(missing).to_contain_text("未作答")
    expect(page.locator("#item-R1")).to_have_class(lambda_has("missing"))
    page.click("#missing .missing-link[data-code=R1]")
    expect(page.locator("#item-R1")).to_be_in_viewport()
    expect(page.locator("#item-R1")).to_have_class(lambda_has("flash"))
    page.wait_for_timeout(700)  # let the smooth scroll settle for the picture
    screenshot(page, "inspection-run-missing-phone", full_page=False)
    screenshot(page, "inspection-run-phone")

    page.click("#item-R1 .opt[data-value=pass]")
    expect(page.locator("#item-R1")).to_have_class(lambda_has("complete"))
    expect(page.locator("#missing-list li")).to_have_count(0)
    expect(page.locator("#progress-answered")).to_have_text("6")
    page.click("#submit")
    page.wait_for_url(f"**/inspections/{inspection_id}/")
    score = expected_score(ANSWERS)
    assert score == Decimal("70.0")  # C1 0 + S1 9 + N1 10 + O1 6 + R1 10 = 35 of 50
    expect(page.locator("#score")).to_contain_text(str(score))
    expect(page.locator("#verdict")).to_have_text("不合格")
    expect(page.locator("#answer-C1")).to_have_class(lambda_has("failed"))
    expect(page.locator("#findings")).to_contain_text("地面清洁无积水")
    screenshot(page, "inspection-detail-phone")
    # The one refused submit is logged by Chromium as a failed resource; nothing else may be.
    assert [e for e in console_errors(page) if "status of 422" not in e or "/submit" not in e] == []

    # What the server kept: the photo was downscaled in the browser, the place recorded.
    kept = json.loads(demo_server.shell(
        "import json\n"
        "from dudao.inspections.models import Inspection\n"
        f"i = Inspection.objects.get(pk={inspection_id})\n"
        "a = i.answers.get(item__code='P1').attachments.get()\n"
        "print(json.dumps({'w': a.width, 'h': a.height, 'type': a.content_type, 'score': str(i.score),"
        " 'lat': str(i.latitude), 'acc': i.location_accuracy_m, 'figures': i.figures}))"
    ).splitlines()[-1])
    assert max(kept["w"], kept["h"]) <= 1600 and kept["w"] == 1600 and kept["type"] == "image/jpeg"
    assert kept["score"] == str(score) and kept["lat"].startswith("31.2351") and kept["acc"] == 18
    assert kept["figures"] == {"当日营业额": 18200}

    # The supervisor on a desktop: the detail and the list.
    desk = page_at("desktop")
    login(desk, url, "supervisor1", PASSWORD)
    desk.goto(f"{url}/inspections/{inspection_id}/")
    expect(desk.locator("#score")).to_contain_text(str(score))
    screenshot(desk, "inspection-detail-desktop")
    desk.goto(f"{url}/inspections/list/")
    expect(desk.locator("#inspection-rows")).to_contain_text(setup["store_name"])
    screenshot(desk, "inspection-list-desktop")
    assert console_errors(desk) == []

    # The store's manager signs on a phone; another region's manager does not even see it.
    manager = page_at("phone")
    login(manager, url, "store01", PASSWORD)
    manager.goto(f"{url}/inspections/")
    manager.click(f"#to-sign a[href='/inspections/{inspection_id}/']")
    manager.fill("#acknowledge-form textarea", "已知悉,三天内整改")
    manager.click("#acknowledge-form button[type=submit]")
    expect(manager.locator("#acknowledgement")).to_contain_text("已知悉,三天内整改")
    expect(manager.locator("#acknowledgement")).to_contain_text("签收时间")
    screenshot(manager, "inspection-signed-phone")
    assert console_errors(manager) == []
    stranger = page_at("phone")
    login(stranger, url, "store05", PASSWORD)
    response = stranger.goto(f"{url}/inspections/{inspection_id}/")
    assert response.status == 404

    # Re-inspection of the failed item, on a desktop without location permission: the policy asks
    # for a position on site, so the supervisor states why there is none, and the inspection goes
    # on with a warning; the detail shows the original beside the follow-up.
    desk.goto(f"{url}/inspections/{inspection_id}/")
    desk.fill("#summary form input[name=location_reason]", "电脑无定位,在店内复查")
    desk.click("#summary form button[type=submit]")
    desk.wait_for_url("**/run/")
    expect(desk.locator("#geo")).to_contain_text("未能获取位置")
    expect(desk.locator(".item-card")).to_have_count(1)
    desk.click("#item-C1 .opt[data-value=pass]")
    desk.click("#item-C1 .note summary")
    desk.fill("#item-C1 .note-input", "积水已清理,已放警示牌")
    wait_saved(desk)
    screenshot(desk, "inspection-follow-up-run-desktop")
    desk.click("#submit")
    desk.wait_for_url(re.compile(r".*/inspections/\d+/$"))
    expect(desk.locator("#score")).to_contain_text("100.0")
    comparison = desk.locator("#comparison")
    expect(comparison).to_contain_text("原检查")
    expect(comparison).to_contain_text("不合格")
    expect(comparison).to_contain_text("积水已清理")
    screenshot(desk, "inspection-follow-up-detail-desktop")
    assert console_errors(desk) == []


def lambda_has(css_class: str):
    return re.compile(rf"(^|\s){css_class}(\s|$)")


# The phone's position arrives late (a cold GPS): the browser's own answer, held back a while.
SLOW_POSITION = """(function () {
  var geolocation = navigator.geolocation, ask = geolocation.getCurrentPosition.bind(geolocation);
  geolocation.getCurrentPosition = function (ok, fail, options) {
    setTimeout(function () { ask(ok, fail, options); }, 2000);
  };
})();"""


def test_a_tap_before_the_position_arrives_waits_for_it_and_starts_once(demo_server, page_at, setup):
    """checkin.js and start.js share the start form: a tap (two, even) made while the position is
    still being asked for posts once, with the position, and the run screen opens."""
    from playwright.sync_api import expect

    url = demo_server.url
    page = page_at("phone", geolocation=SHANGHAI, permissions=["geolocation"])
    page.context.add_init_script(SLOW_POSITION)
    login(page, url, "supervisor1", PASSWORD)
    posts = []
    page.on("request", lambda request: posts.append(request.url)
            if request.method == "POST" and request.url.endswith("/inspections/start/") else None)
    page.goto(f"{url}/inspections/start/")
    page.select_option("#id_unit", str(setup["store"]))
    page.select_option("#id_template", str(setup["template"]))
    expect(page.locator("[data-checkin-status]")).to_have_text("正在获取定位…")
    page.click("#start-form button[type=submit]")
    page.click("#start-form button[type=submit]")
    page.wait_for_url("**/run/")
    assert len(posts) == 1
    inspection_id = int(page.url.rstrip("/").split("/")[-2])
    saved = demo_server.shell(
        "from dudao.inspections.models import Inspection as I; "
        f"i = I.objects.get(pk={inspection_id}); print(i.latitude, i.longitude, i.location_accuracy_m)"
    ).splitlines()[-1]
    assert saved == "31.235100 121.474700 18.0"
    assert console_errors(page) == []


def test_an_offline_start_keeps_the_position_and_the_stated_reason(demo_server, page_at, setup):
    """Without a network the phone keeps the inspection's creation: with the check-in position that
    checkin.js got and the location reason typed on the form (the sync sends both)."""
    from playwright.sync_api import expect

    url = demo_server.url
    page = page_at("phone", geolocation=SHANGHAI, permissions=["geolocation"])
    login(page, url, "supervisor1", PASSWORD)
    page.goto(f"{url}/inspections/start/")
    expect(page.locator("[data-checkin-status]")).to_have_text("已获取定位")
    page.select_option("#id_unit", str(setup["store"]))
    page.select_option("#id_template", str(setup["template"]))
    page.fill("#id_location_reason", "门店在商场地下一层")
    client_id = page.input_value("input[name=client_id]")
    page.context.set_offline(True)
    page.click("#start-form button[type=submit]")
    page.wait_for_url(f"**local={client_id}")
    page.context.set_offline(False)
    page.goto(f"{url}/inspections/start/")
    create = page.evaluate(f"DudaoOutbox.record('c:{client_id}').then(function (r) {{ return r.create; }})")
    assert create["client_id"] == client_id
    assert (create["unit_id"], create["template_id"], create["mode"]) == (setup["store"], setup["template"], "on_site")
    assert (create["latitude"], create["longitude"], create["location_accuracy_m"]) == ("31.235100", "121.474700", 18)
    assert create["location_reason"] == "门店在商场地下一层"
