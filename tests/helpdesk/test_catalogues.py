"""The shipped catalogues are complete and compiled, and the pure-Python compiler and its check work
without GNU gettext (``manage.py compile_catalogues``)."""

import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from helpdesk.catalogues import catalogues, compile_catalogue, completeness, is_compiled

SHIPPED = {"de", "fr"}


def test_german_and_french_are_shipped_complete_and_compiled():
    found = {(po.parts[-3], po.stem): po for po in catalogues()}  # (language, domain)
    # django: pages, mail and Python; djangojs: the desk's scripts (Django's JavaScript catalogue).
    for lang in SHIPPED:
        for domain, least in (("django", 400), ("djangojs", 10)):
            c = completeness(found[lang, domain])
            assert c.complete, f"{lang} {domain}: {c.total - c.translated} untranslated, {c.fuzzy} fuzzy"
            assert c.total > least
            assert is_compiled(found[lang, domain]), (
                f"{lang} {domain}: the committed .mo is stale; run manage.py compile_catalogues"
            )


def test_the_check_command_passes_on_the_shipped_catalogues(capsys):
    call_command("compile_catalogues", "--check")
    out = capsys.readouterr().out
    assert "de/LC_MESSAGES/django.po" in out and "0 fuzzy" in out


def test_placeholders_match_in_every_translation():
    """A translation that drops or renames %(name)s would raise (or say the wrong thing) at runtime."""
    import re

    named = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")
    for po_path in catalogues():
        for e in polib.pofile(str(po_path)).translated_entries():
            if e.msgid.startswith("Customer #:{"):
                continue  # a pattern shown to the reader, its braces are words, not placeholders
            wanted = {m.group(0) for m in named.finditer(e.msgid)}
            outs = list(e.msgstr_plural.values()) if e.msgid_plural else [e.msgstr]
            for out in outs:
                assert {m.group(0) for m in named.finditer(out)} == wanted, (po_path.parts[-3], e.msgid)


@pytest.fixture
def scratch(tmp_path, settings):
    """A copy of the German catalogue under a LOCALE_PATHS of its own."""
    target = tmp_path / "de" / "LC_MESSAGES"
    target.mkdir(parents=True)
    source = next(p for p in catalogues() if p.parts[-3] == "de")
    shutil.copy(source, target / "django.po")
    shutil.copy(source.with_suffix(".mo"), target / "django.mo")
    settings.LOCALE_PATHS = [tmp_path]
    return target / "django.po"


def _edit(po_path: Path, change) -> None:
    po = polib.pofile(str(po_path))
    change(po.find("My tickets"))
    po.save()


def test_an_untranslated_message_fails_the_check(scratch):
    _edit(scratch, lambda e: setattr(e, "msgstr", ""))
    assert not completeness(scratch).complete
    with pytest.raises(CommandError, match="incomplete"):
        call_command("compile_catalogues", "--check")


def test_a_fuzzy_message_fails_the_check(scratch):
    _edit(scratch, lambda e: e.flags.append("fuzzy"))
    assert completeness(scratch).fuzzy == 1
    with pytest.raises(CommandError, match="incomplete"):
        call_command("compile_catalogues", "--check")


def test_a_stale_mo_fails_the_check_until_compiled_again(scratch):
    _edit(scratch, lambda e: setattr(e, "msgstr", "Meine Anfragen"))
    assert not is_compiled(scratch)
    with pytest.raises(CommandError, match="stale"):
        call_command("compile_catalogues", "--check")
    call_command("compile_catalogues")
    assert is_compiled(scratch)
    call_command("compile_catalogues", "--check")


def test_a_compiled_catalogue_is_what_gettext_reads(scratch):
    """The .mo polib writes is read by Python's gettext (Django's loader), plural forms included."""
    import gettext

    _edit(scratch, lambda e: setattr(e, "msgstr", "Meine Anfragen"))
    compile_catalogue(scratch)
    with open(scratch.with_suffix(".mo"), "rb") as f:
        reader = gettext.GNUTranslations(f)
    assert reader.gettext("My tickets") == "Meine Anfragen"
    assert reader.ngettext("%(n)d day", "%(n)d days", 1) == "%(n)d Tag"
    assert reader.ngettext("%(n)d day", "%(n)d days", 3) == "%(n)d Tage"


def test_french_plurals_treat_zero_and_one_alike():
    with translation.override("fr"):
        assert translation.ngettext("%(n)d day", "%(n)d days", 0) % {"n": 0} == "0 jour"
        assert translation.ngettext("%(n)d day", "%(n)d days", 2) % {"n": 2} == "2 jours"
    with translation.override("de"):
        assert translation.ngettext("%(n)d day", "%(n)d days", 0) % {"n": 0} == "0 Tage"
