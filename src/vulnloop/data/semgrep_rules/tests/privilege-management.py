# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the standard library's API, not taken from any dataset.
import os
import pwd
import shutil
import signal
import subprocess

from flask import Flask, abort, request, session

app = Flask(__name__)


def drop_wrong_order(name):
    entry = pwd.getpwnam(name)
    # ruleid: vulnloop.incomplete-privilege-drop
    os.setuid(entry.pw_uid)
    os.setgid(entry.pw_gid)


def drop_keeping_groups(name):
    entry = pwd.getpwnam(name)
    os.setgid(entry.pw_gid)
    # ruleid: vulnloop.incomplete-privilege-drop
    os.setuid(entry.pw_uid)


def drop_properly(name):
    entry = pwd.getpwnam(name)
    os.setgroups([])
    os.setgid(entry.pw_gid)
    # ok: vulnloop.incomplete-privilege-drop
    os.setuid(entry.pw_uid)


def run_as(name, command):
    # ruleid: vulnloop.incomplete-privilege-drop
    subprocess.run(command, user=name, check=True)
    # ok: vulnloop.incomplete-privilege-drop
    subprocess.run(command, user=name, group=name, extra_groups=[], check=True)


def read_protected(path):
    # ruleid: vulnloop.privilege-raise-without-restore
    os.seteuid(0)
    with open(path) as handle:
        data = handle.read()
    os.seteuid(os.getuid())
    return data


def read_protected_safely(path):
    previous = os.geteuid()
    # ok: vulnloop.privilege-raise-without-restore
    os.seteuid(0)
    try:
        with open(path) as handle:
            return handle.read()
    finally:
        os.seteuid(previous)


def become_root():
    # ruleid: vulnloop.privilege-raise-without-restore
    os.setuid(0)


def raise_privileges():
    # ok: vulnloop.privilege-raise-without-restore
    os.seteuid(0)


def lower_privileges():
    os.seteuid(os.getuid())


def make_spool_dir(name):
    raise_privileges()
    try:
        os.mkdir("/var/spool/app/" + name)
    finally:
        lower_privileges()


def make_spool_dir_carelessly(name):
    # ruleid: vulnloop.privilege-raise-without-restore
    raise_privileges()
    os.mkdir("/var/spool/app/" + name)
    lower_privileges()


@app.route("/jobs/<int:pid>/stop", methods=["POST"])
def stop_job(pid):
    # ruleid: vulnloop.unverified-ownership
    os.kill(pid, signal.SIGTERM)
    return "stopped"


@app.route("/jobs/stop", methods=["POST"])
def stop_own_job():
    pid = int(request.form["pid"])
    if pid not in jobs_of(session["user_id"]):
        abort(403)
    # ok: vulnloop.unverified-ownership
    os.kill(pid, signal.SIGTERM)
    return "stopped"


@app.route("/files/give", methods=["POST"])
def give_file():
    # ruleid: vulnloop.unverified-ownership
    shutil.chown("/srv/shared/report.pdf", user=request.form["user"])
    return "done"


def jobs_of(user_id):
    return {user_id}
