import sys

from ledger_client.cli import main

sys.exit(main())
