"""Packaging-time code: Zappa's prebuild step, the package guard, the IAM documents and host files."""
