from __future__ import annotations

from vulnloop.main import main

if __name__ == "__main__":  # run, never merely imported (e.g. by a spawned worker process)
    raise SystemExit(main())
