"""Documents the commands write: signed, replaced only when they are their own, atomic.

Every document ends with a signature line naming the command that wrote it; a document at the
destination is replaced only when it carries that line (or, written by an earlier version, the
command's heading), so a user's file of the same name is never overwritten.
"""

from __future__ import annotations

from pathlib import Path

from sim.files.ownership import check_file, check_writable, write_text_file

__all__ = ["SIGNATURE", "check_document", "is_signed", "signed", "write_document"]

#: The line a command writes at the end of every document it makes, so it knows them again.
SIGNATURE = "<!-- written by corridor-sim"


def signed(text: str, command: str) -> str:
    """``text`` with the signature line of ``command`` at its end."""
    return text.rstrip("\n") + f"\n\n{SIGNATURE} ({command}); rerun it to replace this file -->\n"


def is_signed(head: str, heading: str = "") -> bool:
    """Whether a document is one the commands write: signed, or (earlier ones) by its heading."""
    return SIGNATURE in head or bool(heading and head.startswith(heading))


def check_document(out, heading: str, command: str, setting: str = "out") -> None:
    """Refuse a document path (and its CSV beside it) that is not the command's own."""
    out = Path(out)
    check_file(out, setting, command, lambda head: is_signed(head, heading))
    check_writable(out.parent, setting)
    check_file(
        out.with_suffix(".csv"),
        setting,
        command,
        lambda head: bool(head) and (out.exists() or head.startswith("#")),
    )


def write_document(out, text: str, table=None, setting: str = "out") -> None:
    """Write the document and its CSV table, each atomically, the table first."""
    out = Path(out)
    if table is not None:
        write_text_file(out.with_suffix(".csv"), table.to_csv(index=False), setting)
    write_text_file(out, text, setting)
