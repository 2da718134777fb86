"""Quoted history apart from the new text, checked against mail clients' real replies (talon fixtures)."""

import pytest

from tests.notifications.mailkit import CORPUS
from tickets.intake.html import html_to_text
from tickets.intake.parse import parse_raw
from tickets.intake.text import asks_to_escalate, split_quoted

TALON = CORPUS / "talon" / "standard_replies"


@pytest.mark.skipif(not TALON.is_dir(), reason="shared email corpus not present")
@pytest.mark.parametrize("name", sorted(p.name for p in TALON.glob("*.eml")) if TALON.is_dir() else [])
def test_real_client_replies_split_into_new_text_and_history(name):
    mail = parse_raw((TALON / name).read_bytes())
    new, quoted = split_quoted(mail.text)
    expected_file = TALON / name.replace(".eml", "_reply_text")
    expected = expected_file.read_text().strip() if expected_file.exists() else "Hello"
    assert new.strip() == expected
    assert quoted


@pytest.mark.parametrize(
    "text, new",
    [
        ("Yes.\n\nOn Fri, 6 Mar 2026, Support <s@x> wrote:\n> old", "Yes."),
        ("Ja.\n\nAm 06.03.2026 um 15:30 schrieb Support <s@x>:\n> alt", "Ja."),
        ("Oui.\n\nLe 6 mars 2026, Support <s@x> a écrit :\n> vieux", "Oui."),
        ("Sure\n\n-----Original Message-----\nFrom: s@x\nSent: today", "Sure"),
        ("Fine\n________________________________\nFrom: Support\nSent: Friday", "Fine"),
        (
            "On Fri, 6 Mar 2026, Support <s@x> wrote:\n> question?\n\nAnswer below the quote.",
            "Answer below the quote.",
        ),
        ("No quote here at all.", "No quote here at all."),
    ],
)
def test_quote_markers(text, new):
    assert split_quoted(text)[0] == new


@pytest.mark.parametrize(
    "text, escalates",
    [
        ("Please escalate this.", True),
        ("ESCALATION needed now", True),
        ("No need to escalate.", False),
        ("Don't escalate, we are fine.", False),
        ("We do not want an escalation.", False),
        ("There's no reason to escalate", False),
        ("Not urgent. Please escalate anyway.", True),
        ("Escalated issues are listed here", False),  # a different word
    ],
)
def test_escalation_words_and_negations(text, escalates):
    assert asks_to_escalate(text) is escalates


def test_an_html_only_reply_keeps_its_blockquote_as_history():
    html = (
        "<div>Thanks, all good now.</div><div class='gmail_quote'>On Fri, 6 Mar 2026, Support &lt;s@x&gt; wrote:"
        "<blockquote><p>Shall we escalate?</p><blockquote>older</blockquote></blockquote></div>"
    )
    text = html_to_text(html)
    new, quoted = split_quoted(text)
    assert new == "Thanks, all good now."
    assert "> Shall we escalate?" in quoted and "> > older" in quoted
    assert not asks_to_escalate(new)
