"""Find and replace a person's identifiers and words in what other people wrote. Pure: no database.

Needles are the person's address, their full name and each part of it (3 letters or more, as whole
words: "Hi Casey," loses the name), and the texts they wrote (so a quote of them, or a copy of their
reply in a notice, goes too). Addresses, full names and texts match in any case; a name's parts match
only as written (capitalised), whole words. JSON values are walked recursively.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

ERASED_TEXT = "[erased]"
ERASED_NAME = "Erased person"
# Shorter texts (e.g. "ok", "yes") are too common to hunt in other people's words.
MIN_TEXT = 12
MIN_NAME_PART = 3


class Scrubber:
    def __init__(
        self,
        *,
        names: Iterable[str] = (),
        addresses: Iterable[str] = (),
        texts: Iterable[str] = (),
        name_placeholder: str = ERASED_NAME,
        address_placeholder: str = "",
    ) -> None:
        self.name_placeholder = name_placeholder
        self.address_placeholder = address_placeholder or ERASED_TEXT
        full: set[str] = set()
        parts: set[str] = set()
        for name in names:
            name = (name or "").strip()
            if not name:
                continue
            full.add(name)
            parts.update(p for p in re.split(r"[\s,.'\"()]+", name) if len(p) >= MIN_NAME_PART)
        self._addresses = sorted(
            {a.strip().lower() for a in addresses if a and "@" in a}, key=len, reverse=True
        )
        self._texts = sorted(
            {t.strip() for t in texts if t and len(t.strip()) >= MIN_TEXT}, key=len, reverse=True
        )
        self._address_re = self._alternation(map(re.escape, self._addresses))
        self._name_re = self._alternation(
            rf"(?<!\w){re.escape(w)}(?!\w)" for w in sorted(full, key=len, reverse=True)
        )
        # A part alone only as a name is written (capitalised, whole word), so that a person called
        # "Casey Customer" does not turn "waiting on the customer" into nonsense.
        self._part_re = (
            re.compile(
                "|".join(rf"(?<!\w){re.escape(p)}(?!\w)" for p in sorted(parts, key=len, reverse=True))
            )
            if parts
            else None
        )

    @staticmethod
    def _alternation(parts: Iterable[str]) -> re.Pattern | None:
        parts = list(parts)
        return re.compile("|".join(parts), re.IGNORECASE) if parts else None

    def text(self, value: str) -> str:
        """``value`` with every needle replaced."""
        if not value:
            return value
        lowered = value.lower()
        for text in self._texts:  # the person's own words first: whole quotes go as one
            if text.lower() in lowered:
                value = re.sub(re.escape(text), ERASED_TEXT, value, flags=re.IGNORECASE)
                lowered = value.lower()
        if self._address_re is not None:
            value = self._address_re.sub(self.address_placeholder, value)
        if self._name_re is not None:
            value = self._name_re.sub(self.name_placeholder, value)
        if self._part_re is not None:
            value = self._part_re.sub(self.name_placeholder, value)
        return value

    def value(self, value):
        """A JSON value (dict, list, str, anything else) with every string scrubbed."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(k) if isinstance(k, str) else k: self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value

    def __bool__(self) -> bool:
        return bool(self._texts or self._address_re or self._name_re or self._part_re)
