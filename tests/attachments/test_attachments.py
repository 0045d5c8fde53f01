"""Attachments: stored through the storage API, downloaded only by who sees the record, limited
in size and type, deleted softly and on record."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ltc.attachments import services
from ltc.attachments.models import Attachment
from ltc.core.errors import InvalidInput, NotAllowed

from ..conftest import ROLES
from ..contracts.steps import NOW

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

# Who sees rep1's team 1 deal (AR rep1, SR solution, FR delivery) and so its contract, orders,
# units and their files: the triangle, the team's manager, finance, admin and integrations.
SEES_THE_DEAL = {"admin", "manager", "rep1", "solution", "delivery", "finance", "integration"}


def pdf(name="certificate.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def upload(subject, by, **kwargs):
    kwargs.setdefault("upload", pdf())
    return services.upload_attachment(subject=subject, by=by, **kwargs)


def test_an_upload_records_the_uploader_time_size_and_type_and_stores_the_file(org, unit, frozen):
    attachment = upload(unit, org.delivery)
    assert attachment.uploaded_by == org.delivery
    assert attachment.uploaded_at == NOW
    assert attachment.kind == "acceptance_certificate"  # a unit's default kind
    assert (attachment.size, attachment.mime_type, attachment.version) == (
        len(PDF),
        "application/pdf",
        1,
    )
    # The stored name is random: the user's file name never becomes a storage path.
    assert "certificate" not in attachment.file.name
    with attachment.file.open("rb") as handle:
        assert handle.read() == PDF


def test_the_same_file_name_on_the_same_record_makes_a_new_version(org, contract):
    first = upload(contract, org.rep1, upload=pdf("signed.pdf"))
    second = upload(contract, org.rep1, upload=pdf("signed.pdf"))
    other = upload(contract, org.rep1, upload=pdf("annex.pdf"))
    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert first.kind == "signed_contract"
    assert Attachment.objects.of(contract).live().count() == 3


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("virus.exe", b"MZ\x90\x00", "not accepted"),
        ("fake.pdf", b"MZ\x90\x00 not a pdf", "not a .pdf"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_a_refused_type_names_the_file_field(org, unit, name, content, message):
    with pytest.raises(InvalidInput) as refused:
        upload(unit, org.delivery, upload=SimpleUploadedFile(name, content))
    assert refused.value.field == "file"
    assert message in str(refused.value)
    assert not Attachment.objects.exists()


def test_a_file_over_the_size_limit_is_refused(org, unit, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(InvalidInput) as refused:
        upload(unit, org.delivery, upload=pdf(content=PDF + b"x" * 2000))
    assert refused.value.field == "file"


def test_a_kind_that_does_not_belong_to_the_record_is_refused(org, unit):
    with pytest.raises(InvalidInput) as refused:
        upload(unit, org.delivery, kind="signed_contract")
    assert refused.value.field == "kind"


def test_deleting_is_a_recorded_soft_delete(org, unit, frozen):
    attachment = upload(unit, org.delivery)
    services.delete_attachment(attachment=attachment, by=org.delivery)
    attachment.refresh_from_db()
    assert attachment.deleted_by == org.delivery and attachment.deleted_at is not None
    assert attachment.file.storage.exists(attachment.file.name)  # the file is kept
    assert not Attachment.objects.of(unit).live().exists()


@pytest.mark.parametrize(
    "name, allowed",
    [("delivery", True), ("manager", True), ("admin", True), ("rep1", False), ("solution", False)],
)
def test_only_the_uploader_their_manager_or_an_admin_may_delete(org, unit, name, allowed):
    attachment = upload(unit, org.delivery)
    if allowed:
        services.delete_attachment(attachment=attachment, by=org.user(name))
        assert Attachment.objects.get(pk=attachment.pk).deleted_at is not None
    else:
        with pytest.raises(NotAllowed):
            services.delete_attachment(attachment=attachment, by=org.user(name))


# Through the API and the pages: role × action -------------------------------------------------
@pytest.mark.parametrize("name", ROLES)
def test_api_upload_list_and_download_follow_the_records_scope(api, org, unit, name):
    stored = upload(unit, org.delivery)
    client = api(name)
    visible = name in SEES_THE_DEAL
    listed = client.get("/api/v1/attachments/")
    assert listed.status_code == 200
    assert (stored.pk in [row["id"] for row in listed.json()["results"]]) is visible
    detail = client.get(f"/api/v1/attachments/{stored.pk}/download/")
    assert detail.status_code == (200 if visible else 404)
    if visible:
        assert b"".join(detail.streaming_content) == PDF
        assert detail["Content-Disposition"].startswith("attachment;")
    created = client.post(
        "/api/v1/attachments/",
        {"subject_type": "delivery.deliveryunit", "subject_id": unit.pk, "file": pdf()},
        format="multipart",
    )
    assert created.status_code == (201 if visible else 404), created.content
    if visible:
        assert created.json()["uploaded_by"] == org.user(name).pk
        assert created.json()["version"] == 2


@pytest.mark.parametrize("name", ROLES)
def test_page_download_answers_404_to_who_does_not_see_the_record(browser_as, org, unit, name):
    stored = upload(unit, org.delivery)
    response = browser_as(name).get(reverse("attachments:download", args=[stored.pk]))
    assert response.status_code == (200 if name in SEES_THE_DEAL else 404)
    panel = browser_as(name).get(
        reverse("attachments:panel", args=["delivery.deliveryunit", unit.pk])
    )
    assert panel.status_code == (200 if name in SEES_THE_DEAL else 404)


def test_api_refuses_a_bad_type_with_400_naming_the_file(api, org, unit):
    response = api("delivery").post(
        "/api/v1/attachments/",
        {
            "subject_type": "delivery.deliveryunit",
            "subject_id": unit.pk,
            "file": SimpleUploadedFile("run.sh", b"#!/bin/sh\n"),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert "file" in response.json()
    assert not Attachment.objects.exists()


def test_api_refuses_an_oversized_file_with_400_naming_the_file(api, org, unit, settings):
    settings.ATTACHMENT_MAX_BYTES = 100
    response = api("delivery").post(
        "/api/v1/attachments/",
        {
            "subject_type": "delivery.deliveryunit",
            "subject_id": unit.pk,
            "file": pdf(content=PDF * 10),
        },
        format="multipart",
    )
    assert response.status_code == 400 and "file" in response.json()


def test_api_refuses_a_record_type_that_takes_no_files(api, org, unit):
    response = api("admin").post(
        "/api/v1/attachments/",
        {"subject_type": "auth.user", "subject_id": org.rep1.pk, "file": pdf()},
        format="multipart",
    )
    assert response.status_code == 400 and "subject_type" in response.json()


def test_api_delete_is_soft_and_hides_the_file_but_keeps_the_row(api, org, unit):
    stored = upload(unit, org.delivery)
    assert api("rep1").delete(f"/api/v1/attachments/{stored.pk}/").status_code == 403
    assert api("delivery").delete(f"/api/v1/attachments/{stored.pk}/").status_code == 204
    assert api("delivery").get(f"/api/v1/attachments/{stored.pk}/download/").status_code == 404
    listed = api("delivery").get("/api/v1/attachments/?deleted=true").json()["results"]
    assert [(row["id"], row["deleted_by"]) for row in listed] == [(stored.pk, org.delivery.pk)]
    assert Attachment.objects.filter(pk=stored.pk).exists()


def test_the_htmx_panel_uploads_and_shows_the_file_in_place(browser_as, org, unit):
    client = browser_as("delivery")
    url = reverse("attachments:panel", args=["delivery.deliveryunit", unit.pk])
    response = client.post(
        url,
        {"file": pdf("acceptance.pdf"), "kind": "acceptance_certificate"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "acceptance.pdf" in response.content.decode()
    refused = client.post(
        url,
        {"file": SimpleUploadedFile("x.exe", b"MZ")},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "not accepted" in refused.content.decode()
    assert Attachment.objects.count() == 1


def test_the_order_page_shows_the_files_panel_in_bounded_queries(
    browser_as, org, unit, django_assert_max_num_queries
):
    order = unit.order
    for i in range(3):
        upload(order, org.delivery, upload=pdf(f"doc{i}.pdf"))
    client = browser_as("delivery")
    url = reverse("delivery:order_detail", args=[order.pk])
    client.get(url)
    with django_assert_max_num_queries(40) as captured:
        page = client.get(url)
    baseline = len(captured)
    assert "doc2.pdf" in page.content.decode()
    for i in range(3, 10):
        upload(order, org.delivery, upload=pdf(f"doc{i}.pdf"))
    with django_assert_max_num_queries(baseline):
        client.get(url)


def test_the_files_page_of_a_unit_runs_a_bounded_number_of_queries(
    browser_as, org, unit, django_assert_max_num_queries
):
    upload(unit, org.delivery)
    client = browser_as("delivery")
    url = reverse("attachments:panel", args=["delivery.deliveryunit", unit.pk])
    client.get(url)
    with django_assert_max_num_queries(30) as captured:
        client.get(url)
    baseline = len(captured)
    for i in range(8):
        stored = upload(unit, org.delivery, upload=pdf(f"more{i}.pdf"))
    services.delete_attachment(attachment=stored, by=org.manager)
    with django_assert_max_num_queries(baseline):
        page = client.get(url)
    assert "more0.pdf" in page.content.decode()


def test_an_s3_compatible_store_is_configured_from_the_environment():
    """With ATTACHMENTS_S3_BUCKET set, the default storage is django-storages' S3 backend on
    that endpoint, with private objects (settings are read at start-up: a fresh process)."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ltc.settings",
        "ATTACHMENTS_S3_BUCKET": "ltc-files",
        "ATTACHMENTS_S3_ENDPOINT_URL": "http://minio:9000",
        "ATTACHMENTS_S3_ADDRESSING_STYLE": "path",
    }
    script = (
        "import django; django.setup()\n"
        "from django.core.files.storage import default_storage as s\n"
        "s._setup()\n"
        "print(type(s._wrapped).__name__, s.bucket_name, s.endpoint_url, s.default_acl)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["S3Storage", "ltc-files", "http://minio:9000", "private"]
