"""The pages and refusals in English after the language switch; the app's English catalog is whole."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from dudao.checklists.validation import clean_document
from dudao.core.errors import ApplicationError
from dudao.core.tests.test_translations import MO_FILE, PLACEHOLDER, PO_FILE, choose_english, po_entries

from .helpers import draft, published


def app_entries(tmp_path: Path) -> list[dict]:
    """The entries of the project catalog that come from this app (its own catalog was merged into it)."""
    blocks = [block for block in PO_FILE.read_text(encoding="utf-8").split("\n\n")
              if any(line.startswith("#: ") and "dudao/checklists/" in line for line in block.splitlines())]
    path = tmp_path / "checklists.po"
    path.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")
    return po_entries(path)


@pytest.fixture(autouse=True)
def _chinese_afterwards():
    """A request in English leaves English active in this thread; later tests expect Chinese."""
    yield
    translation.activate("zh-hans")


def test_the_app_catalog_is_translated_kept_and_compiled(tmp_path):
    entries = app_entries(tmp_path)
    assert len(entries) > 150
    assert [e["msgid"] for e in entries if not all(s.strip() for s in e["msgstr"].values())] == []
    assert [e["msgid"] for e in entries if "fuzzy" in e["flags"]] == []
    for entry in entries:
        for text in entry["msgstr"].values():
            assert set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(entry["msgid"])), entry["msgid"]
    with MO_FILE.open("rb") as handle:
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
