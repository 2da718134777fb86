"""Macros and rules in the SLA file (``sla.config``): two more sections, so a desk's whole policy, from
targets to automation, moves between installs as one file.

    macros: [{name, scope (global | team), team, reply (public | internal), body, set_status, priority,
              priority_reason, assign_to_me, set_team, add_tags: [names], remove_tags: [names], active}]
    rules:  [{name, event, stop, active, when: {channel, organization (customer number), plan, priority,
              request_form, request_fields, words, has_tag, hours (inside | outside), calendar},
              then: {priority, team, assign_to (a technician's email), macro, add_tags: [names],
                     remove_tags: [names], notify: [emails], webhook_url}}]

Teams, organizations, request forms and people are not in the file: a reference to one that does not
exist here is a problem with its line. When present, ``macros`` replaces every global and team macro
(personal ones belong to people and are left alone) and ``rules`` replaces every rule, in file order.
"""

from __future__ import annotations

from accounts.models import Organization, Team, User
from sla.config.extensions import Known, Section, register_section
from sla.models import Calendar, PriorityLevel, SupportPlan
from tickets.models import Channel, RequestType
from tickets.policy import TicketError, tag_name

from .models import Macro, Rule, tag_list

MACRO_FIELDS = {
    "name",
    "scope",
    "team",
    "reply",
    "body",
    "set_status",
    "priority",
    "priority_reason",
    "assign_to_me",
    "set_team",
    "add_tags",
    "remove_tags",
    "active",
}
RULE_FIELDS = {"name", "event", "stop", "active", "when", "then"}
WHEN_FIELDS = {
    "channel",
    "organization",
    "plan",
    "priority",
    "request_form",
    "request_fields",
    "words",
    "has_tag",
    "hours",
    "calendar",
}
THEN_FIELDS = {"priority", "team", "assign_to", "macro", "add_tags", "remove_tags", "notify", "webhook_url"}
STATUSES = {"", "waiting", "resolved"}


def _team(c, obj, key, path, teams):
    name = c.text(obj, key, path)
    if name and name not in teams:
        c.error(obj.lines.get(key, obj.line), f"{path}.{key}", f"no team is called {name!r} here")
    return name or None


def _tags(c, obj, key, path) -> str:
    """A list of tag names (or one comma-separated string), spelled as tickets store them; stored
    comma-separated, as the models keep them."""
    raw = obj.get(key) if obj else None
    if raw in (None, "", []):
        return ""
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(t, str) for t in items):
        c.error(obj.lines.get(key, obj.line), f"{path}.{key}", "must be a list of tag names")
        return ""
    names = []
    for item in items:
        if item.strip():
            try:
                names.append(tag_name(item))
            except TicketError as exc:
                c.error(obj.lines.get(key, obj.line), f"{path}.{key}", str(exc))
    return ",".join(dict.fromkeys(names))


def _one_tag(c, obj, key, path) -> str:
    name = _tags(c, obj, key, path)
    if "," in name:
        c.error(obj.lines.get(key, obj.line), f"{path}.{key}", "names one tag")
        return ""
    return name


def _known(c, obj, key, path, known, what):
    value = c.text(obj, key, path)
    if value and value not in known:
        c.error(obj.lines.get(key, obj.line), f"{path}.{key}", f"no {what} {value!r} in the file or here")
    return value or None


def check_macros(c, data, known: Known):
    if data.get("macros") is None:
        return None
    teams = set(Team.objects.values_list("name", flat=True))
    out, names = [], set()
    for i, line, item in c.seq(data, "macros"):
        path = f"macros[{i}]"
        if c.fields(item, line, path, MACRO_FIELDS, {"name"}) is None:
            continue
        name = c.text(item, "name", path)
        if name in names:
            c.error(item.lines.get("name", line), f"{path}.name", "is used by another macro")
        names.add(name)
        scope = item.get("scope", "global")
        if scope not in ("global", "team"):
            c.error(
                item.lines.get("scope", line),
                f"{path}.scope",
                "must be global or team (personal macros stay with their owner)",
            )
        reply = item.get("reply", "") or ""
        if reply not in ("", "public", "internal"):
            c.error(item.lines.get("reply", line), f"{path}.reply", "must be public or internal")
        status = item.get("set_status", "") or ""
        if status not in STATUSES:
            c.error(item.lines.get("set_status", line), f"{path}.set_status", "must be waiting or resolved")
        row = dict(
            name=name,
            scope=scope,
            team=_team(c, item, "team", path, teams),
            reply=reply,
            body=c.text(item, "body", path),
            set_status=status,
            priority=_known(c, item, "priority", path, known.priorities, "priority"),
            priority_reason=c.text(item, "priority_reason", path),
            assign_to_me=c.boolean(item, "assign_to_me", path),
            set_team=_team(c, item, "set_team", path, teams),
            add_tags=_tags(c, item, "add_tags", path),
            remove_tags=_tags(c, item, "remove_tags", path),
            active=c.boolean(item, "active", path, default=True),
        )
        if row["scope"] == "team" and not row["team"]:
            c.error(line, f"{path}.team", "a team macro names its team")
        if row["priority"] and not row["priority_reason"]:
            c.error(line, f"{path}.priority_reason", "a macro that changes the priority gives the reason")
        out.append(row)
    return out


