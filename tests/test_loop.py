"""The loop's acceptance rules, judged by real Bandit re-scans; the LLM is a scripted proposer here
(the HTTP path with the real openai client is tested in test_fix_llm.py)."""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from vulnloop.engines.bandit import BanditEngine
from vulnloop.findings import Finding
from vulnloop.llm.usage import TokenUsage
from vulnloop.repair.ledger import Status
from vulnloop.repair.loop import LoopOptions, RepairLoop
from vulnloop.sources import SourceFile

from tests.samples import SHELL, YAML

FIXED_SHELL = SHELL.replace(
    'subprocess.call("tar czf backup.tgz %s" % folder, shell=True)',
    'subprocess.call(["tar", "czf", "backup.tgz", folder])',
)


@dataclass
class Proposal:
    new_text: str | None
    reason: str = ""
    usage: TokenUsage = TokenUsage(10, 5, 1)


@dataclass
class ScriptedLlm:
    """Answers each call with the next scripted text; records what it was asked."""

    answers: list[str | None]
    calls: list[dict[str, object]] = field(default_factory=list)
    name: str = "llm"

    def propose(self, *, path: str, source: str, findings: Sequence[Finding], feedback: Sequence[str] = (),
                round: int = 1, context: dict[str, str] | None = None, temperature: float | None = None) -> Proposal:
        self.calls.append({"path": path, "source": source, "rules": [f.rule_id for f in findings],
                           "feedback": list(feedback), "round": round, "temperature": temperature})
        answer = self.answers.pop(0) if self.answers else None
        return Proposal(answer, "" if answer is not None else "no code block in the answer")

    def region_of(self, source: str, finding: Finding) -> str:
        return ""  # small files: the whole file, one request for all its findings


class SlowBandit(BanditEngine):
    """Real Bandit, flagged as a batch engine, to exercise the once-per-round batch verification."""

    name = "slowbandit"
    batch_only = True

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = []

    def scan(self, sources, *, root=None):  # type: ignore[override]
        self.batches.append([s.path for s in sources])
        from dataclasses import replace

        from vulnloop.fingerprints import assign_fingerprints

        result = super().scan(sources, root=root)
        texts = {s.path: s.text for s in sources}
        findings = [
            f
            for path in texts
            for f in assign_fingerprints(
                [replace(f, engine=self.name) for f in result.findings if f.path == path], texts[path]
            )
        ]
        return replace(result, findings=tuple(findings), engines=(self.name,))


def run(text: str, llm: ScriptedLlm | None, *, rounds: int = 3, path: str = "tools.py", engines=None,
        root: Path = Path("."), **options):
    loop = RepairLoop(engines=engines or [BanditEngine()], root=root,
                      options=LoopOptions(max_iterations=rounds, use_codemods=False, **options), llm=llm)
    sources = [SourceFile(path, text)]
    scan = loop.scan(sources)
    targets = [f for f in scan.findings if f.rule_id != "B404"]
    return loop.repair(sources, scan, targets), scan


def entry_for(report, rule: str):
    return next(e for e in report.entries if e.finding.rule_id == rule)


def test_a_good_repair_is_accepted_with_its_diff_and_round() -> None:
    report, _ = run(SHELL, ScriptedLlm([FIXED_SHELL]))
    entry = entry_for(report, "B602")
    assert entry.status is Status.FIXED and entry.repair is not None
    assert entry.repair.round == 1 and entry.repair.verified_by == ("bandit",)
    assert '+    subprocess.call(["tar", "czf", "backup.tgz", folder])' in entry.repair.diff
    assert report.files[0].final == FIXED_SHELL
    assert report.usage.calls == 1 and report.usage.total == 15


def test_suppression_is_rejected_and_the_reason_is_fed_back() -> None:
    nosec = SHELL.replace("shell=True)", "shell=True)  # nosec")
    llm = ScriptedLlm([nosec, FIXED_SHELL])
    report, _ = run(SHELL, llm)
    assert entry_for(report, "B602").repair.round == 2
    assert "suppression" in llm.calls[1]["feedback"][0]


def test_code_that_does_not_parse_is_never_accepted() -> None:
    llm = ScriptedLlm([f"def archive(folder{'(' * n}:\n    pass\n" for n in range(1, 4)])
    report, _ = run(SHELL, llm)
    entry = entry_for(report, "B602")
    assert entry.status is Status.UNFIXED and "does not parse" in entry.reason
    assert report.files[0].final == SHELL and len(llm.calls) == 3 and entry.attempts == 3


