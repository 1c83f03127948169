import sys

from ntkcheck.cli import main

sys.exit(main())
