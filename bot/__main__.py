"""`python -m bot` runs the `verbatim` command."""

import sys

from .cli import main

sys.exit(main())