def test_deleting_or_commenting_out_the_code_is_rejected() -> None:
    deleted = SHELL.replace('    subprocess.call("tar czf backup.tgz %s" % folder, shell=True)', "    pass")
    commented = SHELL.replace("    subprocess.call(", "    pass\n    # subprocess.call(")
    renamed = FIXED_SHELL.replace("def archive(folder)", "def archive_folder(folder)")
    for bad, words in ((deleted, "with a stub"), (commented, "with a stub"), (renamed, "does not keep `archive`")):
        report, _ = run(SHELL, ScriptedLlm([bad]), rounds=1)
        assert words in entry_for(report, "B602").reason


WITH_MD5 = FIXED_SHELL.replace("import subprocess", "import hashlib\nimport subprocess").replace(
    "folder])", "folder])\n    hashlib.md5(folder.encode())"
)


def test_a_repair_that_adds_a_new_finding_is_rejected() -> None:
    report, _ = run(SHELL, ScriptedLlm([WITH_MD5]), rounds=1)
    entry = entry_for(report, "B602")
    assert entry.status is Status.UNFIXED and "new finding: B324" in entry.reason


def test_a_repair_that_still_leaks_goes_back_with_the_remaining_finding() -> None:
    still = SHELL.replace('"tar czf backup.tgz %s" % folder', '"tar czf backup.tgz {}".format(folder)')
    llm = ScriptedLlm([still, still])
    report, _ = run(SHELL, llm, rounds=2)
    assert entry_for(report, "B602").status is Status.UNFIXED
    assert "B602" in llm.calls[1]["feedback"][0]


def test_no_llm_means_one_round_and_every_finding_in_the_ledger() -> None:
    report, scan = run(SHELL + "\n\ndef other(x):\n    return eval(x)\n", None)
    assert report.rounds == 1
    assert {e.finding.rule_id for e in report.entries} == {"B602", "B307"}
    assert all("no LLM is configured" in e.reason for e in report.unfixed())


def test_batch_engines_rescan_all_changed_files_once_per_round(tmp_path: Path) -> None:
    slow = SlowBandit()
    loop = RepairLoop(engines=[slow], root=tmp_path, options=LoopOptions(use_codemods=False),
                      llm=ScriptedLlm([FIXED_SHELL, FIXED_SHELL, FIXED_SHELL]))
    sources = [SourceFile(f"m{i}.py", SHELL) for i in range(3)]
    scan = loop.scan(sources)
    slow.batches.clear()
    report = loop.repair(sources, scan, [f for f in scan.findings if f.rule_id == "B602"])
    assert slow.batches == [["m0.py", "m1.py", "m2.py"]]
    assert all(e.status is Status.FIXED and e.repair.verified_by == ("slowbandit",) for e in report.entries)


def test_batch_engine_rejection_reverts_the_files_round(tmp_path: Path) -> None:
    slow = SlowBandit()
    llm = ScriptedLlm([WITH_MD5, FIXED_SHELL])
    loop = RepairLoop(engines=[slow], root=tmp_path, options=LoopOptions(use_codemods=False), llm=llm)
    sources = [SourceFile("tools.py", SHELL)]
    scan = loop.scan(sources)
    report = loop.repair(sources, scan, [f for f in scan.findings if f.rule_id == "B602"])
    entry = report.entries[0]
    assert entry.status is Status.FIXED and entry.repair.round == 2
    assert "new finding: B324" in llm.calls[1]["feedback"][0]
    assert report.files[0].final == FIXED_SHELL


def test_verify_cmd_failure_reverts_the_repair(tmp_path: Path) -> None:
    (tmp_path / "tools.py").write_text(SHELL)
    check = tmp_path / "check.py"
    check.write_text("import sys\nsys.exit(0 if 'backup.tgz\", folder]' not in open('tools.py').read() else 3)\n")
    cmd = f"{sys.executable} check.py"
    report, _ = run(SHELL, ScriptedLlm([FIXED_SHELL]), rounds=1, root=tmp_path, verify_cmd=cmd)
    entry = entry_for(report, "B602")
    assert entry.status is Status.UNFIXED and "--verify-cmd failed (exit 3)" in entry.reason
    report, _ = run(SHELL, ScriptedLlm([FIXED_SHELL]), rounds=1, root=tmp_path, verify_cmd=f"{sys.executable} -c pass")
    assert entry_for(report, "B602").status is Status.FIXED


