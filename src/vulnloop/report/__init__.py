"""Reports: console text, JSON, SARIF and GitHub (review, annotations, summary)."""
