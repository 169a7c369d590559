"""Places: each council's boundary, which council a point is in, and sending a request to the right one."""
