"""Repairers (codemods, LLM) and the loop that verifies their work by re-scanning."""
