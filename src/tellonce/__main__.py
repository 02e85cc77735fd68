import sys

from tellonce.entrypoints.cli import main

sys.exit(main())
