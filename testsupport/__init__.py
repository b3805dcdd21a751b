"""What the tests and the benchmarks share: fake AWS, moto's server, the proxy, call counting, stages, leaks.

A top-level package (not under tests/) so that bench/ can use it without
importing the test suite, and excluded from the Lambda zip (zappa_settings.json).
"""
