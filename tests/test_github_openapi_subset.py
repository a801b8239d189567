"""The committed subset of GitHub's REST description that the fake server validates against."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SUBSET = REPO_ROOT / "tests" / "data" / "github_openapi_subset.json"


def _extractor():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("extract_openapi", REPO_ROOT / "scripts" / "extract_openapi.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_subset_is_a_valid_description_with_attribution_and_every_operation() -> None:
    from openapi_spec_validator import validate

    subset = json.loads(SUBSET.read_text(encoding="utf-8"))
    validate(subset)
    description = subset["info"]["description"]
    assert "@octokit/openapi" in description and "MIT" in description
    operations = {(path, method) for path, item in subset["paths"].items() for method in item if method != "parameters"}
    assert operations == set(_extractor().OPERATIONS)
    review_post = subset["paths"]["/repos/{owner}/{repo}/pulls/{pull_number}/reviews"]["post"]
    assert set(review_post["responses"]) >= {"200", "403", "422"}


def test_extractor_keeps_referenced_components_and_drops_prose() -> None:
    extractor = _extractor()
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/a": {"get": {"summary": "long prose", "responses": {"200": {"description": "ok", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/a"}}}}}}},
            "/unused": {"get": {"responses": {"200": {"description": "ok"}}}},
        },
        "components": {"schemas": {
            "a": {"type": "object", "description": "prose", "properties": {
                "description": {"type": "string"}, "b": {"$ref": "#/components/schemas/b"}}},
            "b": {"type": "integer", "example": 3},
            "unused": {"type": "string"},
        }},
    }
    out = extractor.extract(spec, [("/a", "get")], source="from a test")
    assert set(out["paths"]) == {"/a"}
    assert set(out["components"]["schemas"]) == {"a", "b"}
    assert "description" in out["components"]["schemas"]["a"]["properties"]  # a property, kept
    assert "description" not in out["components"]["schemas"]["a"]  # prose, dropped
    assert "example" not in out["components"]["schemas"]["b"]
    assert out["paths"]["/a"]["get"]["responses"]["200"]["description"] == "ok"  # required by OpenAPI
    assert out["info"]["description"] == "from a test"
