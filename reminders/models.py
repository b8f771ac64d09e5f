# The models arrive with the reminders issue.
