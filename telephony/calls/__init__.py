"""Call records (CDR), live calls and the pure call-routing engine."""
