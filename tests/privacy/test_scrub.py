"""The scrubber: a person's address, names and words replaced in other people's text, nothing else."""

from privacy.scrub import Scrubber


def scrubber():
    return Scrubber(
        names=["Casey Customer"],
        addresses=["casey@acme.test"],
        texts=["The fax has been silent since Monday."],
        address_placeholder="erased-7@erased.invalid",
    )


def test_names_addresses_and_quoted_words_are_replaced():
    s = scrubber()
    assert s.text("Hi Casey, thanks.") == "Hi Erased person, thanks."
    assert s.text("From: CASEY CUSTOMER <Casey@Acme.test>") == "From: Erased person <erased-7@erased.invalid>"
    assert s.text("> the fax has been silent since monday.\nNoted.") == "> [erased]\nNoted."


def test_ordinary_words_that_share_a_name_part_stay():
    s = scrubber()
    assert (
        s.text("Waiting on the customer since Casey's call.")
        == "Waiting on the customer since Erased person's call."
    )
    assert s.text("Caseys and Customers") == "Caseys and Customers"  # whole words only


def test_json_values_are_walked_and_other_types_kept():
    s = scrubber()
    value = {"requester": {"full_name": "Casey Customer"}, "to": ["casey@acme.test"], "n": 3, "ok": True}
    assert s.value(value) == {
        "requester": {"full_name": "Erased person"},
        "to": ["erased-7@erased.invalid"],
        "n": 3,
        "ok": True,
    }


def test_short_texts_are_not_hunted():
    s = Scrubber(texts=["ok", "yes please"])
    assert not s and s.text("ok, yes please") == "ok, yes please"
