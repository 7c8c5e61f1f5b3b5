"""The rhythm's pages (see ``collab.rhythm.urls``), one module per part: meetings (the list, the
meeting page, answers, moves, cancelling, marking held, minutes), the agenda, outcomes (with the
notes and the decision log), action items, and the person's inbox, notification settings and
private calendar feed; ``meeting_page`` builds the meeting page and its agenda fragment, and
``common`` holds what they share.

Views are wiring: they authorise at the top through ``roles.policy`` (another engagement's
meeting answers 404, a forbidden action 403) and the meeting role table of ``roles.rhythm``,
parse a form, call one rhythm selector or service, and render or redirect. A service's refusal
(a meeting held, hence frozen; stale notes) answers 409 with its reason on the page; htmx
requests get the agenda fragment back, with the reason in it.
"""
