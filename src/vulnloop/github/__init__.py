"""Talking to GitHub: the workflow run's environment, the pull request's files, and reviews."""
