"""What a codemod's output does when it runs: our own small programs, repaired and then run, so
that a repair Bandit accepts is also one that works (no code under review runs here)."""
from __future__ import annotations

import pytest
from codemod_helpers import scan

from vulnloop.repair.codemods import load


def _repaired(module: str, rule_id: str, source: str) -> str:
    finding = next(f for f in scan(source) if f.rule_id == rule_id)
    repaired = load(module).apply(source, finding)
    assert repaired is not None
    assert not [f for f in scan(repaired) if f.rule_id == rule_id]
    return repaired


JINJA_PAGE = """\
import jinja2

env = jinja2.Environment(loader=jinja2.DictLoader(TEMPLATES))
"""


@pytest.mark.parametrize("template", ["page.html", "page.html.j2", "mail.jinja", "report.txt"])
def test_jinja2_repair_escapes_every_template_name(template: str) -> None:
    pytest.importorskip("jinja2")
    repaired = _repaired("jinja2_autoescape", "B701", JINJA_PAGE)
    namespace: dict[str, object] = {"TEMPLATES": {template: "<p>{{ name }}</p>"}}
    exec(compile(repaired, "page.py", "exec"), namespace)  # noqa: S102 - our own fixture
    env = namespace["env"]
    rendered = env.get_template(template).render(name="<script>alert(1)</script>")  # type: ignore[attr-defined]
    assert rendered == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