def check_rules(c, data, known: Known):
    if data.get("rules") is None:
        return None
    teams = set(Team.objects.values_list("name", flat=True))
    customers = set(Organization.objects.values_list("customer_number", flat=True))
    forms = set(RequestType.objects.values_list("slug", flat=True))
    staff = {
        e.lower() for e in User.objects.filter(is_staff=True, is_active=True).values_list("email", flat=True)
    }
    macros = {m["name"] for m in (data.get("macros") or []) if isinstance(m, dict) and m.get("name")} | set(
        Macro.objects.exclude(scope=Macro.Scope.PERSONAL).values_list("name", flat=True)
    )
    out = []
    for i, line, item in c.seq(data, "rules"):
        path = f"rules[{i}]"
        if c.fields(item, line, path, RULE_FIELDS, {"name", "event"}) is None:
            continue
        when = (
            c.fields(item.get("when") or {}, item.lines.get("when", line), f"{path}.when", WHEN_FIELDS) or {}
        )
        then = (
            c.fields(item.get("then") or {}, item.lines.get("then", line), f"{path}.then", THEN_FIELDS) or {}
        )
        wpath, tpath = f"{path}.when", f"{path}.then"
        channel = (when.get("channel") or "") if isinstance(when, dict) else ""
        if channel and channel not in Channel.values:
            c.error(line, f"{wpath}.channel", f"must be one of {', '.join(Channel.values)}")
        hours = when.get("hours") or ""
        if hours not in ("", "inside", "outside"):
            c.error(line, f"{wpath}.hours", "must be inside or outside")
        fields = when.get("request_fields") or {}
        if not isinstance(fields, dict):
            c.error(line, f"{wpath}.request_fields", "must be a mapping of field name to value")
            fields = {}
        assign = (c.text(then, "assign_to", tpath) or "").lower() if then else ""
        if assign and assign not in staff:
            c.error(line, f"{tpath}.assign_to", f"no active technician {assign!r} here")
        notify = then.get("notify") or [] if then else []
        if not isinstance(notify, list) or not all(isinstance(a, str) and "@" in a for a in notify):
            c.error(line, f"{tpath}.notify", "must be a list of email addresses")
            notify = []
        out.append(
            dict(
                name=c.text(item, "name", path),
                event=c.choice(item, "event", path, Rule.Event),
                stop=c.boolean(item, "stop", path),
                active=c.boolean(item, "active", path, default=True),
                channel=channel,
                organization=_known(c, when, "organization", wpath, customers, "organization")
                if when
                else None,
                plan=_known(c, when, "plan", wpath, known.plans, "plan") if when else None,
                priority=_known(c, when, "priority", wpath, known.priorities, "priority") if when else None,
                request_form=_known(c, when, "request_form", wpath, forms, "request form") if when else None,
                request_fields=dict(fields),
                words=c.text(when, "words", wpath) if when else "",
                has_tag=_one_tag(c, when, "has_tag", wpath) if when else "",
                hours=hours,
                calendar=_known(c, when, "calendar", wpath, known.calendars, "calendar") if when else None,
                set_priority=_known(c, then, "priority", tpath, known.priorities, "priority")
                if then
                else None,
                set_team=_team(c, then, "team", tpath, teams) if then else None,
                assign_to=assign or None,
                macro=_known(c, then, "macro", tpath, macros, "macro") if then else None,
                add_tags=_tags(c, then, "add_tags", tpath) if then else "",
                remove_tags=_tags(c, then, "remove_tags", tpath) if then else "",
                notify=list(notify),
                webhook_url=c.url(then, "webhook_url", tpath) if then else "",
            )
        )
    return out