def test_files_repair_concurrently_without_mixing_results() -> None:
    texts = {f"f{i}.py": SHELL.replace("backup", f"backup{i}") for i in range(6)}
    answers = {p: t.replace(f'"tar czf backup{p[1]}.tgz %s" % folder, shell=True', f'["tar", "czf", "backup{p[1]}.tgz", folder]') for p, t in texts.items()}

    class PerFile(ScriptedLlm):
        def propose(self, *, path, source, findings, feedback=(), round=1, context=None, temperature=None):
            return Proposal(answers[path])

    loop = RepairLoop(engines=[BanditEngine()], root=Path("."), options=LoopOptions(concurrency=4, use_codemods=False),
                      llm=PerFile([]))
    sources = [SourceFile(p, t) for p, t in texts.items()]
    scan = loop.scan(sources)
    report = loop.repair(sources, scan, [f for f in scan.findings if f.rule_id == "B602"])
    assert len(report.fixed()) == 6
    assert {o.path: o.final for o in report.files} == answers


def test_codemod_fixing_one_of_two_findings_on_a_line_keeps_the_other_as_old() -> None:
    text = "import requests\n\n\ndef fetch(url):\n    return requests.get(url, verify=False)\n"
    loop = RepairLoop(engines=[BanditEngine()], root=Path("."))
    sources = [SourceFile("fetch.py", text)]
    scan = loop.scan(sources)
    assert {f.rule_id for f in scan.findings} == {"B501", "B113"}
    report = loop.repair(sources, scan)
    assert {e.finding.rule_id for e in report.fixed()} == {"B501", "B113"}
    assert report.files[0].final.endswith("requests.get(url, verify=True, timeout=30)\n")


def test_fixing_the_first_of_two_identical_lines_is_not_taken_for_the_second() -> None:
    text = (
        "from flask import Flask\n\napp = Flask(__name__)\n\n\ndef main():\n"
        "    app.run(debug=True)\n    app.run(debug=True)\n"
    )
    loop = RepairLoop(engines=[BanditEngine()], root=Path("."))
    sources = [SourceFile("app.py", text)]
    scan = loop.scan(sources)
    report = loop.repair(sources, scan)
    assert len(report.fixed()) == 2 and not report.unfixed()
    assert report.files[0].final.count("app.run(debug=False)") == 2


def test_a_codemod_adding_an_import_does_not_strand_the_next_finding() -> None:
    text = (
        "import yaml\n\nLIMITS = eval(\"{'travel': 2500}\")\n\n\ndef load(fh):\n"
        "    return yaml.load(fh, Loader=yaml.Loader)\n"
    )
    loop = RepairLoop(engines=[BanditEngine()], root=Path("."))
    sources = [SourceFile("config.py", text)]
    scan = loop.scan(sources)
    report = loop.repair(sources, scan)
    assert {e.finding.rule_id for e in report.fixed()} == {"B307", "B506"}
    final = report.files[0].final
    assert "import ast" in final and "yaml.safe_load(fh)" in final and "ast.literal_eval(" in final


def test_a_repair_using_a_name_it_never_imports_is_rejected() -> None:
    uses_shlex = SHELL.replace('"tar czf backup.tgz %s" % folder, shell=True', 'shlex.split("tar czf backup.tgz " + folder)')
    report, _ = run(SHELL, ScriptedLlm([uses_shlex]), rounds=1)
    assert "uses `shlex` without importing" in entry_for(report, "B602").reason
    imported = uses_shlex.replace("import subprocess", "import shlex\nimport subprocess")
    report, _ = run(SHELL, ScriptedLlm([imported]), rounds=1)
    assert entry_for(report, "B602").status is Status.FIXED


def test_twin_findings_keep_their_identity_when_fingerprints_shift() -> None:
    text = (
        "import yaml\n\n\ndef load(a, b):\n"
        "    first = yaml.load(a, Loader=yaml.Loader)\n"
        "    second = yaml.load(a, Loader=yaml.Loader)\n"
        "    return first, second, b\n"
    )
    loop = RepairLoop(engines=[BanditEngine()], root=Path("."))
    sources = [SourceFile("twins.py", text)]
    scan = loop.scan(sources)
    report = loop.repair(sources, scan)
    fixed = sorted(report.fixed(), key=lambda e: e.finding.start_line)
    assert [e.finding.start_line for e in fixed] == [5, 6]
    assert "-    first = yaml.load" in fixed[0].repair.diff
    assert "-    second = yaml.load" in fixed[1].repair.diff
    assert report.files[0].final.count("yaml.safe_load(a)") == 2


