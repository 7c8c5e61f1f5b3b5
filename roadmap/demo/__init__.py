"""The steps of ``manage.py seed_demo`` beyond the agency, its people and their roles: tickets,
strategy and roadmap, meetings, reviews. Each step is idempotent (keyed on titles, slugs,
external references or dates) and writes through the services of its app."""
