"""The reminders API: contacts, preferences, consent and verification (/api/v1/reminders/)."""
