# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the standard library's API, not taken from any dataset.
import threading

balance_lock = threading.Lock()
balances = {}


def withdraw(account, amount):
    # ruleid: vulnloop.unchecked-lock-acquire
    balance_lock.acquire(blocking=False)
    try:
        balances[account] -= amount
    finally:
        balance_lock.release()


def deposit(account, amount):
    # ruleid: vulnloop.unchecked-lock-acquire
    balance_lock.acquire(timeout=1)
    balances[account] += amount
    balance_lock.release()


def transfer(source, target, amount):
    # ok: vulnloop.unchecked-lock-acquire
    if not balance_lock.acquire(blocking=False):
        raise RuntimeError("busy")
    try:
        balances[source] -= amount
        balances[target] += amount
    finally:
        balance_lock.release()


def audit():
    # ok: vulnloop.unchecked-lock-acquire
    balance_lock.acquire()
    try:
        return dict(balances)
    finally:
        balance_lock.release()


def increment(counters, name):
    # ruleid: vulnloop.lock-created-per-call
    with threading.Lock():
        counters[name] = counters.get(name, 0) + 1


def append_event(events, event):
    lock = threading.Lock()
    # ruleid: vulnloop.lock-created-per-call
    with lock:
        events.append(event)


def run_workers(worker, count):
    lock = threading.Lock()
    threads = [threading.Thread(target=worker, args=(lock,)) for _ in range(count)]
    for thread in threads:
        thread.start()
    # ok: vulnloop.lock-created-per-call
    with lock:
        return len(threads)


def shared_increment(counters, name):
    # ok: vulnloop.lock-created-per-call
    with balance_lock:
        counters[name] = counters.get(name, 0) + 1
