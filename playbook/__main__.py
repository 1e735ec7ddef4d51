import sys

from playbook.run.cli import main

sys.exit(main())
