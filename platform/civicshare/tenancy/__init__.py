"""Councils as tenants: the control-plane directory, definitions, provisioning and resolution."""
