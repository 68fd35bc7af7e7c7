"""The pilot walkthrough: place or pick test orders and trace each one end to end."""
