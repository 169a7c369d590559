"""Rate limits per client address and per council: GCRA in each worker's memory (`limits`), declared
per route (`middleware.rate_limited`)."""
