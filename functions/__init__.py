"""Lambda entry points: thin adapters from AWS triggers to the code that does the work."""
