"""The access policy: who may do what (kernel). Filled in by the policy work; empty until then."""
