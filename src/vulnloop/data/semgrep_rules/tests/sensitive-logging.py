# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the standard library's API, not taken from any dataset.
import logging

logger = logging.getLogger(__name__)


def login(username, password, user):
    # ruleid: vulnloop.secret-in-log
    logger.info("login attempt for %s with %s", username, password)
    # ruleid: vulnloop.secret-in-log
    logging.debug(f"issued token {user.access_token}")
    # ok: vulnloop.secret-in-log
    logger.info("login attempt for %s", username)
    # ok: vulnloop.secret-in-log
    logger.debug("password length %d", len(password))
    # ok: vulnloop.secret-in-log
    logger.warning("password_reset requested for %s", username)
    # ok: vulnloop.secret-in-log
    logger.info("masked %s", mask(password))
    # ok: vulnloop.secret-in-log
    print_password_policy(password)


def mask(value):
    return value[:2] + "***"


def print_password_policy(password):
    return password
