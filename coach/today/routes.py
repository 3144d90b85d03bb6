"""The Today page: what is due, for whom, by when."""

from flask_login import current_user

from coach.agency import agency_today
from coach.audit.services import audit_views
from coach.clients.services import staff_member
from coach.jobdev.services import week_count, weekly_target
from coach.today import bp
from coach.today import services as st
from coach.web import int_arg, render


@bp.route("/")
def today():
    """A coach's items due and overdue, most urgent first; a supervisor's grouped by
    coach with each coach's overdue count (`?coach=` for one coach's)."""
    when = st.now_for_rules()
    coach_id = int_arg("coach") if current_user.sees_all_caseloads else None
    groups = page = None
    if current_user.sees_all_caseloads:
        groups, page = st.team_groups(current_user, when, coach_id, int_arg("page", 1))
        items = [item for group in groups for item in group.items]
    else:
        items = st.item_rows(current_user, when, st.COACH_LIST)
    audit_views("client", (item.client_id for item in items))  # items tell about people
    return render(
        "today/today.html",
        items=items,
        groups=groups,
        page=page,
        overdue=sum(g.overdue for g in groups) if groups else sum(i.overdue for i in items),
        coach=staff_member(coach_id),
        week=week_count(current_user, agency_today(), weekly_target()),  # job development
    )
