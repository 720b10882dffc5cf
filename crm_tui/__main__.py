"""`python -m crm_tui` runs the command line."""

from crm_tui.cli import main

main()
