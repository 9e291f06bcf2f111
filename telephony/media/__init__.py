"""Music on hold, ring tones and announcements: upload, check, convert, store, play."""
