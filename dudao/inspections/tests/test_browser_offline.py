"""Issue 13's field test: a supervisor on a phone opens today's visit, loses the network, starts and
completes a 20-item round with 3 photos and the store manager's on-site signature offline, reloads and reopens the page offline, submits, and
reconnects twice (online, offline, online). Then, by the API: the inspection once, every answer
once, every photo once, the signature once and set on the inspection, submitted."""

from __future__ import annotations

import io
import json

import pytest

from dudao.core.testing.browser import login, screenshot

pytestmark = pytest.mark.browser

PASSWORD = "Dudao-demo-2026"
TEMPLATE_NAME = "离线巡店二十项"
SECTIONS = ["前厅", "后厨", "仓储", "安全"]
PHOTO_ITEMS = ("F03", "F08", "F15")
CODES = [f"F{n:02d}" for n in range(1, 21)]
SHANGHAI = {"latitude": 31.2351, "longitude": 121.4747, "accuracy": 15}

SETUP = """
import datetime as dt, json
from django.utils import timezone
from dudao.checklists.models import Item, Section, Template
from dudao.org.models import Person, Unit
from dudao.planning.models import Plan, Visit

admin = Person.objects.get(username="admin")
org = admin.organization
supervisor = Person.objects.get(username="supervisor1")
store = Unit.objects.get(organization=org, code="S01")
template = Template.objects.filter(organization=org, name=%(name)r, status="published").first()
if template is None:
    template = Template.objects.create(organization=org, name=%(name)r, created_by=admin, status="published",
                                       published_at=timezone.now())
    sections = [Section.objects.create(template=template, title=t, position=i) for i, t in enumerate(%(sections)r)]
    for n in range(20):
        code = "F%%02d" %% (n + 1)
        Item.objects.create(template=template, section=sections[n // 5], position=n, code=code,
                            text="检查项 " + code, kind="check", points=5, photo_required=code in %(photos)r)
today = timezone.localdate()
plan, _ = Plan.objects.get_or_create(
    organization=org, kind="year", scope_unit=store.parent, period_start=dt.date(2099, 1, 1),
    defaults={"title": "离线测试计划", "period_end": dt.date(2099, 12, 31), "created_by": admin, "status": "published"})
visit = Visit.objects.create(organization=org, plan=plan, unit=store, supervisor=supervisor, date=today,
                             template=template, mode="on_site")
print(json.dumps({"template": template.pk, "visit": visit.pk, "store": store.pk, "store_name": store.name}))
"""

KEPT = """
import json
from dudao.core.models import Attachment
from dudao.inspections.models import Answer, Inspection
i = Inspection.objects.filter(visit_id=%(visit)d)
answers = Answer.objects.filter(inspection__in=i)
photos = Attachment.objects.filter(uploaded_by__username="supervisor1", client_id__gt="", pk__gt=%(since)d)
print(json.dumps({
    "inspections": [[x.pk, x.status, x.client_id, str(x.latitude)] for x in i],
    "signature": [[x.onsite_signature_id, x.onsite_signer_name, x.onsite_signed_at is not None] for x in i],
    "answers": answers.count(), "current": answers.filter(is_current=True).count(),
    "codes": sorted(answers.filter(is_current=True).values_list("item__code", flat=True)),
    "photos": photos.count(), "photo_ids": sorted(photos.values_list("pk", flat=True)),
    "attached": sorted(a.pk for x in answers for a in x.attachments.all()),
}))
"""


def jpeg(color) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), color).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def setup(demo_server):
    code = SETUP % {"name": TEMPLATE_NAME, "sections": SECTIONS, "photos": PHOTO_ITEMS}
    return json.loads(demo_server.shell(code).splitlines()[-1])


def pending(page) -> int:
    return int(page.locator("#run").get_attribute("data-pending") or "0")


