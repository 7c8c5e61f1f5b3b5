"""The dashboard: the director home, the agency view and the engagement overview. It lives in
the roadmap because it reads every app (the top of the import direction)."""
