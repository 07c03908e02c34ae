"""Foundations the rest of the package stands on, knowing nothing of the language or the API:
output written without ever replacing what is not a regular file (`files`), SQLite writes
shared by threads and processes (`transactions`), numbers read from untrusted text
(`numbers`), sizes written for people (`sizes`), which hosts are this machine (`network`), input read
up to a limit (`reads`), what a folder holds, for completion (`listing`), and the content hash
of requests and scripts (`digests`)."""
