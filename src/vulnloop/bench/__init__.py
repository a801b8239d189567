"""The SecurityEval benchmark: generate code, scan it, repair it, and compare with the paper.

``dataset`` loads the tasks, ``labels`` the reviewers' labelled pieces, ``replay`` answers
prompts from those pieces, ``generate`` runs the benchmark, ``paper_strategy`` is the paper's
own loop, ``records`` stores results per task, ``summary``/``table``/``chart`` report them, and
``detect`` scores the engines against the labels.
"""
