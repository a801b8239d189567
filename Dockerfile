# The vulnloop GitHub Action: Python, Bandit, Semgrep CE with vulnloop's rules, matplotlib for the
# benchmark's chart and (unless built with WITH_CODEQL=false) the CodeQL bundle.
# Published as ghcr.io/<owner>/vulnloop by .github/workflows/release.yml; a fork can build its own
# (see the README).
FROM python:3.11.11-slim-bookworm

# The CodeQL bundle's licence allows use on open-source repositories on GitHub.com and for
# academic research only. Build with --build-arg WITH_CODEQL=false to leave it out.
ARG WITH_CODEQL=true
ARG CODEQL_VERSION=2.25.6
# sha256 of codeql-bundle-linux64.tar.gz as GitHub publishes it for the release asset; after
# changing CODEQL_VERSION, take the new one from:
#   gh api repos/github/codeql-action/releases/tags/codeql-bundle-v$CODEQL_VERSION \
#     --jq '.assets[] | select(.name == "codeql-bundle-linux64.tar.gz").digest'
ARG CODEQL_SHA256=55c5a760f8a98d882ce452f69c427116a034d91450c627bef717d4acd896632c

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CODEQL_DIST=/opt/codeql

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# Debian's archive drops superseded package versions, so exact apt pins would break the build;
# the pinned base image fixes the Debian release instead.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*

RUN if [ "${WITH_CODEQL}" = "true" ]; then \
        curl -fsSL --retry 3 -o /tmp/codeql-bundle.tar.gz \
            "https://github.com/github/codeql-action/releases/download/codeql-bundle-v${CODEQL_VERSION}/codeql-bundle-linux64.tar.gz" \
        && echo "${CODEQL_SHA256}  /tmp/codeql-bundle.tar.gz" | sha256sum --check --strict - \
        && tar -xzf /tmp/codeql-bundle.tar.gz -C /opt \
        && rm /tmp/codeql-bundle.tar.gz \
        && /opt/codeql/codeql version --format=terse; \
    fi

# Every Python package is pinned with its hashes (docker/*.txt, generated with pip-compile: see
# their headers). Semgrep lives in a venv of its own, as its pins clash with other tools'; only
# its launcher goes on PATH, where vulnloop finds it.
COPY docker/requirements.txt docker/semgrep-requirements.txt /opt/vulnloop/docker/
RUN python -m venv /opt/semgrep \
    && /opt/semgrep/bin/pip install --require-hashes -r /opt/vulnloop/docker/semgrep-requirements.txt \
    && /opt/semgrep/bin/pip check \
    && ln -s /opt/semgrep/bin/semgrep /usr/local/bin/semgrep \
    && semgrep --version

RUN pip install --require-hashes -r /opt/vulnloop/docker/requirements.txt

# The package itself, with its Semgrep rules as package data; nothing else may come in with it.
COPY pyproject.toml README.md /opt/vulnloop/
COPY src /opt/vulnloop/src
RUN pip install --no-deps /opt/vulnloop \
    && pip check \
    && git config --system --add safe.directory /github/workspace

ENTRYPOINT ["python", "-m", "vulnloop", "action"]
