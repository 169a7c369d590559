"""Text messages (SMS) to residents through GOV.UK Notify."""
