"""Casework: how a council's officers work its requests (who has a request, internal notes) and the
council's record of what each officer did."""
