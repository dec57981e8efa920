"""In a real browser on the demo: the store manager plans and submits photos from a phone, the
supervisor rejects from the review queue, the store resubmits, the supervisor accepts."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from dudao.core.testing.browser import console_errors, login, screenshot

pytestmark = pytest.mark.browser

PASSWORD = "Dudao-demo-2026"
CREATE = """
import io
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from dudao.core.attachments import attachment_upload
from dudao.findings import services
from dudao.org.models import Person, Unit
supervisor = Person.objects.get(username="supervisor1")
unit = Unit.objects.get(code="S04", organization_id=supervisor.organization_id)
buffer = io.BytesIO()
Image.new("RGB", (320, 240), (170, 40, 40)).save(buffer, format="JPEG")
before = attachment_upload(actor=supervisor, unit=unit,
                           file=SimpleUploadedFile("过期灭火器.jpg", buffer.getvalue(), "image/jpeg"))
finding = services.finding_create(actor=supervisor, unit=unit, source="data_check", title="后厨灭火器已过期",
                                  severity="high", category="risk", attachments=[before])
print(finding.pk)
"""


def photo_file(tmp_path, name: str, colour) -> str:
    path = tmp_path / name
    buffer = io.BytesIO()
    Image.new("RGB", (480, 360), colour).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def images_loaded(page, selector: str) -> list[int]:
    for image in page.locator(selector).all():
        image.scroll_into_view_if_needed()
    page.wait_for_function(
        "s => [...document.querySelectorAll(s)].every(i => i.complete)", arg=selector, timeout=10_000)
    return page.eval_on_selector_all(selector, "images => images.map(i => i.naturalWidth)")


def submit_from_phone(page, base, pk, *, note, photo, plan=False):
    page.goto(f"{base}/findings/{pk}/")
    if plan:
        page.fill("#id_measures", "更换灭火器,并把月检写入交班清单")
        page.click("#plan button[type=submit]")
        page.wait_for_selector(".msg.success")
    photos = page.locator("#id_submit-photos")
    assert photos.get_attribute("accept") == "image/*" and photos.get_attribute("capture") == "environment"
    page.fill("#id_submit-note", note)
    page.set_input_files("#id_submit-photos", photo)
    page.click("#submit button[type=submit]")
    page.wait_for_selector(".msg.success")
    assert page.inner_text("#finding-status") == "待验收"


def test_reject_then_resubmit_then_accept_with_photos(demo_server, page_at, tmp_path):
    pk = int(demo_server.shell(CREATE).splitlines()[-1])
    base = demo_server.url

    store = page_at("phone")
    login(store, base, "store04", PASSWORD)
    store.goto(f"{base}/findings/{pk}/")
    assert store.locator("#plan").is_visible()
    assert store.input_value("#id_due_date")  # the policy deadline, prefilled
    submit_from_phone(store, base, pk, note="已更换新灭火器", photo=photo_file(tmp_path, "新灭火器.png", (40, 120, 200)),
                      plan=True)
    assert store.locator("#id_submit-photos").count() == 0  # the form is gone once submitted
    screenshot(store, "findings-phone-submitted")

    supervisor = page_at("desktop")
    login(supervisor, base, "supervisor1", PASSWORD)
    supervisor.goto(f"{base}/findings/review/")
    card = f"#finding-{pk}"
    assert "后厨灭火器已过期" in supervisor.inner_text(card)
    widths = images_loaded(supervisor, f"{card} .compare img")
    assert len(widths) == 2 and all(widths), widths  # before and after, side by side
    screenshot(supervisor, "findings-review-queue")
    supervisor.fill(f"#reject-reason-{pk}", "照片看不到灭火器的检验标签,请补拍")
    supervisor.click(f"{card} .btn.danger")
    supervisor.wait_for_selector(".msg.success")
    assert supervisor.locator(card).count() == 0

    store.goto(f"{base}/findings/{pk}/")
    assert "照片看不到灭火器的检验标签" in store.inner_text(".rejected")
    assert "第 2 轮" in store.inner_text(".badge-line")
    screenshot(store, "findings-phone-rejected")
    submit_from_phone(store, base, pk, note="补拍了检验标签", photo=photo_file(tmp_path, "检验标签.png", (20, 160, 90)))

    supervisor.goto(f"{base}/findings/review/")
    widths = images_loaded(supervisor, f"{card} .compare img")
    assert len(widths) == 2 and all(widths), widths  # only this round's photo is "after"
    supervisor.fill(f"#accept-note-{pk}", "标签清晰,合格")
    supervisor.click(f"{card} .btn:not(.danger)")
    supervisor.wait_for_selector(".msg.success")

    supervisor.goto(f"{base}/findings/{pk}/")
    assert supervisor.inner_text("#finding-status") == "已关闭"
    timeline = supervisor.inner_text("#timeline")
    for step in ("创建", "制定整改计划", "提交验收", "验收退回", "验收通过"):
        assert step in timeline, step
    assert len(re.findall("提交验收", timeline)) == 2
    assert len(images_loaded(supervisor, "#timeline .photos img")) == 3
    screenshot(supervisor, "findings-detail-closed")
    assert console_errors(store) == [] and console_errors(supervisor) == []


PLANNED = CREATE.replace('severity="high"', 'severity="medium"').replace(
    "print(finding.pk)",
    'manager = Person.objects.get(username="store04")\n'
    'services.finding_plan(actor=manager, finding=finding, measures="更换灭火器")\n'
    "print(finding.pk)",
)
COUNT = """
from dudao.core.models import Attachment
from dudao.findings.models import Finding, FindingEvent
finding = Finding.objects.get(pk={pk})
progress = FindingEvent.objects.filter(finding=finding, kind="progress")
print(progress.count(), finding.evidence.count(), Attachment.objects.filter(original_name="新配件.png").count())
"""


def test_a_progress_form_sent_twice_at_once_is_recorded_once(demo_server, page_at, tmp_path):
    """The form posted twice before the first answer arrives (a double tap on a slow network, a
    browser's resend): the hidden client id makes the second post answer as the first, with one
    progress note and its photo stored once."""
    pk = int(demo_server.shell(PLANNED).splitlines()[-1])
    base = demo_server.url
    store = page_at("phone")
    login(store, base, "store04", PASSWORD)
    store.goto(f"{base}/findings/{pk}/")
    store.fill("#id_progress-note", "新灭火器已订购")
    store.set_input_files("#id_progress-photos", photo_file(tmp_path, "新配件.png", (40, 120, 200)))
    # The page's own form, with its hidden client id and the photo chosen, sent twice at once
    # (Chromium folds two submits of one form into one navigation, so the posts are made by fetch).
    statuses = store.evaluate("""async () => {
        const form = document.querySelector('#progress form');
        const send = () => fetch(form.action, {method: 'POST', body: new FormData(form), redirect: 'manual'});
        const answers = await Promise.all([send(), send()]);
        return answers.map(a => a.type === 'opaqueredirect' ? 302 : a.status);
    }""")
    assert statuses == [302, 302], statuses
    store.goto(f"{base}/findings/{pk}/")
    assert store.inner_text("#timeline").count("整改进展") == 1
    progress, evidence, stored = demo_server.shell(COUNT.format(pk=pk)).split()[-3:]
    assert (progress, evidence, stored) == ("1", "2", "1"), (progress, evidence, stored)
    assert console_errors(store) == []
