from __future__ import annotations

import sys

from l2l.cli import main

main(sys.argv[1:])
