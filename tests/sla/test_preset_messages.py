"""The presets carry their translations: every level name, definition and example in sla/presets/ is a
message in the catalogues, and the portal shows a preset's level in the reader's language (an admin's
own wording stays as written)."""

import pytest
from django.utils import translation

from sla.preset_messages import PRESET_MESSAGES, preset_texts


def test_every_preset_word_is_marked_for_translation():
    missing = [t for t in preset_texts() if t not in PRESET_MESSAGES]
    assert missing == [], "add these to sla/preset_messages.py, then make messages and translate"


@pytest.mark.parametrize("lang", ["de", "fr"])
def test_every_preset_word_is_translated(lang):
    with translation.override(lang):
        # "Normal" and "5 - Normal" are the same word in German.
        same = {"de": {"Normal", "5 - Normal"}, "fr": set()}[lang]
        untranslated = [t for t in PRESET_MESSAGES if translation.gettext(t) == t and t not in same]
    assert untranslated == []


@pytest.mark.django_db
def test_the_new_ticket_page_shows_a_preset_level_in_german_and_an_admins_level_as_written(
    client, customer, priorities
):
    priorities["urgent"].definition = "The organization or its users are unable to get anything done."
    priorities["urgent"].examples = ["Server down"]
    priorities["urgent"].save()
    priorities["low"].name = "Kleinkram (admin)"
    priorities["low"].save()
    customer.language = "de"
    customer.save()
    client.force_login(customer)
    page = client.get("/tickets/new/").content.decode()
    assert "Dringend" in page and "Hoch" in page and "Niedrig" not in page
    assert "Die Organisation oder ihre Nutzer können nichts mehr erledigen." in page
    assert "Server ausgefallen" in page
    assert "Kleinkram (admin)" in page
