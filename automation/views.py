"""Macros on the desk's ticket page (preview, then apply) and the rules' dry run."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tickets.desk.views._common import current_time, lead_required, staff_required, ticket_for
from tickets.models import Ticket
from tickets.policy import TicketError, parse_reference
from tickets.routing import pick_agent
from tickets.selectors import ticket_queue

from .forms import MacroForm, RuleForm
from .models import Macro, Rule
from .permissions import macro_scopes_for, manageable_macros_q
from .selectors import macros_for, rule_matches, rules_for, ticket_tag_names
from .services import macro_apply, macro_delete, macro_preview, macro_save, rule_delete, rule_save


@staff_required
def macro_review(request, pk: int, macro_id: int):
    ticket = ticket_for(request, pk)
    macro = get_object_or_404(macros_for(request.user), pk=macro_id)
    return render(
        request,
        "automation/macro_preview.html",
        {
            "ticket": ticket,
            "macro": macro,
            "lines": macro_preview(macro=macro, ticket=ticket, by=request.user),
        },
    )


@require_POST
@staff_required
def macro_apply_view(request, pk: int, macro_id: int):
    ticket = ticket_for(request, pk)
    macro = get_object_or_404(macros_for(request.user), pk=macro_id)
    try:
        macro_apply(macro=macro, ticket=ticket, by=request.user, now=current_time())
    except TicketError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Macro “%(name)s” applied to %(reference)s.")
            % {"name": macro.name, "reference": ticket.reference},
        )
    return redirect("desk:ticket_detail", pk=ticket.pk)


@lead_required
def rules_dry_run(request, pk: int):
    """Which rules would fire for this ticket at each event, now (nothing is changed)."""
    ticket = ticket_for(request, pk)
    now = current_time()
    tags = ticket_tag_names(ticket)
    rows = [
        (
            Rule.Event(event).label,
            event,
            [(rule, rule_matches(rule, ticket, now=now, tags=tags)) for rule in rules_for(event)],
        )
        for event in Rule.Event.values  # the events a rule can listen to (tickets sends more)
    ]
    # Who auto-assignment would hand it to now, and why (the same words its history would say).
    assignment = (
        pick_agent(ticket.team, now, ticket=ticket)
        if ticket.team_id is not None and ticket.assignee_id is None
        else None
    )
    return render(
        request, "automation/dry_run.html", {"ticket": ticket, "rows": rows, "assignment": assignment}
    )


# --- the desk's macro editor: everyone on staff for their own, leads for their teams', admins all --------


def _manageable(request, pk: int) -> Macro:
    """A macro this person may manage, else a 404 (whether it exists or they merely may use it)."""
    return get_object_or_404(Macro.objects.filter(manageable_macros_q(request.user)), pk=pk)


@staff_required
def macro_list(request):
    macros = (
        Macro.objects.filter(manageable_macros_q(request.user))
        .select_related("owner", "team", "set_priority", "set_team")
        .order_by("scope", "name", "pk")
    )
    return render(
        request,
        "automation/macro_list.html",
        {
            "macros": macros,
            "scopes": dict(Macro.Scope.choices),
            "scopes_mine": macro_scopes_for(request.user),
        },
    )


def _preview_ticket(request, ref: str):
    """The ticket to preview on: the one named (if visible), else the top of this person's queue."""
    ref = (ref or "").strip()
    visible = Ticket.objects.visible_to(request.user)
    if ref:
        number = parse_reference(ref)
        ticket = visible.filter(pk=number).first() if number is not None and number < 2**62 else None
        if ticket is None:
            raise TicketError(_("No ticket %(reference)s to preview on.") % {"reference": ref[:40]})
        return ticket
    ticket = ticket_queue(agent=request.user, now=current_time()).first()
    if ticket is None:
        raise TicketError(_("Name a ticket to preview on, e.g. HD-12."))
    return ticket


def _editor(request, macro: Macro | None):
    form = MacroForm(request.POST or None, instance=macro, user=request.user)
    preview, preview_error, ticket = None, "", None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            try:
                ticket = _preview_ticket(request, request.POST.get("preview_ticket", ""))
            except TicketError as exc:
                preview_error = str(exc)
            else:
                preview = macro_preview(macro=form.instance, ticket=ticket, by=request.user)
        else:
            try:
                saved = macro_save(macro=form.instance, by=request.user)
            except TicketError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Saved the macro “%(name)s”.") % {"name": saved.name})
                return redirect("automation:macro_list")
    status = 400 if request.method == "POST" and (form.errors or preview_error) else 200
    return render(
        request,
        "automation/macro_form.html",
        {
            "form": form,
            "macro": macro,
            "preview": preview,
            "preview_error": preview_error,
            "preview_on": ticket,
            "preview_ref": request.POST.get("preview_ticket", ""),
        },
        status=status,
    )


@staff_required
def macro_new(request):
    return _editor(request, None)


@staff_required
def macro_edit(request, pk: int):
    return _editor(request, _manageable(request, pk))


@require_POST
@staff_required
def macro_delete_view(request, pk: int):
    macro = _manageable(request, pk)
    try:
        macro_delete(macro=macro, by=request.user)
    except TicketError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Deleted the macro “%(name)s”.") % {"name": macro.name})
    return redirect("automation:macro_list")


# --- the desk's rule editor: team leads and admins (as in the admin) ------------------------------------


@lead_required
def rule_list(request):
    rules = Rule.objects.select_related(
        "organization", "plan", "priority", "set_priority", "set_team", "assign_to", "apply_macro"
    ).order_by("event", "position", "pk")
    return render(request, "automation/rule_list.html", {"rules": rules})


def _rule_editor(request, rule: Rule | None):
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            saved = rule_save(rule=form.instance, by=request.user)
        except TicketError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Saved the rule “%(name)s”.") % {"name": saved.name})
            return redirect("automation:rule_list")
    status = 400 if request.method == "POST" else 200
    return render(request, "automation/rule_form.html", {"form": form, "rule": rule}, status=status)


@lead_required
def rule_new(request):
    return _rule_editor(request, None)


@lead_required
def rule_edit(request, pk: int):
    return _rule_editor(request, get_object_or_404(Rule, pk=pk))


@require_POST
@lead_required
def rule_delete_view(request, pk: int):
    rule = get_object_or_404(Rule, pk=pk)
    rule_delete(rule=rule, by=request.user)
    messages.success(request, _("Deleted the rule “%(name)s”.") % {"name": rule.name})
    return redirect("automation:rule_list")
