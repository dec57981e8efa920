"""The pages and refusals in English after the language switch; the app's English catalog is whole."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from dudao.checklists.validation import clean_document
from dudao.core.errors import ApplicationError
from dudao.core.tests.test_translations import PLACEHOLDER, choose_english, po_entries

from .helpers import draft, published

CATALOG = Path(__file__).resolve().parents[1] / "locale" / "en" / "LC_MESSAGES"


@pytest.fixture(autouse=True)
def _chinese_afterwards():
    """A request in English leaves English active in this thread; later tests expect Chinese."""
    yield
    translation.activate("zh-hans")


@pytest.mark.skipif(not (CATALOG / "django.po").exists(), reason="merged into the project catalog")
def test_the_app_catalog_is_translated_kept_and_compiled():
    entries = po_entries(CATALOG / "django.po")[1:]
    assert len(entries) > 150
    assert [e["msgid"] for e in entries if not all(s.strip() for s in e["msgstr"].values())] == []
    assert [e["msgid"] for e in entries if "fuzzy" in e["flags"]] == []
    for entry in entries:
        for text in entry["msgstr"].values():
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(entry["msgid"])), entry["msgid"]
    with (CATALOG / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in entries:
        if entry["msgctxt"] is None and entry["msgid_plural"] is None:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"][0], entry["msgid"]


def test_pages_in_english(client, world):
    template = published(world)
    work = draft(world, name="草稿")
    client.force_login(world.people["supervisor"])
    choose_english(client, reverse("checklists:template-list"))
    text = client.get(reverse("checklists:template-list")).content.decode()
    assert "<h1>Checklists</h1>" in text and "New checklist" in text
    text = client.get(reverse("checklists:template-detail", args=[template.pk])).content.decode()
    assert "Revise (new version)" in text and "Passes within 0 – 5" in text and "Red line" in text
    text = client.get(reverse("checklists:template-builder", args=[work.pk])).content.decode()
    assert "Add item" in text and "Photo required" in text and "添加检查项" not in text


def test_refusals_in_english(db):
    with translation.override("en"), pytest.raises(ApplicationError) as refused:
        clean_document({"name": "x", "sections": [{"title": "s", "items": [
            {"code": "Q1", "text": "t", "kind": "choice"}]}]})
    assert refused.value.message == "Item Q1, Options: A choice item needs at least one option"