def test_a_batch_engine_finding_fixed_on_the_way_is_credited_to_the_repair(tmp_path: Path) -> None:
    slow = SlowBandit()  # reports what Bandit reports, judged once per round
    loop = RepairLoop(engines=[BanditEngine(), slow], root=tmp_path)
    text = "import yaml\n\n\ndef load(a):\n    return yaml.load(a, Loader=yaml.Loader)\n"
    sources = [SourceFile("conf.py", text)]
    scan = loop.scan(sources)
    report = loop.repair(sources, scan)
    by_engine = {e.finding.engine: e for e in report.entries}
    assert by_engine["bandit"].status is Status.FIXED
    assert by_engine["slowbandit"].status is Status.FIXED
    assert by_engine["slowbandit"].repair.repairer == "codemod:yaml-safe-load"
    assert by_engine["bandit"].repair.verified_by == ("bandit", "slowbandit")


def test_a_repeated_rejected_answer_ends_the_attempt_and_the_retry_shows_the_rejected_change() -> None:
    still = SHELL.replace("shell=True)", "shell=True, cwd='/srv')")
    llm = ScriptedLlm([still, still, still, FIXED_SHELL])
    report, _ = run(SHELL, llm, rounds=3)
    entry = entry_for(report, "B602")
    # round 1 at the model's own sampling, round 2 warmer, its repeat re-sampled hotter once; then
    # round 3 is not asked: the model repeated itself
    assert [call["temperature"] for call in llm.calls] == [None, 0.7, 1.0]
    assert entry.status is Status.UNFIXED and "repeated an answer already rejected" in entry.reason
    note = llm.calls[1]["feedback"][0]
    assert note.startswith("Round 1: still reported by bandit: B602 at line 5")  # no internal prefix
    assert "```diff" in note and "+    subprocess.call(\"tar czf backup.tgz %s\" % folder, shell=True, cwd='/srv')" in note


def test_import_warnings_alone_get_no_llm_call() -> None:
    loop = RepairLoop(engines=[BanditEngine()], root=Path("."),
                      options=LoopOptions(max_iterations=2, use_codemods=False), llm=ScriptedLlm([]))
    text = "import pickle\nimport subprocess\n\n\ndef f():\n    return 1\n"
    sources = [SourceFile("imports.py", text)]
    scan = loop.scan(sources)
    report = loop.repair(sources, scan, scan.findings)
    assert {e.finding.rule_id for e in report.entries} == {"B403", "B404"}
    assert loop.llm.calls == []  # type: ignore[union-attr]
    assert all("import warning" in e.reason for e in report.entries)


def test_an_import_warning_left_after_its_usage_is_repaired_says_so() -> None:
    """Not the reason the model's earlier answers for the file got (they were about the shell)."""
    llm = ScriptedLlm([SHELL.replace("shell=True)", "shell=True, cwd='/srv')"), FIXED_SHELL])
    loop = RepairLoop(engines=[BanditEngine()], root=Path("."),
                      options=LoopOptions(max_iterations=2, use_codemods=False), llm=llm)
    sources = [SourceFile("tools.py", SHELL)]
    scan = loop.scan(sources)
    report = loop.repair(sources, scan, scan.findings)
    assert entry_for(report, "B602").status is Status.FIXED
    left = entry_for(report, "B404")
    assert left.status is Status.UNFIXED and left.reason.startswith("an import warning on its own")
    assert "B602" in llm.calls[0]["rules"] and "B404" in llm.calls[0]["rules"]  # it rode with its usage


def test_a_repeated_answer_is_re_sampled_once_and_a_new_one_judged() -> None:
    still = SHELL.replace("shell=True)", "shell=True, cwd='/srv')")
    llm = ScriptedLlm([still, still, FIXED_SHELL])
    report, _ = run(SHELL, llm, rounds=2)
    assert entry_for(report, "B602").status is Status.FIXED
    assert [call["round"] for call in llm.calls] == [1, 2, 2]


def test_a_codemod_fix_awaiting_the_batch_engines_is_not_sent_to_the_llm_in_the_same_round() -> None:
    """Semgrep and CodeQL judge once per round: a finding a codemod fixed is not asked of the model
    meanwhile, whose answer (here: the original code back) would sink the codemod's repair with it."""
    llm = ScriptedLlm([YAML, YAML, YAML])
    loop = RepairLoop(engines=[SlowBandit()], root=Path("."), options=LoopOptions(max_iterations=3), llm=llm)
    sources = [SourceFile("settings.py", YAML)]
    report = loop.repair(sources, loop.scan(sources))
    entry = entry_for(report, "B506")
    assert entry.status is Status.FIXED and entry.repair is not None
    assert entry.repair.repairer == "codemod:yaml-safe-load" and entry.repair.verified_by == ("slowbandit",)
    assert "yaml.safe_load(handle)" in report.files[0].final
    assert llm.calls == []
