"""Benchmarks, run by ``make bench``. Each module's ``run()`` returns lines to report."""
