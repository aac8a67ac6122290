"""A clinic's sites: one from the clinic's own address to begin with; the owner adds, edits
(with the version it was based on), deactivates and reactivates them; the last active site
stays active."""

from __future__ import annotations

from django.test import Client

from ketacare.accounts.models import Site
from ketacare.audit.models import AuditEvent
from tests.conftest import Cast, logged_in

BACK_BAY = {
    "name": "Back Bay",
    "address_line": "500 Boylston Street",
    "city": "Boston",
    "region": "MA",
    "postal_code": "02116",
    "country": "us",
    "time_zone": "America/New_York",
}


def _add(owner: Client, **changes: str) -> Site | None:
    response = owner.post("/clinic/sites/", {**BACK_BAY, **changes})
    if response.status_code != 302:
        return None
    assert response["Location"] == "/clinic/sites/"
    return Site.objects.get(clinic__slug="harbor", name=changes.get("name", "Back Bay"))


def test_a_clinic_starts_with_one_site_at_its_own_address(cast: Cast) -> None:
    site = Site.objects.get(clinic=cast.clinic)
    assert (site.name, site.city, site.region, site.time_zone, site.is_active) == (
        "Harbor Ketamine Clinic",
        "Boston",
        "MA",
        "America/New_York",
        True,
    )
    html = logged_in(cast.owner.user).get("/clinic/sites/").content.decode()
    assert f'<tr id="site-{site.pk}">' in html and "Boston, MA" in html


def test_an_owner_adds_a_site_and_the_addition_is_audited(cast: Cast) -> None:
    site = _add(logged_in(cast.owner.user))
    assert site is not None
    assert (site.address, site.country, site.version) == (
        "500 Boylston Street, Boston, MA 02116",
        "US",
        1,
    )
    event = AuditEvent.objects.filter(action="site.create").last()
    assert event is not None
    assert (event.actor_id, event.clinic_id, event.changes["name"]) == (
        cast.owner.user.pk,
        cast.clinic.pk,
        [None, "Back Bay"],
    )


def test_a_site_needs_a_name_of_its_own_and_a_real_time_zone(cast: Cast) -> None:
    owner = logged_in(cast.owner.user)
    assert _add(owner) is not None
    twice = owner.post("/clinic/sites/", {**BACK_BAY, "name": "back bay"})
    assert twice.status_code == 400
    assert "This clinic already has a site called &#x27;back bay&#x27;." in twice.content.decode()
    zone = owner.post("/clinic/sites/", {**BACK_BAY, "name": "Seaport", "time_zone": "Boston"})
    assert zone.status_code == 400
    assert (
        "&#x27;Boston&#x27; is not an IANA time zone name (e.g. America/New_York)."
        in zone.content.decode()
    )
    country = owner.post("/clinic/sites/", {**BACK_BAY, "name": "Seaport", "country": "1"})
    assert "Must be a two-letter country code (ISO 3166-1), e.g. US." in country.content.decode()
    assert Site.objects.filter(clinic=cast.clinic).count() == 2


def test_an_owner_edits_a_site_and_a_stale_edit_is_refused(cast: Cast) -> None:
    owner = logged_in(cast.owner.user)
    site = _add(owner)
    assert site is not None
    page = owner.get(f"/clinic/sites/{site.pk}/")
    assert page.status_code == 200 and 'value="500 Boylston Street"' in page.content.decode()
    edit = {**BACK_BAY, "address_line": "501 Boylston Street", "version": "1"}
    response = owner.post(f"/clinic/sites/{site.pk}/", edit)
    assert (response.status_code, response["Location"]) == (302, "/clinic/sites/")
    site.refresh_from_db()
    assert (site.address_line, site.version) == ("501 Boylston Street", 2)
    assert AuditEvent.objects.get(action="site.update").changes == {
        "address_line": ["500 Boylston Street", "501 Boylston Street"]
    }
    stale = owner.post(f"/clinic/sites/{site.pk}/", {**edit, "city": "Cambridge"})
    assert stale.status_code == 409
    assert Site.objects.get(pk=site.pk).city == "Boston"


def test_the_last_active_site_cannot_be_deactivated(cast: Cast) -> None:
    owner = logged_in(cast.owner.user)
    only = Site.objects.get(clinic=cast.clinic)
    response = owner.post(f"/clinic/sites/{only.pk}/deactivate/", {"version": "1"})
    assert response.status_code == 409
    assert (
        "Harbor Ketamine Clinic is the clinic&#x27;s only active site: add or reactivate "
        "another site first." in response.content.decode()
    )
    assert Site.objects.get(pk=only.pk).is_active is True


def test_with_two_sites_one_is_deactivated_and_reactivated(cast: Cast) -> None:
    owner = logged_in(cast.owner.user)
    site = _add(owner)
    assert site is not None
    off = owner.post(f"/clinic/sites/{site.pk}/deactivate/", {"version": "1"})
    assert (off.status_code, Site.objects.get(pk=site.pk).is_active) == (302, False)
    on = owner.post(f"/clinic/sites/{site.pk}/reactivate/", {"version": "2"})
    assert (on.status_code, Site.objects.get(pk=site.pk).is_active) == (302, True)
    assert list(
        AuditEvent.objects.filter(action__in=["site.deactivate", "site.reactivate"])
        .order_by("id")
        .values_list("action", "changes")
    ) == [
        ("site.deactivate", {"is_active": [True, False]}),
        ("site.reactivate", {"is_active": [False, True]}),
    ]


def test_another_clinics_site_is_not_found(cast: Cast) -> None:
    lakeside = Site.objects.get(clinic=cast.other_clinic)
    owner = logged_in(cast.owner.user)
    assert owner.get(f"/clinic/sites/{lakeside.pk}/").status_code == 404
    response = owner.post(f"/clinic/sites/{lakeside.pk}/", {**BACK_BAY, "version": "1"})
    assert response.status_code == 404
    assert Site.objects.get(pk=lakeside.pk).name == "Lakeside Clinic"
