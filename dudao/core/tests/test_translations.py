"""The English catalog: complete, compiled, and used only when the language switch asks for it.

Msgids are the Chinese source strings; `locale/README.md` says how to refresh the catalog.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_FILE = LC_MESSAGES / "django.po"
MO_FILE = LC_MESSAGES / "django.mo"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _unquote(line: str) -> str:
    """The text of one quoted .po line, escapes resolved."""
    body = line[line.index('"') + 1 : line.rindex('"')]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def po_entries(path: Path = PO_FILE) -> list[dict]:
    """Each live entry of a .po file: flags, msgid, msgid_plural and msgstrs (obsolete `#~` skipped)."""
    entries: list[dict] = []
    entry: dict | None = None
    field = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        after_msgstr = field is not None and field.startswith("msgstr")
        if entry is None or (after_msgstr and line.startswith(("#", "msgctxt", "msgid"))):
            entry = {"flags": set(), "msgctxt": None, "msgid": "", "msgid_plural": None, "msgstr": {}}
            entries.append(entry)
            field = None
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt"):
            field = "msgctxt"
            entry["msgctxt"] = _unquote(line)
        elif line.startswith("msgid_plural"):
            field = "msgid_plural"
            entry["msgid_plural"] = _unquote(line)
        elif line.startswith("msgid"):
            field = "msgid"
            entry["msgid"] = _unquote(line)
        elif line.startswith("msgstr"):
            index = int(line[7:line.index("]")]) if line.startswith("msgstr[") else 0
            field = f"msgstr{index}"
            entry["msgstr"][index] = _unquote(line)
        elif line.startswith('"') and field is not None:
            if field == "msgid":
                entry["msgid"] += _unquote(line)
            elif field == "msgctxt":
                entry["msgctxt"] += _unquote(line)
            elif field == "msgid_plural":
                entry["msgid_plural"] += _unquote(line)
            elif field.startswith("msgstr"):
                entry["msgstr"][int(field[6:])] += _unquote(line)
    return [e for e in entries if e["msgid"] or e["msgstr"]]


@pytest.fixture(scope="module")
def entries():
    found = po_entries()
    assert found[0]["msgid"] == "", "the .po starts with its header"
    return found[1:]


# --- the catalog ---------------------------------------------------------------------------
def test_header_is_english_and_not_fuzzy():
    header = po_entries()[0]
    assert "fuzzy" not in header["flags"]
    assert "Language: en\n" in header["msgstr"][0]
    assert "charset=UTF-8" in header["msgstr"][0]


def test_every_entry_is_translated(entries):
    assert len(entries) > 100
    untranslated = [e["msgid"] for e in entries if not all(s.strip() for s in e["msgstr"].values())]
    assert untranslated == []
    assert [e["msgid"] for e in entries if "fuzzy" in e["flags"]] == []
    assert "#, fuzzy" not in PO_FILE.read_text(encoding="utf-8")


def test_plural_entries_have_every_form(entries):
    for entry in entries:
        if entry["msgid_plural"] is not None:
            assert sorted(entry["msgstr"]) == [0, 1], entry["msgid"]


def test_placeholders_are_kept(entries):
    for entry in entries:
        wanted = set(PLACEHOLDER.findall(entry["msgid"]))
        for text in entry["msgstr"].values():
            assert set(PLACEHOLDER.findall(text)) == wanted, entry["msgid"]


def test_translations_are_english(entries):
    """No Chinese left in an English msgstr."""
    han = re.compile(r"[\u4e00-\u9fff]")
    assert [e["msgid"] for e in entries if any(han.search(s) for s in e["msgstr"].values())] == []


def test_compiled_catalog_matches_the_po(entries):
    """The committed .mo is what `compilemessages` makes of the committed .po: none forgot to compile."""
    assert MO_FILE.exists(), "run: python manage.py compilemessages --ignore=.venv"
    with MO_FILE.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in entries:
        if entry["msgctxt"] is not None:
            if compiled.pgettext(entry["msgctxt"], entry["msgid"]) != entry["msgstr"][0]:
                stale.append(entry["msgid"])
        elif entry["msgid_plural"] is None:
            if compiled.gettext(entry["msgid"]) != entry["msgstr"][0]:
                stale.append(entry["msgid"])
        elif compiled.ngettext(entry["msgid"], entry["msgid_plural"], 1) != entry["msgstr"][0]:
            stale.append(entry["msgid"])
    assert stale == [], "the .mo is older than the .po: run compilemessages"


# Looked up through a variable, so makemessages does not list this file as a source of msgids.
EXPECTED = {"组织架构": "Org chart", "店长/负责人": "Unit manager", "门店": "Store", "整改延期": "Rectification extension"}


def test_django_uses_the_catalog():
    for msgid, english in EXPECTED.items():
        with translation.override("en"):
            assert translation.gettext(msgid) == english
        with translation.override("zh-hans"):
            assert translation.gettext(msgid) == msgid


# --- the pages -----------------------------------------------------------------------------
def choose_english(client, next_url="/login/"):
    response = client.post("/i18n/setlang/", {"language": "en", "next": next_url})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_switch_to_english_on_the_login_page(client, db):
    choose_english(client)
    text = client.get("/login/").content.decode()
    assert '<html lang="en">' in text
    assert "Sign in to Dudao Supervision" in text
    assert "Username" in text and "Password" in text
    assert "登录督导系统" not in text and "用户名" not in text


def test_english_navigation_for_an_admin(client, world):
    client.force_login(world.people["admin"])
    choose_english(client, "/org/")
    for url, heading in [("/org/", "<h1>Org chart</h1>"), ("/people/", "<h1>People</h1>")]:
        response = client.get(url)
        assert response.status_code == 200
        text = response.content.decode()
        assert '<html lang="en">' in text
        assert heading in text
        for label in ("Home", "Org chart", "People", "Policy"):
            assert f">{label}</a>" in text, (url, label)
        assert "Sign out" in text
        assert "组织架构" not in text


def test_english_choices_and_messages(client, world):
    client.force_login(world.people["admin"])
    choose_english(client)
    text = client.get(f"/people/{world.people['unit_manager'].pk}/").content.decode()
    assert "Unit manager" in text and "店长/负责人" not in text
    text = client.get(f"/org/units/{world.units['store1'].pk}/").content.decode()
    assert ">Store</span>" in text


def test_chinese_without_the_cookie_whatever_the_browser_says(client, db):
    text = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hans">' in text
    assert "登录督导系统" in text and "用户名" in text
    assert "Sign in to Dudao Supervision" not in text


def test_switch_back_to_chinese(client, db):
    choose_english(client)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/login/"})
    text = client.get("/login/").content.decode()
    assert '<html lang="zh-hans">' in text and "登录督导系统" in text
