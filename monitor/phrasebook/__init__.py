"""What monitor says to people, in German and English, kept apart from the code that
decides it: `language` (which language a person reads), `problems` (every mistake in
input a user can make: sources.yaml, the environment, an option), `query_syntax` (how a
query fails to parse), `explanation` (how `monitor query` explains a match),
`diagnostics` and `said` (what reading a page notices, as text that can say itself in
German).

The sentences of mails are in `notify.words`, those of the command line in `cli.words`.
"""
