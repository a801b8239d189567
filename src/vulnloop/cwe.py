"""The CWE catalogue shipped as package data: id -> name and one-line definition."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class CweEntry:
    id: int
    name: str
    definition: str

    @property
    def label(self) -> str:
        return f"CWE-{self.id}"

    @property
    def url(self) -> str:
        return cwe_url(self.id)


def cwe_url(cwe_id: int) -> str:
    return f"https://cwe.mitre.org/data/definitions/{cwe_id}.html"


@lru_cache(maxsize=1)
def catalogue() -> dict[int, CweEntry]:
    raw = json.loads(resources.files("vulnloop").joinpath("data/cwe.json").read_text("utf-8"))
    return {
        int(key): CweEntry(int(key), value["name"], value["definition"])
        for key, value in raw.items()
    }


def lookup(cwe_id: int) -> CweEntry:
    """The catalogue entry, or a placeholder naming the id so callers never fail on a new CWE."""
    entry = catalogue().get(cwe_id)
    if entry is not None:
        return entry
    return CweEntry(cwe_id, f"CWE-{cwe_id}", f"See {cwe_url(cwe_id)}.")


_CWE_TEXT = re.compile(r"(?:\bcwe[-_/ ]?|/definitions/)0*(\d+)", re.IGNORECASE)


def parse_cwe(text: str) -> int | None:
    """'CWE-079', 'external/cwe/cwe-079', a MITRE URL, 'CWE-79: XSS' or '79' -> 79; else None."""
    stripped = text.strip()
    if stripped.isdigit():
        return int(stripped)
    match = _CWE_TEXT.search(stripped)
    return int(match.group(1)) if match else None
