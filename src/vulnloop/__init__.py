"""vulnloop: scan Python, repair findings, keep only repairs a re-scan verifies."""
from __future__ import annotations

# The one place the version is set: pyproject.toml reads it, the release workflow checks the tag
# (vX.Y.Z) against it, and CHANGELOG.md has a section for it.
__version__ = "1.0.0"
