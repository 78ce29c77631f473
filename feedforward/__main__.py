"""``python -m feedforward``: the ``feedforward`` command."""

from feedforward.cli import main

raise SystemExit(main())
