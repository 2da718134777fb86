"""Reading header text as senders really wrote it: encoded words whose label is narrower than the bytes,
raw 8-bit headers, broken base64, header blocks with a junk line, odd From headers.

- A label is read with its superset codec (GB2312 as GB18030, Shift_JIS as CP932, EUC-KR and
  ks_c_5601-1987 as CP949, ISO-8859-1 and US-ASCII as Windows-1252); an ISO-8859-n text with C1 bytes
  is read as its Windows-125x sibling.
- Adjacent encoded words in one charset are joined as bytes before decoding (a character may be split
  between them); a group that still does not decode falls back on its own, never taking the rest with it.
- Raw 8-bit header bytes: UTF-8 when they are, else the message's own charset, else a guess between
  Windows-1252 and Windows-1251 (runs of letters with no ASCII between them are Cyrillic words).
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re

_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc-cn": "gb18030",
    "euc_cn": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "csgb2312": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "csshiftjis": "cp932",
    "windows-31j": "cp932",
    "euc-kr": "cp949",
    "euc_kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "korean": "cp949",
    "big5": "big5hkscs",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-2022-jp": "iso2022_jp_ext",
}
# ISO-8859-n labels on text with C1 bytes (0x80-0x9f): the Windows code page the sender really used.
_C1_SIBLINGS = {
    "iso-8859-2": "cp1250",
    "iso-8859-7": "cp1253",
    "iso-8859-8": "cp1255",
    "iso-8859-9": "cp1254",
    "iso-8859-13": "cp1257",
    "iso-8859-15": "cp1252",
}
_ENCODED_WORD = re.compile(r"=\?([^?\s*]+)(?:\*[^?\s]*)?\?([qQbB])\?([^?\s]*)\?=")
_C1 = re.compile(rb"[\x80-\x9f]")


def codec_for(label: str, data: bytes = b"") -> str | None:
    """The codec to read ``label`` with (its superset), or None when Python does not know it."""
    label = (label or "").strip().strip("\"'").lower()
    if label in _C1_SIBLINGS and _C1.search(data):
        return _C1_SIBLINGS[label]
    name = _SUPERSETS.get(label, label)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_bytes(data: bytes, label: str = "", *, hint: str = "") -> str:
    """Text from bytes labelled ``label`` (may be wrong or unknown); ``hint``: the message's charset."""
    codec = codec_for(label, data) if label else None
    if codec:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    return decode_8bit(data, hint=hint)


def decode_8bit(data: bytes, *, hint: str = "") -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    codec = codec_for(hint, data) if hint else None
    if codec and codec not in ("cp1252", "utf-8", "ascii"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    valid = len(re.findall(rb"[\xc2-\xf4][\x80-\xbf]+", data))
    invalid = len(re.findall(rb"[\x80-\xff]", data)) - sum(
        len(m) for m in re.findall(rb"[\xc2-\xf4][\x80-\xbf]+", data)
    )
    if valid and valid >= invalid:
        return data.decode("utf-8", "replace")  # UTF-8 with a stray byte or two
    runs = re.findall(rb"[\x80-\xff]+", data)
    if (
        runs
        and all(b >= 0xC0 for run in runs for b in run)
        and 2 * sum(len(r) >= 3 for r in runs) >= len(runs)
    ):
        return data.decode("cp1251")
    return data.decode("cp1252", "replace")


def _b64(text: str) -> bytes:
    text = re.sub(r"[^A-Za-z0-9+/]", "", text)
    text = text[: len(text) - len(text) % 4] if len(text) % 4 == 1 else text + "=" * (-len(text) % 4)
    try:
        return base64.b64decode(text)
    except (binascii.Error, ValueError):
        return b""


def _q(text: str) -> bytes:
    raw = text.replace("_", " ").encode("ascii", "surrogateescape")
    return re.sub(rb"=([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw)


def _raw_text(text: str, hint: str) -> str:
    """Unencoded header text; surrogate escapes are raw 8-bit bytes the parser could not read."""
    if not re.search(r"[\udc80-\udcff]", text):
        return text
    return decode_8bit(text.encode("ascii", "surrogateescape"), hint=hint)


def decode_header_text(value: str, *, hint: str = "") -> str:
    """A header value as text: encoded words decoded per group, raw bytes recovered, folding undone."""
    value = re.sub(r"\r?\n[ \t]+", " ", value or "").replace("\r", " ").replace("\n", " ")
    pieces: list[tuple[str, str, bytes]] = []  # ("text", value, b"") or ("word", charset, bytes)
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        if between and not (between.isspace() and pieces and pieces[-1][0] == "word"):
            pieces.append(("text", between, b""))
        charset, kind, payload = match.group(1), match.group(2).lower(), match.group(3)
        data = _b64(payload) if kind == "b" else _q(payload)
        if pieces and pieces[-1][0] == "word" and pieces[-1][1].lower() == charset.lower():
            pieces[-1] = ("word", pieces[-1][1], pieces[-1][2] + data)
        else:
            pieces.append(("word", charset, data))
        position = match.end()
    if position < len(value):
        pieces.append(("text", value[position:], b""))
    out = []
    for kind, text, data in pieces:
        out.append(_raw_text(text, hint) if kind == "text" else decode_bytes(data, text, hint=hint))
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", "".join(out))


_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")
_OBS_HEADER_LINE = re.compile(rb"^([!-9;-~]+)[ \t]+:")


def repair_header_block(raw: bytes) -> tuple[bytes, str]:
    """Headers a strict parser would stop at: a junk line before or among the headers (kept out only when
    real headers follow it), and the obsolete ``Name  :`` form. Returns (bytes, what was repaired)."""
    match = re.search(rb"\r?\n\r?\n", raw[:256_000])
    if match is None:
        return raw, ""
    head, rest = raw[: match.start()], raw[match.start() :]
    lines = re.split(rb"(\r?\n)", head)
    texts, ends = lines[0::2], lines[1::2] + [b""]
    kept: list[bytes] = []
    changed = []
    for i, line in enumerate(texts):
        obs = _OBS_HEADER_LINE.match(line)
        if obs:
            kept.append(obs.group(1) + b":" + line[obs.end() :] + ends[i])
            changed.append("obsolete header syntax")
            continue
        if _HEADER_LINE.match(line) or line[:1] in (b" ", b"\t") or (i == 0 and line.startswith(b"From ")):
            kept.append(line + ends[i])
            continue
        following = next((t for t in texts[i + 1 :] if t[:1] not in (b" ", b"\t")), b"")
        if _HEADER_LINE.match(following) or _OBS_HEADER_LINE.match(following):
            changed.append("junk line in the headers dropped")
            continue
        kept.append(line + ends[i])
    if not changed:
        return raw, ""
    return b"".join(kept).rstrip(b"\r\n") + rest, ", ".join(dict.fromkeys(changed))


_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)


def recover_address(value: str) -> str:
    """An address from a From header the address parser could not read: comments and the spaces of the
    obsolete syntax removed (``jdoe@machine(comment).  example``), else the first address in the text."""
    bracket = re.search(r"<([^<>]*@[^<>]*)>", value)
    candidate = bracket.group(1) if bracket else value
    cleaned = re.sub(r"\([^()]*\)", "", candidate)
    cleaned = re.sub(r"\s*([.@])\s*", r"\1", cleaned)
    found = _ADDRESS.search(cleaned) or _ADDRESS.search(value)
    return found.group(0).strip(".").lower() if found else ""
