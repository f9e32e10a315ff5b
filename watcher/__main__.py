import sys

from watcher.cli.main import main

sys.exit(main())
