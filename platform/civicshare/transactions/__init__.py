"""The shared transaction record: every resident interaction with a council, in that council's schema."""
