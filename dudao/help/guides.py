"""Which guide a person reads and in which language.

A guide is long prose, so each language has its own template (`help/<language>/<role>.html`) rather
than a catalogue of sentences; every number the organisation's policy decides is rendered from
`policy_for(...)`, never written into the text.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation

from dudao.org.choices import Role

GUIDE_LANGUAGES = {"zh-hans": "zh_hans", "en": "en"}
DEFAULT_GUIDE_LANGUAGE = "zh_hans"


@dataclass(frozen=True)
class Guide:
    role: str
    label: str
    template: str


def guide_language() -> str:
    """The folder of the active language's guides (Chinese when the language has none)."""
    return GUIDE_LANGUAGES.get((translation.get_language() or "").lower(), DEFAULT_GUIDE_LANGUAGE)


def guide_for(role: str) -> Guide:
    """The guide of `role` in the active language; ValueError for a role that does not exist."""
    role = Role(role)
    return Guide(role.value, str(role.label), f"help/{guide_language()}/{role.value}.html")


def all_guides() -> list[Guide]:
    return [guide_for(role) for role in Role.values]


def guides_of(person) -> list[Guide]:
    """The guides of the roles `person` holds, in the roles' usual order."""
    held = person.roles()
    return [guide_for(role) for role in Role.values if role in held]
