"""Residents' personal data at each council: retention and erasure, subject access, erasure on request,
and the privacy notice built from the modules' declarations."""
