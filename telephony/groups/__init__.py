"""Hunt groups: members, the five distribution strategies, no-answer rules."""
