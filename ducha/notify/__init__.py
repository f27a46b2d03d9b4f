"""Notifications: `send` writes a message to people; the inbox has it at once, the external
channels through the queue (`ducha worker`)."""
