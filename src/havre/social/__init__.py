"""Social: likes, comments, follows, shares."""
