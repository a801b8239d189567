from __future__ import annotations

from vulnloop.main import main

raise SystemExit(main())
