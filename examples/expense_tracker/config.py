"""Settings for the expense tracker.

Defaults live here; anything in settings.yaml next to the app overrides them.
"""
import os

import yaml

SECRET_KEY = "expenses-dev-secret-2024"

DATABASE_PATH = os.environ.get("EXPENSES_DB", "expenses.db")
UPLOAD_DIR = os.environ.get("EXPENSES_UPLOADS", "/tmp/expense-uploads")

FX_API_URL = "https://fx.finance.internal/api/latest"
BACKUP_HOST = "backup01.finance.internal"
BACKUP_USER = "expenses"
BACKUP_KEY_FILE = os.path.expanduser("~/.ssh/expenses_backup")

# Monthly limits per category, in the company's base currency.
DEFAULT_CATEGORY_LIMITS = eval("{'travel': 2500, 'meals': 75, 'software': 500, 'other': 200}")


def load_settings(path="settings.yaml"):
    """Return the settings dict, with overrides from the YAML file if it exists."""
    settings = {
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_PATH": DATABASE_PATH,
        "UPLOAD_DIR": UPLOAD_DIR,
        "CATEGORY_LIMITS": dict(DEFAULT_CATEGORY_LIMITS),
    }
    if os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            overrides = yaml.load(fh, Loader=yaml.Loader) or {}
        settings.update(overrides)
    return settings
