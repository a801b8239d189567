# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the PAM API (libpam through ctypes), not taken from any dataset.
from ctypes import CDLL, c_int
from ctypes.util import find_library

libpam = CDLL(find_library("pam"))
pam_authenticate = libpam.pam_authenticate
pam_acct_mgmt = libpam.pam_acct_mgmt
pam_authenticate.restype = c_int


def password_only(handle):
    # ruleid: vulnloop.pam-authorization-bypass
    return pam_authenticate(handle, 0) == 0


def password_only_through_library(handle):
    # ruleid: vulnloop.pam-authorization-bypass
    status = libpam.pam_authenticate(handle, 0)
    return status == 0


def password_and_account(handle):
    # ok: vulnloop.pam-authorization-bypass
    status = pam_authenticate(handle, 0)
    if status != 0:
        return False
    return pam_acct_mgmt(handle, 0) == 0


def password_and_account_through_library(handle):
    # ok: vulnloop.pam-authorization-bypass
    if libpam.pam_authenticate(handle, 0) == 0:
        return libpam.pam_acct_mgmt(handle, 0) == 0
    return False
