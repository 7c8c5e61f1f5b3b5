"""The rhythm of an engagement: meetings, reminders, agenda, outcomes, digest, calendar feed."""
