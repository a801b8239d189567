"""Codemods served by a second process that imports them while this one scans.

A pre-commit hook runs on every commit, and most of its time is start-up: importing libcst, which
the codemods need, costs about 0.2 s, as much as Bandit's scan of ten files. Started first thing,
the worker imports the codemods on the other core while the parent imports Bandit and scans. As
each file's findings become known, the parent hands them over (``prepare``) and the worker computes
the codemods' edits ahead, as the same chain the loop plans (``chain.py``); the repair loop, still
in the parent, then asks "this codemod's edit of this text for this finding" and mostly finds the
answer waiting. A request for a text not prepared yet moves that text ahead of the queue.
Verification (re-scans) stays in the parent, so the worker never imports Bandit.

With one core the caller does not start a worker. It is forked on Linux and spawned elsewhere (see
``start_method``). When the worker fails each codemod runs in-process instead: the worker only ever
saves time, and an answer is always the codemod's own for exactly that text and finding.
"""
from __future__ import annotations

import multiprocessing
import os
import queue
import sys
import threading
from collections import deque
from multiprocessing.connection import Connection
from typing import Any, Sequence

from vulnloop.findings import Finding
from vulnloop.repair.chain import plan_chain
from vulnloop.repair.codemods import Codemod, CodemodInfo, load, modules_for

_Answer = tuple[str, Any]  # ("ok", value) or ("error", message)
_Ready = dict[tuple[str, str, Finding], _Answer]  # (module, text, finding) -> the prepared answer


def worker_useful() -> bool:
    """A second process only helps with a second core to run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) >= 2
    return (os.cpu_count() or 1) >= 2


def start_method() -> str:
    """Fork where it is safe and cheapest (Linux); elsewhere spawn, a fresh interpreter that
    costs some 50 ms more of the other core (macOS system libraries may start threads, which
    fork does not carry over; Windows has no fork)."""
    return "fork" if sys.platform.startswith("linux") else "spawn"


class WorkerGone(Exception):
    """The worker cannot answer (it exited or its pipe broke)."""


def _answer(module: str, kind: str, args: Sequence[Any]) -> _Answer:
    try:
        codemod = load(module)
        return ("ok", codemod.info if kind == "info" else codemod.apply(*args))
    except Exception as exc:  # the parent records it as this codemod's failure
        return ("error", f"{type(exc).__name__}: {exc}")


def _serve(connection: Connection) -> None:
    # Requests are read on a thread from the start, so the parent never blocks on a full pipe
    # while this process is still importing.
    inbox: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def read() -> None:
        try:
            while True:
                inbox.put(connection.recv())
        except (EOFError, OSError):
            inbox.put(None)

    threading.Thread(target=read, daemon=True).start()
    import libcst

    from vulnloop.repair.codemods import all_codemods

    all_codemods()
    libcst.parse_module("x = 1\n")  # the native parser's first call costs more than later ones
    ready: _Ready = {}
    queued: deque[tuple[str, Sequence[Finding]]] = deque()  # texts to prepare, in arrival order
    try:
        while True:
            # Requests first, as they come; queued preparation while none is waiting.
            try:
                request = inbox.get(block=not queued)
            except queue.Empty:
                _prepare(ready, *queued.popleft())
                continue
            if request is None:
                return
            kind, module, *args = request
            if kind == "prepare":
                queued.append((args[0], args[1]))
            elif kind == "apply":
                key = (module, args[0], args[1])
                if key not in ready:  # the loop wants this text now: prepare it ahead of the rest
                    for item in [item for item in queued if item[0] == args[0]]:
                        queued.remove(item)
                        _prepare(ready, *item)
                connection.send(ready.pop(key, None) or _answer(module, kind, args))
            else:
                connection.send(_answer(module, kind, args))
    except (OSError, KeyboardInterrupt):
        return


class _Recorded:
    """A codemod run here whose answers are kept for the parent's requests."""

    def __init__(self, module: str, ready: _Ready) -> None:
        self._module = module
        self._ready = ready

    @property
    def info(self) -> CodemodInfo:
        return load(self._module).info

    def apply(self, source: str, finding: Finding) -> str | None:
        answer = self._ready[(self._module, source, finding)] = _answer(self._module, "apply", (source, finding))
        if answer[0] != "ok":
            raise RuntimeError(answer[1])
        return answer[1]  # type: ignore[no-any-return]


def _prepare(ready: _Ready, text: str, findings: Sequence[Finding]) -> None:
    """The chain of codemod edits the repair loop will ask for (``chain.py``), computed ahead."""
    plan_chain(text, findings, lambda finding: [_Recorded(m, ready) for m in modules_for(finding.rule_id)])


class _RemoteCodemod:
    """One codemod, applied by the worker; in-process once the worker is gone."""

    def __init__(self, worker: CodemodWorker, module: str) -> None:
        self._worker = worker
        self._module = module
        self._info: CodemodInfo | None = None

    @property
    def info(self) -> CodemodInfo:
        if self._info is None:
            try:
                self._info = self._worker.call("info", self._module)
            except WorkerGone:
                self._info = load(self._module).info
        return self._info

    def apply(self, source: str, finding: Finding) -> str | None:
        try:
            answer: str | None = self._worker.call("apply", self._module, source, finding)
        except WorkerGone:
            return load(self._module).apply(source, finding)
        return answer


class CodemodWorker:
    """A second process applying codemods; ``codemods_for`` is a drop-in for the registry's."""

    def __init__(self, method: str | None = None) -> None:
        context: Any = multiprocessing.get_context(method or start_method())  # Any: its Process per method
        self._connection, child_end = context.Pipe()
        self._process: Any = context.Process(target=_serve, args=(child_end,), daemon=True)
        self._process.start()
        child_end.close()
        self._lock = threading.Lock()  # the repair loop's threads share one pipe
        self._gone = False
        self._proxies: dict[str, _RemoteCodemod] = {}

    def prepare(self, text: str, findings: Sequence[Finding]) -> None:
        """Let the worker compute these findings' codemod edits ahead, in the loop's order."""
        from vulnloop.repair.loop import severity_order

        wanted = sorted((f for f in findings if modules_for(f.rule_id)), key=severity_order)
        if wanted:
            try:
                self._send(("prepare", "", text, wanted))
            except WorkerGone:
                pass  # the loop's own requests will find out and run the codemods here

    def codemods_for(self, finding: Finding) -> tuple[Codemod, ...]:
        return tuple(self._proxy(module) for module in modules_for(finding.rule_id))

    def _proxy(self, module: str) -> _RemoteCodemod:
        if module not in self._proxies:
            self._proxies[module] = _RemoteCodemod(self, module)
        return self._proxies[module]

    def _send(self, message: tuple[Any, ...]) -> None:
        with self._lock:
            if self._gone:
                raise WorkerGone()
            try:
                self._connection.send(message)
            except OSError as exc:
                self._gone = True
                raise WorkerGone() from exc

    def call(self, kind: str, module: str, *args: object) -> Any:
        """The worker's answer; raises what the codemod raised (as RuntimeError), or WorkerGone."""
        with self._lock:
            if self._gone:
                raise WorkerGone()
            try:
                self._connection.send((kind, module, *args))
                status, payload = self._connection.recv()
            except (EOFError, OSError) as exc:
                self._gone = True
                raise WorkerGone() from exc
        if status != "ok":
            raise RuntimeError(payload)
        return payload

    def close(self) -> None:
        """Stop the worker now, even mid-import: a hook with nothing to repair must not wait."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(timeout=5)
        self._connection.close()