def test_a_twenty_item_round_with_photos_offline_arrives_once(demo_server, page_at, setup):
    from playwright.sync_api import expect

    url = demo_server.url
    # Photos uploaded from now on are this round's (other tests share the demo server).
    since = int(demo_server.shell(
        "from django.db.models import Max\nfrom dudao.core.models import Attachment\n"
        "print(Attachment.objects.aggregate(m=Max('pk'))['m'] or 0)").split()[-1])
    page = page_at("phone", geolocation=SHANGHAI, permissions=["geolocation"])
    context = page.context
    login(page, url, "supervisor1", PASSWORD)

    # Online: "my work" installs the worker, which keeps the next seven days for offline use.
    page.goto(f"{url}/inspections/")
    expect(page.locator("html")).to_have_attribute("data-offline-ready", "1", timeout=30_000)
    page.reload()
    assert page.evaluate("navigator.serviceWorker.controller !== null")  # the worker serves this page
    screenshot(page, "offline-my-work-phone")

    # Airplane mode: today's visit opens from the phone's copy, and the inspection starts here.
    context.set_offline(True)
    page.goto(f"{url}/inspections/")
    page.click(f"#visits a[href='/inspections/start/?visit={setup['visit']}']")
    expect(page.locator("#id_unit")).to_have_value(str(setup["store"]))
    page.click("#start-form button[type=submit]")
    page.wait_for_url("**/inspections/offline/run/**")
    expect(page.locator("#offline-unit")).to_have_text(setup["store_name"])
    expect(page.locator("#progress-total")).to_have_text("20")

    # The section index jumps to a section and counts its answers.
    expect(page.locator(".section-count")).to_have_count(4)
    for index, code in enumerate(CODES):
        if index == 10:
            # Half-way: reload offline, and close the tab and open the page again offline.
            expect(page.locator("#sync-answers")).to_have_text("10")  # all ten kept on the phone
            page.reload()
            expect(page.locator(f"#item-{CODES[index - 1]} .opt[data-value=pass]")).to_have_attribute("aria-pressed", "true")
            address = page.url
            page.close()
            page = context.new_page()
            page.goto(address)
            expect(page.locator("#progress-answered")).to_have_text("10")
            expect(page.locator("#item-F08 .thumb img")).to_have_count(1)
        page.click(f"#item-{code} .opt[data-value={'fail' if code == 'F02' else 'pass'}]")
        if code in PHOTO_ITEMS:
            page.set_input_files(f"#item-{code} .photo-input", files=[
                {"name": f"{code}.jpg", "mimeType": "image/jpeg", "buffer": jpeg((40 * index % 255, 90, 160))}])
            expect(page.locator(f"#item-{code} .thumb.queued")).to_have_count(1)
    expect(page.locator("#progress-answered")).to_have_text("20")
    expect(page.locator(".section-count").first).to_have_text("5/5")
    expect(page.locator("#sync-photos")).to_have_text("3")
    expect(page.locator("#sync-summary")).to_contain_text("离线")
    screenshot(page, "offline-run-waiting-phone")

    # The store manager signs on the phone, still offline: kept with the photos, counted by the panel.
    page.fill("#signer-name", "王店长")
    pad = page.locator("#signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 30, box["y"] + box["height"] / 2)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 30 + step * 20, box["y"] + box["height"] / 2 + (15 if step % 2 else -15))
    page.mouse.up()
    page.click("#signature-save")
    expect(page.locator("#signature-state")).to_contain_text("等待同步")
    expect(page.locator("#sync-photos")).to_have_text("4")
    expect(page.locator("#sync-summary")).to_contain_text("现场签字")
    screenshot(page, "offline-signature-phone", full_page=False)

    # Submit offline: queued behind the answers and photos.
    page.click("#submit")
    expect(page.locator("#submit-error")).to_contain_text("已排队提交")
    waiting = pending(page)
    assert waiting > 20, f"waiting={waiting}"

    # Reconnect twice: online, offline again at once, online.
    context.set_offline(False)
    page.wait_for_timeout(300)
    context.set_offline(True)
    page.wait_for_timeout(1500)
    context.set_offline(False)
    page.wait_for_url("**/inspections/*/", timeout=60_000)
    inspection_id = int(page.url.rstrip("/").split("/")[-1])
    screenshot(page, "offline-submitted-detail-phone")

    kept = json.loads(demo_server.shell(KEPT % {"visit": setup["visit"], "since": since}).splitlines()[-1])
    figures = (f"inspections={kept['inspections']} signature={kept['signature']} answers={kept['answers']} current={kept['current']} "
               f"photos={kept['photos']} attached={kept['attached']} waiting-before-sync={waiting}")
    assert len(kept["inspections"]) == 1, figures
    assert kept["inspections"][0][0] == inspection_id and kept["inspections"][0][1] == "submitted", figures
    assert kept["inspections"][0][3].startswith("31.2351"), figures  # the check-in position came along
    assert kept["answers"] == kept["current"] == 20 and kept["codes"] == CODES, figures
    assert kept["photos"] == 4, figures  # three photos and the signature, each once
    signature_id, signer, signed = kept["signature"][0]
    assert signer == "王店长" and signed and signature_id in kept["photo_ids"], figures
    assert kept["attached"] == sorted(set(kept["photo_ids"]) - {signature_id}), figures

    # The same by the API, as the supervisor sees it.
    body = page.evaluate(f"fetch('/api/v1/inspections/{inspection_id}').then(r => r.json())")
    assert body["status"] == "submitted", body
    assert sorted(a["item_code"] for a in body["answers"]) == CODES, figures
    photos = [i for a in body["answers"] for i in a.get("attachment_ids", [])]
    assert len(photos) == len(set(photos)) == 3, figures
    assert body["onsite_signature_id"] == signature_id and body["onsite_signer_name"] == "王店长", body
    print("offline round:", figures)


SUBMIT_ELSEWHERE = """
from dudao.core.models import Attachment
from dudao.inspections import services
from dudao.inspections.models import Inspection
from dudao.org.models import Person
from django.core.files.base import ContentFile
from dudao.core.attachments import attachment_upload
import io
from PIL import Image
supervisor = Person.objects.get(username="supervisor1")
inspection = Inspection.objects.get(pk=%(id)d)
answers = []
for n in range(20):
    code = "F%%02d" %% (n + 1)
    ids = []
    if code in %(photos)r:
        buffer = io.BytesIO(); Image.new("RGB", (40, 30), (9, 9, 9)).save(buffer, "JPEG")
        ids = [attachment_upload(actor=supervisor, file=ContentFile(buffer.getvalue(), name="x.jpg"), unit=inspection.unit).pk]
    answers.append({"item_code": code, "value": "pass", "note": "", "attachment_ids": ids})
services.answers_upsert(actor=supervisor, inspection=inspection, answers=answers)
services.inspection_submit(actor=supervisor, inspection=inspection)
print(Inspection.objects.get(pk=%(id)d).answers.get(item__code="F01").value)
"""


def test_submitted_elsewhere_the_server_wins_and_the_waiting_change_is_shown_failed(demo_server, page_at, setup):
    """The conflict rule: queued changes to an inspection submitted meanwhile on another device are
    not applied; the sync panel names them as failed with the server's reason."""
    from playwright.sync_api import expect

    url = demo_server.url
    page = page_at("phone")
    login(page, url, "supervisor1", PASSWORD)
    page.goto(f"{url}/inspections/start/?template={setup['template']}&unit={setup['store']}")
    page.check("input[name=mode][value=remote]")
    page.click("#start-form button[type=submit]")
    page.wait_for_url("**/run/")
    inspection_id = int(page.url.rstrip("/").split("/")[-2])

    page.context.set_offline(True)
    page.click("#item-F01 .opt[data-value=fail]")
    expect(page.locator("#sync-answers")).to_have_text("1")
    # Meanwhile, on another device, the inspection is completed (F01 passed) and submitted.
    assert demo_server.shell(SUBMIT_ELSEWHERE % {"id": inspection_id, "photos": PHOTO_ITEMS}).split()[-1] == "pass"

    page.context.set_offline(False)
    failed = page.locator("#sync-failed")
    expect(failed).to_contain_text("已在别处提交", timeout=20_000)
    expect(failed).to_contain_text("已提交的检查不能再修改答案")
    expect(page.locator("#sync-discard")).to_be_visible()
    screenshot(page, "offline-conflict-phone", full_page=False)
    kept = demo_server.shell(
        "from dudao.inspections.models import Answer\n"
        f"print(Answer.objects.filter(inspection_id={inspection_id}, item__code='F01').count(),"
        f" Answer.objects.get(inspection_id={inspection_id}, item__code='F01', is_current=True).value)")
    assert kept.split()[-2:] == ["1", "pass"], kept  # the server's answer stands, once

    page.click("#sync-discard")
    page.wait_for_url(f"**/inspections/{inspection_id}/")
