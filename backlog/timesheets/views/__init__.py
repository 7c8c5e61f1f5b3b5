"""The time pages: a person's weekly timesheet, the team's week the project manager approves,
the list of entries (what the client may see of it), one entry with its history, and the
ticket page's time card (quick add, timer, logged against estimated).

Each view authorises at the top through roles.policy (another engagement answers 404), then
calls one selector or service.
"""
