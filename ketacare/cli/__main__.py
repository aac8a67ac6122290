"""``python -m ketacare.cli``: the same as the installed ``ketacare`` command."""

import sys

from ketacare.cli import main

sys.exit(main())
