"""The benchmarks (the `bench` extra): SecurityEval (``generate``) and CWEval (``cweval_repair``)
repaired by our loop and the paper's (``strategies``), and the engines scored (``detect``).

``dataset``/``labels``/``cweval`` load inputs, ``replay`` answers from labelled pieces, ``judge``
scans a result, ``records`` keeps results on disk, ``report`` writes the figures, table and chart.
"""