def apply_macros(rows) -> None:
    Macro.objects.exclude(scope=Macro.Scope.PERSONAL).delete()
    teams = {t.name: t for t in Team.objects.all()}
    levels = {p.slug: p for p in PriorityLevel.objects.all()}
    for row in rows:
        Macro.objects.create(
            name=row["name"],
            scope=row["scope"],
            team=teams.get(row["team"]),
            reply=row["reply"],
            body=row["body"],
            set_status=row["set_status"],
            set_priority=levels.get(row["priority"]),
            priority_reason=row["priority_reason"],
            assign_to_me=bool(row["assign_to_me"]),
            set_team=teams.get(row["set_team"]),
            add_tags=row["add_tags"],
            remove_tags=row["remove_tags"],
            active=bool(row["active"]),
        )


def apply_rules(rows) -> None:
    Rule.objects.all().delete()
    teams = {t.name: t for t in Team.objects.all()}
    levels = {p.slug: p for p in PriorityLevel.objects.all()}
    plans = {p.slug: p for p in SupportPlan.objects.all()}
    calendars = {cal.name: cal for cal in Calendar.objects.all()}
    macros = {m.name: m for m in Macro.objects.exclude(scope=Macro.Scope.PERSONAL)}
    for position, row in enumerate(rows, start=1):
        Rule.objects.create(
            name=row["name"],
            event=row["event"],
            position=position,
            stop=bool(row["stop"]),
            active=bool(row["active"]),
            channel=row["channel"],
            organization=Organization.objects.filter(customer_number=row["organization"]).first()
            if row["organization"]
            else None,
            plan=plans.get(row["plan"]),
            priority=levels.get(row["priority"]),
            request_type=RequestType.objects.filter(slug=row["request_form"]).first()
            if row["request_form"]
            else None,
            request_fields=row["request_fields"],
            words=row["words"],
            has_tag=row["has_tag"],
            hours=row["hours"],
            calendar=calendars.get(row["calendar"]),
            set_priority=levels.get(row["set_priority"]),
            set_team=teams.get(row["set_team"]),
            assign_to=User.objects.filter(email__iexact=row["assign_to"]).first()
            if row["assign_to"]
            else None,
            apply_macro=macros.get(row["macro"]),
            add_tags=row["add_tags"],
            remove_tags=row["remove_tags"],
            notify_emails=row["notify"],
            webhook_url=row["webhook_url"],
        )


def _drop_empty(d: dict) -> dict:
    return {k: v for k, v in d.items() if v not in (None, "", [], {}, False) or k in ("name",)}


def export_macros():
    out = []
    for m in Macro.objects.exclude(scope=Macro.Scope.PERSONAL).select_related(
        "team", "set_priority", "set_team"
    ):
        row = _drop_empty(
            dict(
                name=m.name,
                scope=m.scope if m.scope != "global" else None,
                team=m.team.name if m.team else None,
                reply=m.reply,
                body=m.body,
                set_status=m.set_status,
                priority=m.set_priority.slug if m.set_priority else None,
                priority_reason=m.priority_reason,
                assign_to_me=m.assign_to_me,
                set_team=m.set_team.name if m.set_team else None,
                add_tags=tag_list(m.add_tags),
                remove_tags=tag_list(m.remove_tags),
            )
        )
        if not m.active:
            row["active"] = False
        out.append(row)
    return out


def export_rules():
    out = []
    related = (
        "organization",
        "plan",
        "priority",
        "request_type",
        "calendar",
        "set_priority",
        "set_team",
        "assign_to",
        "apply_macro",
    )
    for r in Rule.objects.select_related(*related).order_by("position", "pk"):
        when = _drop_empty(
            dict(
                channel=r.channel,
                organization=r.organization.customer_number if r.organization else None,
                plan=r.plan.slug if r.plan else None,
                priority=r.priority.slug if r.priority else None,
                request_form=r.request_type.slug if r.request_type else None,
                request_fields=r.request_fields,
                words=r.words,
                has_tag=r.has_tag,
                hours=r.hours,
                calendar=r.calendar.name if r.calendar else None,
            )
        )
        then = _drop_empty(
            dict(
                priority=r.set_priority.slug if r.set_priority else None,
                team=r.set_team.name if r.set_team else None,
                assign_to=r.assign_to.email if r.assign_to else None,
                macro=r.apply_macro.name if r.apply_macro else None,
                add_tags=tag_list(r.add_tags),
                remove_tags=tag_list(r.remove_tags),
                notify=r.notify_emails,
                webhook_url=r.webhook_url,
            )
        )
        row = {"name": r.name, "event": r.event, **({"stop": True} if r.stop else {})}
        if not r.active:
            row["active"] = False
        row.update({k: v for k, v in (("when", when), ("then", then)) if v})
        out.append(row)
    return out


def register() -> None:
    register_section(Section("macros", check_macros, apply_macros, export_macros))
    register_section(Section("rules", check_rules, apply_rules, export_rules))
