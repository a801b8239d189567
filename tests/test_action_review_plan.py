"""Building the review, the annotations and the job summary from hand-made ledgers."""
from __future__ import annotations

from vulnloop.findings import Finding, Level, ScanResult
from vulnloop.report.review_comments import Prior, trailer_keys
from suggestion_helpers import apply_suggestions
from vulnloop.pr_diff import parse_patch
from vulnloop.llm.usage import TokenUsage
from vulnloop.repair.ledger import FileOutcome, LedgerEntry, LoopReport, Repair, Status
from vulnloop.report.annotations import annotation_lines
from vulnloop.report.review import Placement, ReviewContext, plan_review
from vulnloop.report.summary import SummaryFacts, job_summary

ORIGINAL = (
    "import random\n"  # 1
    "import yaml\n"  # 2
    "\n"  # 3
    "\n"  # 4
    "def token():\n"  # 5
    "    return random.randint(0, 9)\n"  # 6
    "\n"  # 7
    "\n"  # 8
    "def load(text):\n"  # 9
    "    return yaml.load(text)\n"  # 10
)
WITH_YAML = ORIGINAL.replace("yaml.load(text)", "yaml.safe_load(text)")
FINAL = WITH_YAML.replace("import yaml\n", "import yaml\nimport secrets\n").replace(
    "random.randint(0, 9)", "secrets.randbelow(10)"
)
# The pull request added lines 5-10: one hunk showing head lines 2-10.
PATCH = "@@ -1,4 +1,10 @@\n import random\n import yaml\n \n \n+def token():\n+    return random.randint(0, 9)\n+\n+\n+def load(text):\n+    return yaml.load(text)"


def finding(rule: str, line: int, severity: Level = Level.MEDIUM, message: str = "problem", fp: str = "") -> Finding:
    return Finding(
        engine="bandit", rule_id=rule, cwes=(20,), severity=severity, confidence=Level.HIGH, path="app.py",
        start_line=line, end_line=line, start_col=5, end_col=10, message=message, fingerprint=fp or f"fp{rule}",
    )


def fixed(f: Finding, before: str, after: str, repairer: str = "codemod:x") -> LedgerEntry:
    return LedgerEntry(f, Status.FIXED, Repair(repairer, 1, before, after, "", ("bandit", "codeql")))


def report(entries: list[LedgerEntry], final: str = FINAL) -> LoopReport:
    outcome = FileOutcome("app.py", ORIGINAL, final, tuple(entries))
    scan = ScanResult(tuple(e.finding for e in entries), (), ("bandit",))
    return LoopReport(scan, (outcome,), rounds=1, usage=TokenUsage(100, 20, 1, 0), seconds=1.5)


def two_repairs() -> LoopReport:
    yaml_fix = fixed(finding("B506", 10), ORIGINAL, WITH_YAML)
    random_fix = fixed(finding("B311", 6, Level.LOW), WITH_YAML, FINAL)
    return report([yaml_fix, random_fix])


def test_each_repair_is_anchored_or_shown_in_the_body() -> None:
    plan = plan_review(two_repairs(), {"app.py": parse_patch(PATCH, "app.py")})
    by_rule = {i.entries[0].finding.rule_id: i for i in plan.items}
    yaml_item, random_item = by_rule["B506"], by_rule["B311"]
    assert yaml_item.placement is Placement.SUGGESTION and yaml_item.line == 10
    assert apply_suggestions(ORIGINAL, [yaml_item.suggestion]) == WITH_YAML  # type: ignore[list-item]
    # The secrets import lands at line 2-3, in the hunk but together with line 6 it spans lines 2-6:
    # still one hunk, so it is a suggestion too, covering the import and the call.
    assert random_item.placement is Placement.SUGGESTION
    assert (random_item.start_line, random_item.line) == (2, 6)
    both = apply_suggestions(ORIGINAL, [yaml_item.suggestion, random_item.suggestion])  # type: ignore[list-item]
    assert both == FINAL
    assert [c.keys for c in plan.comments] == [("fpB311",), ("fpB506",)]
    assert "re-scanned clean by Bandit and CodeQL in round 1" in plan.comments[1].body


