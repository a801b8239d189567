"""vulnloop: scan Python, repair findings, keep only repairs a re-scan verifies."""
from __future__ import annotations

__version__ = "0.1.0"
