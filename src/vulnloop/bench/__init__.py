"""The benchmarks (the `bench` extra): SecurityEval (``generate``) and CWEval (``cweval_repair``)
repaired by our loop and the paper's (``strategies``), and the engines scored (``detect``).

``dataset``/``labels``/``cweval`` load inputs, ``replay`` answers from labelled pieces, ``judge``
scans a result, ``records`` keeps results on disk, ``report`` writes the figures, table and chart,
``harness`` holds what every run shares (models, engines, shard, meta, progress bar).

This file holds only the names `vulnloop bench --help` needs, so the parser loads nothing else.
"""
from __future__ import annotations

# --strategy: which repair loops run side by side
STRATEGY_CHOICES = {"ours": ("ours",), "paper": ("ours", "paper"), "paper-only": ("paper",)}
DEFAULT_OUT = "vulnloop-bench"
DEFAULT_CWEVAL_OUT = "vulnloop-bench-cweval"
DEFAULT_CWEVAL = "../shared/data/cweval"
