"""`python -m fakescope.server ...` is the `fakescope` command."""
import sys

from .cli import main

sys.exit(main())
