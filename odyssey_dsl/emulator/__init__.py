"""`ody emulator`: a local, faithful Odyssey Simulate API that leaves real recordings on disk."""
