"""The billing export (supervisors and admins): preview a funder's month, export it as a
batch, download a batch's CSV or XLSX again, reopen a batch."""

from flask import Response, flash, request, send_file, stream_with_context, url_for
from flask_login import current_user

from coach.audit.services import audit_views, record_event
from coach.billing import batches as bb
from coach.billing import bp
from coach.billing.export_file import csv_file, xlsx_file
from coach.billing.forms import BillingExportForm
from coach.extensions import db
from coach.forms import ActionForm, options
from coach.web import form_view, redirect_to, render, roles_required

SUPERVISORS = ("supervisor", "admin")


def plural(count: int) -> str:
    return "" if count == 1 else "s"


def _form(*args, **kwargs) -> BillingExportForm:
    form = BillingExportForm(*args, **kwargs)
    form.funder_id.choices = options([(0, "Pick the funder"), *bb.funder_options()])
    return form


def _page(form: BillingExportForm, show_preview: bool):
    """The Billing page: the month's preview for the funder picked, and past batches."""
    preview, funder, first = None, None, None
    if show_preview:
        first = form.month_start
        funder = next(c.label for c in form.funder_id.choices if c.value == form.funder_id.data)
        preview = bb.preview(current_user, form.funder_id.data, first)
        audit_views("client", (row[0] for row in preview.clients))
    batches = bb.recent_batches(current_user)
    return render(
        "billing/export.html",
        form=form,
        funder=funder,
        first=first,
        preview=preview,
        batches=batches,
    )


@bp.route("/export", methods=["GET", "POST"])
@roles_required(*SUPERVISORS)
@form_view
def export():
    """Choose a funder and month, see what the export holds, and export it as a batch."""
    if request.method == "GET":  # the preview: a plain GET form, its errors by its fields
        form = _form(request.args or None, meta={"csrf": False})
        if not request.args:
            form.month.data = f"{bb.default_month():%Y-%m}"
        return _page(form, bool(request.args) and form.validate())
    form = _form()
    if not form.validate_on_submit():
        return _page(form, False)
    first, funder_id = form.month_start, form.funder_id.data
    batch, billed = bb.create_batch(current_user, funder_id, first, form.idempotency_key.data)
    back = url_for("billing.export", funder_id=funder_id, month=f"{first:%Y-%m}")
    if batch is None:
        flash("Nothing to export: no approved, billable visit of this month is left.", "error")
    elif billed:
        record_event("export", "billing_batch", batch.id, f"{billed} visit{plural(billed)} billed")
        db.session.commit()
        flash(f"Batch {batch.id} exported: {billed} visit{plural(billed)} billed.", "success")
    return redirect_to(back + f"#batch-{batch.id}" if batch else back)


def _download(batch_id: int, fmt: str):
    batch = bb.get_batch_for(current_user, batch_id, with_file=True)
    record_event("export", "billing_batch", batch.id, f"download {fmt}")
    db.session.commit()
    return batch


@bp.route("/batches/<int:batch_id>.csv")
@roles_required(*SUPERVISORS)
def batch_csv(batch_id: int):
    """The batch's CSV: the same bytes every time."""
    batch = _download(batch_id, "csv")
    disposition = {"Content-Disposition": f'attachment; filename="{batch.file_stem}.csv"'}
    body = stream_with_context(csv_file(bb.kept_rows(batch)))
    return Response(body, mimetype="text/csv", headers=disposition)


@bp.route("/batches/<int:batch_id>.xlsx")
@roles_required(*SUPERVISORS)
def batch_xlsx(batch_id: int):
    """The batch's workbook, written from the same kept rows as its CSV."""
    batch = _download(batch_id, "xlsx")
    title = f"{batch.funder.name}, {batch.month_label}, batch {batch.id}"
    book = xlsx_file(bb.kept_rows(batch), title)
    return send_file(book, as_attachment=True, download_name=f"{batch.file_stem}.xlsx")


@bp.route("/batches/<int:batch_id>/reopen", methods=["POST"])
@roles_required(*SUPERVISORS)
def reopen_batch(batch_id: int):
    """Release a batch's visits to be billed again; the batch keeps its file."""
    batch = bb.get_batch_for(current_user, batch_id)
    if ActionForm().validate_on_submit() and batch.reopened_at is None:
        released = bb.reopen_batch(current_user, batch)
        what = f"{released} visit{plural(released)}"
        record_event("reopen", "billing_batch", batch.id, f"{what} released")
        db.session.commit()
        flash(f"Batch {batch.id} reopened: {what} can be exported again.", "success")
    month = f"{batch.month_start:%Y-%m}"
    return redirect_to(url_for("billing.export", funder_id=batch.funder_id, month=month))
