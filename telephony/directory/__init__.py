"""Extensions, devices, phone numbers (DIDs)."""
