"""The translation catalogues in ``LOCALE_PATHS``: compile each ``.po`` to its ``.mo`` with polib (pure
Python, so neither ``make run`` nor CI needs GNU gettext's ``msgfmt``), and say how complete each is.

The compiled ``.mo`` files are committed next to their ``.po``; ``manage.py compile_catalogues --check``
(and tests/helpdesk/test_catalogues.py) fail when a catalogue has an untranslated or fuzzy message or
when a ``.mo`` does not say what a fresh compile of its ``.po`` says.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polib
from django.conf import settings


@dataclass(frozen=True)
class Completeness:
    po: Path
    total: int
    translated: int
    fuzzy: int

    @property
    def complete(self) -> bool:
        return self.total == self.translated and not self.fuzzy


def catalogues() -> list[Path]:
    """Every ``.po`` under ``LOCALE_PATHS``, in a stable order."""
    return sorted(p for root in settings.LOCALE_PATHS for p in Path(root).glob("*/LC_MESSAGES/*.po"))


def completeness(po_path: Path) -> Completeness:
    po = polib.pofile(str(po_path))
    live = [e for e in po if not e.obsolete]
    return Completeness(
        po=po_path,
        total=len(live),
        translated=len(po.translated_entries()),
        fuzzy=len(po.fuzzy_entries()),
    )


def _messages(entries) -> dict[tuple[str, str, str], tuple[str, ...]]:
    """What a catalogue answers, keyed by (context, singular, plural): the shape gettext looks up."""
    out = {}
    for e in entries:
        if not e.msgid:  # the header
            continue
        key = (e.msgctxt or "", e.msgid, e.msgid_plural or "")
        if e.msgid_plural:
            out[key] = tuple(e.msgstr_plural[i] for i in sorted(e.msgstr_plural))
        else:
            out[key] = (e.msgstr,)
    return out


def compile_catalogue(po_path: Path) -> Path:
    """Write ``<name>.mo`` beside ``<name>.po`` (translated, non-fuzzy messages only, as msgfmt does)."""
    mo_path = po_path.with_suffix(".mo")
    polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
    return mo_path


def is_compiled(po_path: Path) -> bool:
    """Does the committed ``.mo`` answer exactly what a fresh compile of the ``.po`` would?"""
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        return False
    po = polib.pofile(str(po_path))
    mo = polib.mofile(str(mo_path))
    return _messages(po.translated_entries()) == _messages(mo) and (
        po.metadata.get("Plural-Forms") == mo.metadata.get("Plural-Forms")
    )
