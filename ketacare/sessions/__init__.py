"""Treatment sessions at the chair: from a checked-in appointment to a signed note."""
