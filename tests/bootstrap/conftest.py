"""The bootstrap's tests share tests/conftest.py's fake account, stage environment and clock."""
