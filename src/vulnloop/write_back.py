"""Writing repaired text back to source files, losing nothing: the one place that writes them.

The repair works on the text as Python reads it (LF line endings, no BOM). Writing back keeps
the file's encoding, BOM and line endings (in a file with mixed endings every unchanged line keeps
its own), and goes through a temporary file in the same folder and ``os.replace``, so a full disk
or any other error leaves the original whole.
"""
from __future__ import annotations

import difflib
import os
import re
import stat
import tempfile
from collections import Counter
from pathlib import Path

from vulnloop.sources import decode_stored, normalize_newlines

_LINE = re.compile(r"([^\r\n]*)(\r\n|\r|\n|$)")


class WriteError(Exception):
    """A repaired file that was not written; the message names the file, the file is unchanged."""


def _lines(raw: str) -> list[tuple[str, str]]:
    """(line, its ending) pairs of stored text; the last line's ending may be empty."""
    pairs = [(m.group(1), m.group(2)) for m in _LINE.finditer(raw)]
    return [p for p in pairs if p != ("", "")]


def restore_line_endings(final: str, stored_raw: str) -> str:
    """``final`` (LF endings) with the line endings of the stored text it was repaired from."""
    old = _lines(stored_raw)
    endings = Counter(ending for _, ending in old if ending)
    if set(endings) <= {"\n"}:
        return final
    usual = endings.most_common(1)[0][0]
    if len(endings) == 1:
        return final.replace("\n", usual)
    # Mixed endings: lines the repair left alone keep theirs; new lines take the most common.
    new = _lines(final)
    matcher = difflib.SequenceMatcher(None, [body for body, _ in old], [body for body, _ in new], autojunk=False)
    out: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        same_lines = tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1)
        for offset, (body, ending) in enumerate(new[j1:j2]):
            if ending:  # a line kept or rewritten in place keeps its ending
                ending = (old[i1 + offset][1] if same_lines else "") or usual
            out.append(body + ending)
    return "".join(out)


def replace_atomically(path: Path, data: bytes) -> None:
    """Put ``data`` in ``path`` through a temporary file beside it, keeping the file's mode."""
    mode = stat.S_IMODE(path.stat().st_mode)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".vulnloop")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def write_repaired(path: Path, original: str, final: str, *, shown: str) -> None:
    """Write ``final`` over the file scanned as ``original``; WriteError (naming ``shown``) when
    the file changed since, is read-only, or cannot take the repair in its encoding."""
    target = Path(os.path.realpath(path))  # an in-tree link: rewrite its file, keep the link
    try:
        data = target.read_bytes()
    except OSError as exc:
        raise WriteError(f"{shown}: cannot read it back: {exc.strerror or exc}; not written") from None
    stored, _ = decode_stored(data)
    if stored is None or stored.text != original:
        raise WriteError(f"{shown}: changed on disk since it was scanned; not written")
    if not stat.S_IMODE(target.stat().st_mode) & 0o222 or not os.access(target, os.W_OK):
        raise WriteError(f"{shown}: read-only; not written (make it writable and run again)")
    text = restore_line_endings(normalize_newlines(final), stored.raw)
    try:
        encoded = text.encode(stored.encoding)
    except UnicodeEncodeError as exc:
        character = exc.object[exc.start : exc.end]
        raise WriteError(
            f"{shown}: the repair has {character!r}, which {stored.encoding} (the file's encoding) "
            "cannot hold; not written"
        ) from None
    try:
        replace_atomically(target, encoded)
    except OSError as exc:
        raise WriteError(f"{shown}: cannot write: {exc.strerror or exc}; the file is unchanged") from None
