"""What a pull-request review says: one comment per finding (with a committable suggestion when the
verified repair fits inside one diff hunk), and a body with the totals and everything that could
not be anchored. Pure: ledger and diffs in, text out; ``github/reviews.py`` posts it.
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass, replace
from typing import Iterable, Mapping, Sequence

from vulnloop.cwe import lookup
from vulnloop.findings import Finding
from vulnloop.report.review_comments import REVIEW_MARKER, Demoted, Prior, ReviewComment, trailer
from vulnloop.pr_diff import Change, FileDiff, Suggestion, changes, suggestion_for, unified_hunks
from vulnloop.repair.ledger import FileOutcome, LedgerEntry, LoopReport, Status
from vulnloop.report.guidance import advice
from vulnloop.report.why import why_it_matters_text

ENGINE_TITLES = {"bandit": "Bandit", "codeql": "CodeQL", "semgrep": "Semgrep"}
_FENCE = re.compile(r"`{3,}")


class Placement(str, enum.Enum):
    SUGGESTION = "suggestion"  # a line comment with a committable suggestion
    COMMENT = "comment"  # a line comment without one (unfixed, or the repair reaches outside the diff)
    BODY = "body"  # in the review body only: no line of the diff to sit on
    EXISTING = "existing"  # an earlier review already says this at this place
    OVERFLOW = "overflow"  # beyond max_suggestions


@dataclass(frozen=True)
class ReviewContext:
    engines: tuple[str, ...] = ()
    rounds: int = 0
    tokens: int = 0
    llm_calls: int = 0
    seconds: float = 0.0
    notes: tuple[str, ...] = ()
    headline: tuple[str, ...] = ()  # run-level notes said first, e.g. the LLM turned off mid-run
    left_out: tuple[str, ...] = ()
    max_suggestions: int = 60


@dataclass(frozen=True)
class Item:
    """One finding, or several fixed by the same change, and where the review puts them."""

    path: str
    entries: tuple[LedgerEntry, ...]
    placement: Placement
    line: int | None = None
    start_line: int | None = None
    suggestion: Suggestion | None = None
    body_diff: str = ""  # the repair as a diff, when it cannot be a suggestion
    why_no_suggestion: str = ""

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(e.finding.fingerprint for e in self.entries)

    @property
    def fixed(self) -> bool:
        return all(e.status is Status.FIXED for e in self.entries)

    @property
    def severity(self) -> int:
        return max(int(e.finding.severity) for e in self.entries)


@dataclass(frozen=True)
class ReviewPlan:
    body: str
    comments: tuple[ReviewComment, ...]
    items: tuple[Item, ...]
    resolved: int = 0

    @property
    def has_news(self) -> bool:
        return any(i.placement in (Placement.SUGGESTION, Placement.COMMENT, Placement.BODY) for i in self.items)


# -- text helpers --------------------------------------------------------------------------------


def inline(text: str, limit: int = 500) -> str:
    """Untrusted text for one Markdown line: no HTML (so no forged markers), no line breaks."""
    flat = " ".join(str(text).split())
    flat = flat.replace("<", "&lt;").replace(">", "&gt;")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def fenced(text: str, info: str = "") -> str:
    longest = max((len(run) for run in _FENCE.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text.rstrip()}\n{fence}"


def engine_title(name: str) -> str:
    return ENGINE_TITLES.get(name, name)


def joined(names: Iterable[str]) -> str:
    items = [engine_title(n) for n in names]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def repairer_text(repairer: str) -> str:
    kind, _, name = repairer.partition(":")
    if kind == "codemod":
        return f"the `{inline(name, 80)}` codemod"
    if kind == "llm":
        return f"the LLM (`{inline(name, 80)}`)"
    return f"`{inline(repairer, 80)}`"


def finding_heading(finding: Finding) -> str:
    rule = f"`{inline(finding.rule_id, 80)}`"
    if finding.help_url.startswith("https://"):
        rule = f"[{rule}]({finding.help_url})"
    # Bandit's test names ("blacklist") say little; CodeQL's and Semgrep's rule names are phrases.
    name = inline(finding.rule_name, 120) if " " in finding.rule_name.strip() else ""
    parts = [f"**{name}** ({engine_title(finding.engine)} {rule})" if name else f"**{engine_title(finding.engine)}** {rule}"]
    if finding.cwe:
        entry = lookup(finding.cwe)
        parts.append(f"[CWE-{entry.id}: {inline(entry.name, 120)}]({entry.url})")
    parts.append(f"severity **{finding.severity}**")
    return " · ".join(parts)


def why_it_matters(finding: Finding) -> str:
    reason = why_it_matters_text(finding)
    return f"**Why it matters:** {inline(reason, 600)}" if reason else ""


def status_text(entry: LedgerEntry) -> str:
    if entry.status is Status.FIXED and entry.repair is not None:
        verified = joined(entry.repair.verified_by) or "the scanners"
        return (
            f"**Fixed** by {repairer_text(entry.repair.repairer)}: re-scanned clean by {verified} "
            f"in round {entry.repair.round}."
        )
    return f"**Not fixed:** {inline(entry.reason or 'no verified repair', 700)}"


def advice_text(entry: LedgerEntry) -> list[str]:
    """What the repair did and what to check before committing it, as review paragraphs."""
    if entry.status is not Status.FIXED or entry.repair is None:
        return []
    told = advice(entry.repair)
    parts = [f"**⚠️ {inline(note, 600)}**" for note in told.notes]
    if told.summary:
        parts.append(
            f"**What it does:** {inline(told.summary, 300)}. "
            f"**Check before committing:** {inline(told.guidance, 900)}"
        )
    return parts


def comment_body(item: Item) -> str:
    parts: list[str] = []
    for entry in item.entries:
        finding = entry.finding
        parts.append(finding_heading(finding))
        parts.append(inline(finding.message, 700))
        why = why_it_matters(finding)
        if why:
            parts.append(why)
        parts.append(status_text(entry))
        parts.extend(advice_text(entry))
    if item.suggestion is not None:
        parts.append("Commit the suggestion to apply the verified repair:")
        parts.append(item.suggestion.block())
    elif item.fixed and item.why_no_suggestion:
        parts.append(f"_No one-click suggestion: {item.why_no_suggestion} The whole repair is in the review body._")
    parts.append(trailer(item.keys))
    return "\n\n".join(parts)


# -- grouping repairs and anchoring them ---------------------------------------------------------


def _overlaps(block: Change, finding: Finding) -> bool:
    if block.is_insertion:  # between lines start-1 and start
        return finding.start_line - 1 <= block.start - 1 and block.start <= finding.end_line + 1
    return block.start <= finding.end_line and finding.start_line <= block.end


class _Groups:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def group_repairs(outcome: FileOutcome, fixed: Sequence[LedgerEntry]) -> list[tuple[list[LedgerEntry], list[Change]]]:
    """Fixed findings of one file grouped by the change blocks (original -> final) they need.

    A block belongs to the findings whose lines it touches; a block elsewhere (an import at the
    top) to the findings whose own repair made that same change; findings fixed by one candidate
    share a group, so one suggestion never half-applies a repair.
    """
    blocks = changes(outcome.original, outcome.final)
    groups = _Groups(len(fixed))
    owners: list[list[int]] = []
    own_blocks: dict[int, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
    for i, entry in enumerate(fixed):
        repair = entry.repair
        own_blocks[i] = [(b.old, b.new) for b in changes(repair.before, repair.after)] if repair else []
    for block in blocks:
        hits = [i for i, e in enumerate(fixed) if _overlaps(block, e.finding)]
        if not hits:
            hits = [i for i in range(len(fixed)) if (block.old, block.new) in own_blocks[i]]
        if not hits:
            hits = list(range(len(fixed)))
        owners.append(hits)
        for other in hits[1:]:
            groups.union(hits[0], other)
    by_repair: dict[tuple[str, str], int] = {}
    for i, entry in enumerate(fixed):
        if entry.repair is not None:
            key = (entry.repair.before, entry.repair.after)
            if key in by_repair:
                groups.union(i, by_repair[key])
            else:
                by_repair[key] = i
    members: dict[int, list[int]] = {}
    for i in range(len(fixed)):
        members.setdefault(groups.find(i), []).append(i)
    result: list[tuple[list[LedgerEntry], list[Change]]] = []
    for root, indices in members.items():
        group_blocks = [b for b, hits in zip(blocks, owners) if hits and groups.find(hits[0]) == root]
        result.append(([fixed[i] for i in indices], group_blocks))
    return result


def _anchor(diff: FileDiff | None, finding: Finding) -> tuple[int | None, int] | None:
    """(start_line or None, line) for a comment on the finding, or None when no line is in the diff."""
    if diff is None:
        return None
    start, end = finding.start_line, max(finding.end_line, finding.start_line)
    if start < end and diff.can_anchor(start, end):
        return start, end
    for line in (start, end):
        if diff.hunk_showing(line) is not None:
            return None, line
    return None


def place_file(outcome: FileOutcome, diff: FileDiff | None) -> list[Item]:
    """Where each finding of one file goes, before looking at earlier reviews or limits."""
    items: list[Item] = []
    fixed = [e for e in outcome.entries if e.status is Status.FIXED and e.repair is not None]
    for entries, blocks in group_repairs(outcome, fixed):
        entries.sort(key=lambda e: e.finding.sort_key())
        suggestion = suggestion_for(outcome.path, outcome.original, blocks)
        if suggestion is not None and diff is not None and diff.can_anchor(suggestion.start_line, suggestion.end_line):
            start = suggestion.start_line if suggestion.start_line < suggestion.end_line else None
            items.append(Item(outcome.path, tuple(entries), Placement.SUGGESTION, suggestion.end_line, start, suggestion))
            continue
        if diff is None:
            why = "GitHub gave no diff for this file."
        elif suggestion is None:
            why = "the repair has no lines to sit on."
        else:
            outside = [n for n in range(suggestion.start_line, suggestion.end_line + 1) if diff.hunk_showing(n) is None]
            where = f"line {outside[0]}" if outside else f"lines {suggestion.start_line}-{suggestion.end_line}"
            why = f"it also changes the file at {where}, outside this pull request's diff hunk."
        body_diff = unified_hunks(outcome.path, outcome.original, outcome.final, blocks)
        anchor = _anchor(diff, entries[0].finding)
        placement = Placement.COMMENT if anchor else Placement.BODY
        start_line, line = anchor if anchor else (None, None)
        items.append(Item(outcome.path, tuple(entries), placement, line, start_line, None, body_diff, why))
    for entry in outcome.entries:
        if entry.status is Status.FIXED and entry.repair is not None:
            continue
        anchor = _anchor(diff, entry.finding)
        placement = Placement.COMMENT if anchor else Placement.BODY
        start_line, line = anchor if anchor else (None, None)
        items.append(Item(outcome.path, (entry,), placement, line, start_line))
    return items


# -- the plan ----------------------------------------------------------------------------------


def plan_review(
    report: LoopReport,
    diffs: Mapping[str, FileDiff | None],
    *,
    prior: Prior = Prior(),
    context: ReviewContext = ReviewContext(),
) -> ReviewPlan:
    items: list[Item] = []
    for outcome in report.files:
        items.extend(place_file(outcome, diffs.get(outcome.path)))
    marked: list[Item] = []
    for item in items:
        if item.placement in (Placement.SUGGESTION, Placement.COMMENT):
            assert item.line is not None
            seen = all(prior.commented(k, item.path, item.line) for k in item.keys)
        else:
            seen = all(prior.mentioned(k) for k in item.keys)
        marked.append(_with(item, Placement.EXISTING) if seen and item.keys else item)
    commentable = [i for i in marked if i.placement in (Placement.SUGGESTION, Placement.COMMENT)]
    commentable.sort(key=lambda i: (-i.severity, not i.fixed, i.path, i.line or 0))
    overflow = {id(i) for i in commentable[context.max_suggestions :]}
    final = [(_with(i, Placement.OVERFLOW) if id(i) in overflow else i) for i in marked]
    final.sort(key=lambda i: (i.path, i.line or (i.entries[0].finding.start_line), i.keys))
    comments = tuple(
        ReviewComment(i.keys, i.path, i.line, i.start_line, comment_body(i))
        for i in final
        if i.placement in (Placement.SUGGESTION, Placement.COMMENT) and i.line is not None
    )
    current = {k for i in final for k in i.keys}
    resolved = len(prior.keys - current)
    plan = ReviewPlan("", comments, tuple(final), resolved)
    return ReviewPlan(render_body(plan, report, context), comments, tuple(final), resolved)


def _with(item: Item, placement: Placement) -> Item:
    return replace(item, placement=placement)


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def render_body(plan: ReviewPlan, report: LoopReport, context: ReviewContext) -> str:
    items = plan.items
    entries = [e for i in items for e in i.entries]
    fixed = sum(1 for e in entries if e.status is Status.FIXED)
    unfixed = len(entries) - fixed
    new = [i for i in items if i.placement is not Placement.EXISTING]
    new_findings = sum(len(i.entries) for i in new)
    lines = [REVIEW_MARKER, f"### vulnloop: {_plural(len(entries), 'finding')} in this pull request's changes"]
    lines.append("")
    for note in context.headline:
        lines.extend([f"> **{inline(note, 600)}**", ""])
    lines.append(
        f"**{fixed} fixed** (each repair re-scanned clean before it is suggested) · **{unfixed} unfixed** · "
        f"{_plural(context.rounds, 'round')} · engines: {joined(context.engines) or 'none'} · "
        f"LLM: {context.tokens} tokens in {_plural(context.llm_calls, 'call')} · {context.seconds:.1f} s"
    )
    existing = len(entries) - new_findings
    if existing or plan.resolved:
        news = [f"{_plural(new_findings, 'new finding')} since the last review"]
        if existing:
            news.append(f"{existing} already commented on earlier (not repeated)")
        if plan.resolved:
            news.append(f"{plan.resolved} from earlier reviews no longer found")
        lines.extend(["", "; ".join(news) + "."])
    for note in context.notes:
        lines.extend(["", f"> {inline(note, 600)}"])
    if context.left_out:
        shown = ", ".join(f"`{inline(p, 120)}`" for p in context.left_out[:20])
        more = f" and {len(context.left_out) - 20} more" if len(context.left_out) > 20 else ""
        lines.extend(["", f"Not scanned (over `max_files`): {shown}{more}."])
    unanchored = [i for i in items if i.body_diff and i.placement in (Placement.COMMENT, Placement.BODY)]
    if unanchored:
        lines.extend(["", "#### Repairs that cannot be one-click suggestions", ""])
        for item in unanchored:
            rules = ", ".join(f"`{inline(e.finding.rule_id, 60)}`" for e in item.entries)
            first = item.entries[0].finding
            lines.append(
                f"<details><summary><code>{inline(item.path, 200)}:{first.start_line}</code> {rules}: "
                f"{inline(item.why_no_suggestion, 300)}</summary>"
            )
            lines.extend(["", fenced(item.body_diff, "diff"), ""])
            for entry in item.entries:
                lines.extend(f"{part}\n" for part in advice_text(entry))
            lines.extend(["</details>", ""])
    body_only = [i for i in items if i.placement is Placement.BODY]
    if body_only:
        lines.extend(["", "#### Findings outside the diff", ""])
        for item in body_only:
            for entry in item.entries:
                lines.append(_finding_line(entry))
    overflow = [i for i in items if i.placement is Placement.OVERFLOW]
    if overflow:
        count = sum(len(i.entries) for i in overflow)
        lines.extend(
            ["", f"{_plural(count, 'more finding')} not commented on (over `max_suggestions`): see the job summary."]
        )
    keys = [k for i in body_only for k in i.keys]
    lines.extend(["", trailer(keys) if keys else ""])
    return "\n".join(lines).rstrip() + "\n"


def _finding_line(entry: LedgerEntry) -> str:
    f = entry.finding
    cwe = f" CWE-{f.cwe}" if f.cwe else ""
    state = "fixed" if entry.status is Status.FIXED else "unfixed"
    return f"- `{inline(f.path, 200)}:{f.start_line}` `{inline(f.rule_id, 60)}`{cwe} ({f.severity}, {state}): {inline(f.message, 300)}"


def continuation_body(part: int, total: int) -> str:
    return f"{REVIEW_MARKER}\nvulnloop review, part {part} of {total}: more findings of this run.\n"


def demoted_text(demoted: Sequence[Demoted]) -> str:
    """Comments GitHub would not take at their lines, for the review body."""
    lines = ["#### Comments GitHub did not accept at their lines", ""]
    for item in demoted:
        comment = item.comment
        where = f"{comment.path}:{comment.start_line}-{comment.line}" if comment.start_line else f"{comment.path}:{comment.line}"
        body = "\n".join(l for l in comment.body.splitlines() if not l.startswith("<!-- vulnloop:"))
        body = re.sub(r"(?m)^(`{3,})suggestion$", r"\1python", body)
        lines.append(f"<details><summary><code>{inline(where, 200)}</code> ({inline(item.reason, 200)})</summary>")
        lines.extend(["", body.strip(), "", "</details>", ""])
    return "\n".join(lines)


@dataclass(frozen=True)
class PlanCounts:
    comments: int = 0
    suggestions: int = 0
    body: int = 0
    existing: int = 0
    overflow: int = 0


def count_items(items: Sequence[Item]) -> PlanCounts:
    def n(p: Placement) -> int:
        return sum(len(i.entries) for i in items if i.placement is p)

    return PlanCounts(
        comments=n(Placement.COMMENT) + n(Placement.SUGGESTION),
        suggestions=n(Placement.SUGGESTION),
        body=n(Placement.BODY),
        existing=n(Placement.EXISTING),
        overflow=n(Placement.OVERFLOW),
    )
