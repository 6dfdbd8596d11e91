from __future__ import annotations

import sys

from inngest_sim.cli import main

sys.exit(main())
