"""Extract the few GitHub REST operations vulnloop uses from GitHub's official OpenAPI description.

The tests' fake GitHub server checks every request and response against this subset. To refresh it::

    cd "$(mktemp -d)" && npm pack @octokit/openapi && tar xzf octokit-openapi-*.tgz
    python scripts/extract_openapi.py package/generated/api.github.com.json \
        --package-json package/package.json -o tests/data/github_openapi_subset.json

Only the listed operations and the components they reference (transitively) are kept; long prose
(descriptions, examples) is dropped to keep the file small. The schemas themselves are unchanged.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Iterable, Sequence

# (path, method) pairs the action calls through PyGithub.
OPERATIONS: tuple[tuple[str, str], ...] = (
    ("/repos/{owner}/{repo}/pulls/{pull_number}", "get"),
    ("/repos/{owner}/{repo}/pulls/{pull_number}/files", "get"),
    ("/repos/{owner}/{repo}/pulls/{pull_number}/comments", "get"),
    ("/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "get"),
    ("/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "post"),
    ("/repos/{owner}/{repo}/pulls/{pull_number}/reviews/{review_id}", "delete"),
    ("/repos/{owner}/{repo}/contents/{path}", "get"),
    ("/user", "get"),  # who the token belongs to: its earlier comments are ours
)

# Keys that hold prose or samples, never validation rules.
_DROP_KEYS = {"description", "summary", "examples", "example", "externalDocs", "x-github", "x-octokit"}


def _strip(node: Any, *, in_properties: bool = False) -> Any:
    """Drop prose keys, except where a key is a property name (a schema may define 'description')."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if not in_properties and key in _DROP_KEYS:
                continue
            out[key] = _strip(value, in_properties=(key == "properties" and not in_properties))
        return out
    if isinstance(node, list):
        return [_strip(item) for item in node]
    return node


def _refs(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(spec: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        raise ValueError(f"only local references are supported: {ref}")
    node: Any = spec
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def extract(
    spec: dict[str, Any],
    operations: Sequence[tuple[str, str]] = OPERATIONS,
    *,
    source: str = "",
) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, method in operations:
        item = spec["paths"][path]
        kept = paths.setdefault(path, {k: v for k, v in item.items() if k == "parameters"})
        kept[method] = item[method]
    out: dict[str, Any] = {
        "openapi": spec["openapi"],
        "info": {
            "title": "GitHub REST API: the operations vulnloop uses",
            "version": spec["info"].get("version", "unknown"),
            "license": spec["info"].get("license", {"name": "MIT"}),
            "description": source,
        },
        "servers": spec.get("servers", []),
        "paths": paths,
        "components": {},
    }
    pending = list(_refs(paths))
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, section, name = ref.split("/", 3)
        target = _resolve(spec, ref)
        out["components"].setdefault(section, {})[name] = target
        pending.extend(_refs(target))
    out["components"] = {k: dict(sorted(v.items())) for k, v in sorted(out["components"].items())}
    stripped: dict[str, Any] = {**_strip(out), "info": out["info"]}
    _restore_response_descriptions(stripped, out)
    return stripped


def _restore_response_descriptions(stripped: dict[str, Any], original: dict[str, Any]) -> None:
    """OpenAPI requires a description on every Response object: put those few back."""

    def restore(kept: dict[str, Any], full: dict[str, Any]) -> None:
        for key, response in kept.items():
            if isinstance(response, dict) and "$ref" not in response:
                response["description"] = full[key].get("description", "")

    for path, item in stripped["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                restore(operation["responses"], original["paths"][path][method]["responses"])
    restore(stripped["components"].get("responses", {}), original["components"].get("responses", {}))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("description", type=Path, help="generated/api.github.com.json of @octokit/openapi")
    parser.add_argument("--package-json", type=Path, help="the npm package's package.json (for the attribution)")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    spec = json.loads(args.description.read_text(encoding="utf-8"))
    version = spec["info"].get("version", "unknown")
    if args.package_json:
        version = json.loads(args.package_json.read_text(encoding="utf-8")).get("version", version)
    source = (
        f"A subset of GitHub's official REST API description (github/rest-api-description), as "
        f"published in the npm package @octokit/openapi {version}, file generated/api.github.com.json. "
        "MIT License, Copyright (c) 2020 Octokit contributors and GitHub, Inc. Extracted with "
        "scripts/extract_openapi.py: only the operations vulnloop calls and the components they "
        "reference; prose and examples removed, schemas unchanged."
    )
    subset = extract(spec, source=source)
    args.output.write_text(json.dumps(subset, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {args.output}: {len(subset['paths'])} paths, "
          f"{sum(len(v) for v in subset['components'].values())} components", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
