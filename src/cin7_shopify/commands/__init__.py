"""One module per reporting command; cli.py only parses arguments and dispatches here."""
