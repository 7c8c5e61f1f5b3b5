"""How a Jira CSV export maps onto Tandem tickets. Columns are matched by header name, case
and surrounding spaces ignored; repeated columns (Jira writes one ``Labels`` column per label)
are all read.

- Summary → title (required).
- Issue key → external reference (required); a key already imported into this engagement is
  skipped and reported as unchanged.
- Issue Type → kind, by ``JIRA_ISSUE_TYPES``; any other type is a row error.
- Status → status, by ``JIRA_STATUSES``; any other status is a row error; empty → new. The
  status is kept only when the ticket meets Tandem's guards for it (a feature past analysis has
  its value and criteria, a bug past triage its reproduction details, a done ticket its QA
  verdict...): otherwise it lands in *triage*, and the dry run names the row and the reasons.
- Priority → severity of bugs, by ``JIRA_PRIORITIES``; any other priority is a row error.
- Description → description; Environment → environment.
- Reporter → reporter: the engagement member with that email (or that exact, unique name),
  else the importing person.
- Assignee → assignee: the member with that email (or name), else routing decides as usual.
- Created → created: ``12/Mar/24 10:15 AM``, ISO 8601 or day-first ``12/03/2024 10:15``, in
  the importing person's time zone when the text has none.
- Due Date → deadline (a date in the same formats).
- Resolved → when a ticket kept *done* was delivered (its history's move to done), in the same
  formats; without it, its Created time.
- Labels → labels: every ``Labels`` column.
- Story points (``Story Points``, ``Story point estimate``, or Jira's ``Custom field (…)`` of
  either) are not imported: Tandem estimates effort in person-days, which points do not
  convert to. The dry run says how many rows carry a number there, and names every row whose
  value is not a number (``XL``, ``?``), so that no value is dropped unseen.

Every other column (Issue id, Resolution, Updated, other custom fields...) is ignored.
"""

from __future__ import annotations

from backlog.models import Kind, Severity, Status

# Issue type (lower case) → kind.
JIRA_ISSUE_TYPES: dict[str, str] = {
    "story": Kind.FEATURE,
    "user story": Kind.FEATURE,
    "new feature": Kind.FEATURE,
    "feature": Kind.FEATURE,
    "epic": Kind.FEATURE,
    "improvement": Kind.IMPROVEMENT,
    "task": Kind.IMPROVEMENT,
    "sub-task": Kind.IMPROVEMENT,
    "subtask": Kind.IMPROVEMENT,
    "technical task": Kind.IMPROVEMENT,
    "bug": Kind.BUG,
    "defect": Kind.BUG,
    "incident": Kind.BUG,
    "security": Kind.SECURITY,
    "vulnerability": Kind.SECURITY,
    "security issue": Kind.SECURITY,
    "upgrade": Kind.PLATFORM_UPGRADE,
    "platform upgrade": Kind.PLATFORM_UPGRADE,
    "question": Kind.QUESTION,
    "support": Kind.QUESTION,
    "spike": Kind.QUESTION,
}

# Status (lower case) → status.
JIRA_STATUSES: dict[str, str] = {
    "to do": Status.NEW,
    "open": Status.NEW,
    "new": Status.NEW,
    "backlog": Status.NEW,
    "reopened": Status.NEW,
    "triage": Status.TRIAGE,
    "analysis": Status.ANALYSIS,
    "in analysis": Status.ANALYSIS,
    "selected for development": Status.READY,
    "ready": Status.READY,
    "ready for development": Status.READY,
    "in progress": Status.IN_PROGRESS,
    "in development": Status.IN_PROGRESS,
    "in review": Status.IN_REVIEW,
    "code review": Status.IN_REVIEW,
    "review": Status.IN_REVIEW,
    "qa": Status.QA,
    "in qa": Status.QA,
    "in test": Status.QA,
    "testing": Status.QA,
    "done": Status.DONE,
    "closed": Status.DONE,
    "resolved": Status.DONE,
    "on hold": Status.ON_HOLD,
    "blocked": Status.ON_HOLD,
    "won't do": Status.REJECTED,
    "won't fix": Status.REJECTED,
    "rejected": Status.REJECTED,
    "cancelled": Status.REJECTED,
    "canceled": Status.REJECTED,
}

# Priority (lower case) → severity, kept on bugs only.
JIRA_PRIORITIES: dict[str, str] = {
    "highest": Severity.CRITICAL,
    "blocker": Severity.CRITICAL,
    "critical": Severity.HIGH,
    "high": Severity.HIGH,
    "major": Severity.MEDIUM,
    "medium": Severity.MEDIUM,
    "low": Severity.LOW,
    "minor": Severity.LOW,
    "lowest": Severity.LOW,
    "trivial": Severity.LOW,
}

SUMMARY = "Summary"
ISSUE_KEY = "Issue key"
ISSUE_TYPE = "Issue Type"
STATUS = "Status"
PRIORITY = "Priority"
DESCRIPTION = "Description"
REPORTER = "Reporter"
ASSIGNEE = "Assignee"
CREATED = "Created"
DUE_DATE = "Due Date"
RESOLVED = "Resolved"
LABELS = "Labels"
ENVIRONMENT = "Environment"
REQUIRED_COLUMNS = (SUMMARY, ISSUE_KEY, ISSUE_TYPE)
# Company-managed projects export "Story Points", team-managed ones "Story point estimate".
STORY_POINTS = (
    "Story Points",
    "Story point estimate",
    "Custom field (Story Points)",
    "Custom field (Story point estimate)",
)
