"""`python -m saikoku.cli` runs the command line."""

import sys

from saikoku.cli.main import main

sys.exit(main())
