"""Go's `%q` quoting of strings, for error messages that read like the Go gateway's."""

from __future__ import annotations


def go_quote(text: str | bytes) -> str:
    """Quote like Go's %q: escapes, \\xNN for control and invalid bytes (close enough for messages)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "surrogateescape")
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif 0xDC80 <= code <= 0xDCFF:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)
