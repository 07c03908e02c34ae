"""Foundations the rest of the package stands on, knowing nothing of the language or the API:
numbers read from untrusted text (`numbers`) and sizes written for people (`sizes`)."""
