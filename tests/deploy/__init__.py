"""End to end without AWS: Zappa's package, handler and deploy against moto's server."""
