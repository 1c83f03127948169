"""Experiments behind the claims: sweeps and training runs returning plain measurements."""
