"""The languages staff answer tickets in (``User.languages``, what auto-assignment by language matches):
each member of staff sets theirs on the profile page, admins in the admin; only ``settings.LANGUAGES``'
codes are accepted, by every channel."""

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from accounts import services
from accounts.models import Team, User

pytestmark = pytest.mark.django_db

PROFILE = "/accounts/profile/"


def _profile(**extra):
    return {"full_name": "Taylor Tech", "phone": "", "language": "", "time_zone": "", **extra}


def test_staff_tick_the_languages_they_speak_on_the_profile_page(client, tech):
    client.force_login(tech)
    page = client.get(PROFILE).content.decode()
    assert 'name="languages" value="de"' in page and 'name="languages" value="fr"' in page
    response = client.post(PROFILE, _profile(languages=["de", "en-gb"]))
    assert response.status_code == 302
    tech.refresh_from_db()
    assert tech.languages == ["de", "en-gb"]
    client.post(PROFILE, _profile())  # ticking none clears them
    tech.refresh_from_db()
    assert tech.languages == []


def test_an_unknown_or_repeated_language_code_is_a_form_error_not_a_500(client, tech):
    client.force_login(tech)
    response = client.post(PROFILE, _profile(languages=["de", "xx"]))
    assert response.status_code == 200
    assert response.context["form"].errors["languages"]
    response = client.post(PROFILE, _profile(languages=["de", "de"]))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["Each language once."]
    tech.refresh_from_db()
    assert tech.languages == []


def test_a_customer_is_not_offered_languages_and_cannot_post_them(client, customer):
    client.force_login(customer)
    assert 'name="languages"' not in client.get(PROFILE).content.decode()
    assert client.post(PROFILE, _profile(full_name="Casey", languages=["de"])).status_code == 302
    customer.refresh_from_db()
    assert customer.languages == [] and customer.full_name == "Casey"


def test_the_service_refuses_unknown_codes_repeats_and_customers_whoever_calls_it(tech, customer):
    base = {"full_name": "T", "phone": "", "language": "", "time_zone": ""}
    for bad in (["klingon"], ["de", "de"], "de"):
        with pytest.raises(services.AccountError):
            services.profile_update(user=tech, languages=bad, **base)
    with pytest.raises(services.AccountError):
        services.profile_update(user=customer, languages=["de"], **base)
    tech.refresh_from_db()
    customer.refresh_from_db()
    assert tech.languages == [] and customer.languages == []
    services.profile_update(user=tech, languages=["fr"], **base)
    tech.refresh_from_db()
    assert tech.languages == ["fr"]


def _admin_form(admin_user, obj, **data):
    request = RequestFactory().get("/")
    request.user = admin_user
    model_admin = site._registry[type(obj)]
    form_class = model_admin.get_form(request, obj, change=True)
    initial = form_class(instance=obj).initial
    values = {**{k: v for k, v in initial.items() if v is not None}, **data}
    values.pop("password", None)
    if "date_joined" in values:
        values["date_joined_0"] = obj.date_joined.strftime("%Y-%m-%d")
        values["date_joined_1"] = obj.date_joined.strftime("%H:%M:%S")
    return form_class(data=values, instance=obj)


def test_an_admin_sets_a_technicians_languages_with_boxes_and_unknown_codes_are_refused(admin_user, tech):
    form = _admin_form(admin_user, tech, languages=["xx"])
    assert not form.is_valid() and "languages" in form.errors
    form = _admin_form(admin_user, tech, languages=["de", "de"])  # the model's validator: each once
    assert not form.is_valid() and form.errors["languages"] == ["Each language once."]
    form = _admin_form(admin_user, tech, languages=["de"])
    assert form.is_valid(), form.errors
    form.save()
    tech.refresh_from_db()
    assert tech.languages == ["de"]


def test_an_admin_turns_on_matching_the_customers_language_for_a_team(admin_user, tech):
    team = Team.objects.create(name="Voice", auto_assign=Team.AutoAssign.ROUND_ROBIN)
    form = _admin_form(admin_user, team, members=[tech.pk], match_language=True)
    assert form.is_valid(), form.errors
    form.save()
    team.refresh_from_db()
    assert team.match_language is True
    assert User.objects.get(pk=tech.pk).teams.get() == team
