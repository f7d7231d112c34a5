"""What monitor says to people, in German and English, kept apart from the code that
decides it: `language` (which language a person reads), `problems` (every mistake in
input a user can make: sources.yaml, the environment, a query, an option).

The sentences of mails are in `notify.words`, those of the command line in `cli.words`.
"""
