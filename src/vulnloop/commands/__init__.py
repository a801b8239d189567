"""Front doors: thin commands returning exit codes."""