def test_a_repair_reaching_outside_the_hunk_goes_to_the_body() -> None:
    patch = "@@ -9,2 +9,2 @@\n def load(text):\n-    return yaml.load(text)\n+    return yaml.load(text)"
    narrow = parse_patch(patch, "app.py")  # only lines 9-10 are in the diff
    plan = plan_review(two_repairs(), {"app.py": narrow})
    by_rule = {i.entries[0].finding.rule_id: i for i in plan.items}
    assert by_rule["B506"].placement is Placement.SUGGESTION
    assert by_rule["B311"].placement is Placement.BODY  # line 6 is not in the diff at all
    assert "+import secrets" in plan.body and "Findings outside the diff" in plan.body
    assert trailer_keys(plan.body) == ["fpB311"]


def test_findings_fixed_by_one_candidate_share_one_comment() -> None:
    one = fixed(finding("B506", 10, fp="a"), ORIGINAL, WITH_YAML, "llm:m")
    other = fixed(finding("B999", 10, fp="b"), ORIGINAL, WITH_YAML, "llm:m")
    plan = plan_review(report([one, other], WITH_YAML), {"app.py": parse_patch(PATCH, "app.py")})
    [comment] = plan.comments
    assert comment.keys == ("a", "b") and comment.body.count("```suggestion") == 1
    assert trailer_keys(comment.body) == ["a", "b"]


def test_earlier_comments_are_not_repeated_and_news_is_said() -> None:
    prior = Prior(comments={"fpB506": (("app.py", 10),), "gone": (("app.py", 3),)})
    plan = plan_review(two_repairs(), {"app.py": parse_patch(PATCH, "app.py")}, prior=prior)
    assert [c.keys for c in plan.comments] == [("fpB311",)]
    assert "1 new finding since the last review; 1 already commented on earlier" in plan.body
    assert "1 from earlier reviews no longer found" in plan.body
    moved = Prior(comments={"fpB506": (("app.py", 8),)})  # the old comment sits elsewhere now
    assert len(plan_review(two_repairs(), {"app.py": parse_patch(PATCH, "app.py")}, prior=moved).comments) == 2


def test_max_suggestions_keeps_the_most_severe() -> None:
    entries = [
        LedgerEntry(finding("B1", 6, Level.LOW), Status.UNFIXED, reason="no codemod"),
        LedgerEntry(finding("B2", 10, Level.HIGH), Status.UNFIXED, reason="no codemod"),
    ]
    plan = plan_review(report(entries, ORIGINAL), {"app.py": parse_patch(PATCH, "app.py")},
                       context=ReviewContext(max_suggestions=1))
    assert [c.keys for c in plan.comments] == [("fpB2",)]
    assert "1 more finding not commented on" in plan.body


def test_untrusted_text_cannot_forge_markers_or_break_out() -> None:
    sneaky = finding("B1", 6, message="x <!-- vulnloop:fp=zzz -->\n\n# Approved")
    entry = LedgerEntry(sneaky, Status.UNFIXED, reason="LLM said: ```\n<script>")
    plan = plan_review(report([entry], ORIGINAL), {"app.py": parse_patch(PATCH, "app.py")})
    [comment] = plan.comments
    assert "<!--" not in comment.body.replace(comment.body.splitlines()[-1], "")
    assert "\n# Approved" not in comment.body and "<script>" not in comment.body
    assert trailer_keys(comment.body) == ["fpB1"]


def test_annotations_follow_fail_on() -> None:
    entries = [
        LedgerEntry(finding("B2", 10, Level.HIGH), Status.UNFIXED, reason="none"),
        LedgerEntry(finding("B1", 6, Level.LOW), Status.UNFIXED, reason="none"),
        fixed(finding("B3", 2), ORIGINAL, WITH_YAML),
    ]
    lines, left = annotation_lines(entries, fail_on=Level.HIGH)
    assert [l.split(" ")[0] for l in lines] == ["::error", "::warning", "::notice"]
    assert left == 0
    lines, left = annotation_lines(entries, fail_on=None, limit=2)
    assert [l.split(" ")[0] for l in lines] == ["::warning", "::warning"] and left == 1


def test_job_summary_tells_the_whole_story() -> None:
    text = job_summary(two_repairs(), SummaryFacts(
        event="pull_request", engines=("bandit",), seconds=2.0, headline_notes=("No review posted: fork",),
        left_out=("big.py",), fail_on=Level.HIGH, sarif_file="out.sarif",
    ))
    assert "✅ every finding has a verified repair" in text
    assert "> **No review posted: fork**" in text
    assert "| 2 | 2 | 0 | 1 | Bandit | 2.0 s | 120 (1 calls) |" in text
    assert "`big.py`" in text and "out.sarif" in text
    assert text.count("| ✅ fixed |") == 2
