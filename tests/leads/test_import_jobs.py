"""Lead imports as Celery jobs: one job per file, rows never imported twice, resumable after a
crash, safe under two runs at once, scoped pages with a polled progress bar."""

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from leads import import_jobs, importing
from leads.import_jobs import resume_import, run_import, start_import, sweep_stuck_imports
from leads.models import ImportState, Lead, LeadImport, LeadImportRow, RowOutcome
from leads.tasks import run_lead_import

from .test_claim_race import run_at_once
from .test_import import BAD_EMAIL, BAD_SOURCE, GOOD, HEADER

ROW_A = ["ERP 项目", "杭州甲公司", "韩梅梅", "13800000001", "", "website", "", "CNY"]
ROW_B = ["WMS 项目", "宁波乙公司", "", "13800000002", "", "partner", "", "CNY"]
ROW_C = ["CRM 项目", "上海丙公司", "", "13800000003", "", "referral", "", "CNY"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def csv_file(rows, name="leads.csv"):
    text = "\n".join(",".join(row) for row in rows) + "\n"
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


@pytest.fixture
def published():
    """The jobs published to the broker (the task's apply_async replaced; no broker needed)."""
    sent = []
    with mock.patch.object(
        run_lead_import, "apply_async", side_effect=lambda args, **kw: sent.append(args[0])
    ):
        yield sent


def upload(user, rows, name="leads.csv"):
    job, _created = start_import(upload=csv_file(rows, name), by=user)
    return job


def outcomes(job):
    return list(job.rows.order_by("row").values_list("row", "outcome", "lead_id"))


def test_upload_stores_the_file_and_publishes_the_job_after_the_commit(
    org, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = upload(org.rep1, [HEADER, GOOD, ROW_A])
        assert published == []  # nothing is sent before the commit
    for callback in callbacks:
        callback()
    assert published == [job.pk]
    job.refresh_from_db()
    assert (job.state, job.uploaded_by, job.total_rows, job.name) == (
        "queued",
        org.rep1,
        2,
        "leads.csv",
    )
    with job.file.open("rb") as stored:
        content = stored.read()
    assert import_jobs.file_sha256(content) == job.sha256
    assert job.file.name.startswith("imports/") and "leads" not in job.file.name
    assert not Lead.objects.exists()


def test_the_job_creates_good_rows_and_keeps_each_rows_outcome_with_field_names(org, published):
    job = upload(org.rep1, [HEADER, GOOD, BAD_SOURCE, [""] * 8, BAD_EMAIL, ROW_A])
    job = run_import(job.pk, chunk_rows=2)
    assert job.state == ImportState.DONE and job.percent == 100
    assert (job.created_count, job.already_count, job.refused_count) == (2, 0, 2)
    rows = {r.row: r for r in job.rows.all()}
    assert sorted(rows) == [2, 3, 5, 6]  # row 4 is blank
    assert rows[2].outcome == "created" and rows[2].lead.company_name == "苏州精密机械有限公司"
    # In the uploader's language (the default, Chinese), by the fields' labels.
    assert rows[3].outcome == "refused" and rows[3].errors[0].startswith("来源:")
    assert rows[5].outcome == "refused" and rows[5].errors[0].startswith("电子邮箱:")
    assert Lead.objects.filter(created_by=org.rep1).count() == 2
    # Running it again changes nothing.
    assert run_import(job.pk).state == ImportState.DONE
    assert Lead.objects.count() == 2 and job.rows.count() == 4


def test_the_worker_writes_the_errors_in_the_uploaders_language(org, published):
    org.rep1.language = "en"
    org.rep1.save(update_fields=["language"])
    job = run_import(upload(org.rep1, [HEADER, BAD_SOURCE, BAD_EMAIL]).pk)
    errors = [row.errors[0] for row in job.rows.order_by("row")]
    assert errors[0].startswith("Source:") and errors[1].startswith("E-mail:"), errors


def test_a_role_that_may_not_create_leads_gets_its_rows_refused_with_the_reason(org, published):
    job = run_import(upload(org.finance, [HEADER, GOOD]).pk)
    assert job.state == ImportState.DONE and job.refused_count == 1
    assert job.rows.get().errors and not Lead.objects.exists()


def test_the_same_file_twice_is_one_import(
    org, published, browser_as, django_capture_on_commit_callbacks
):
    client = browser_as("rep1")
    content = "\n".join(",".join(r) for r in [HEADER, GOOD, ROW_A]).encode()
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(reverse("leads:import"), {"file": SimpleUploadedFile("a.csv", content)})
    job = LeadImport.objects.get()
    assert first.status_code == 302 and first.url == reverse("leads:import_job", args=[job.pk])
    run_import(job.pk)
    # Same bytes under another name: the same job, nothing imported again.
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(reverse("leads:import"), {"file": SimpleUploadedFile("b.csv", content)})
    assert again.status_code == 302 and again.url == first.url
    assert LeadImport.objects.count() == 1 and published == [job.pk]
    assert Lead.objects.count() == 2
    # Another user uploading the same file gets a job of their own, which creates nothing.
    other = upload(org.rep2, [HEADER, GOOD, ROW_A])
    assert other.pk != job.pk
    other = run_import(other.pk)
    assert (other.created_count, other.already_count) == (0, 2)
    assert Lead.objects.count() == 2


def test_the_same_rows_in_another_file_are_not_created_again(org, published):
    first = run_import(upload(org.rep1, [HEADER, GOOD, ROW_A], "first.csv").pk)
    lead_a = first.rows.get(row=3).lead_id
    # ROW_A again, spelled with other spacing and phone punctuation, among new rows.
    same_a = list(ROW_A)
    same_a[1] = " 杭州甲公司 "
    same_a[3] = "138-0000-0001"
    second = run_import(upload(org.marketing, [HEADER, ROW_B, same_a], "second.csv").pk)
    assert outcomes(second) == [
        (2, "created", second.rows.get(row=2).lead_id),
        (3, "already_imported", lead_a),
    ]
    assert Lead.objects.count() == 3


def test_a_bad_file_is_refused_at_upload_with_the_reason(org, published, browser_as):
    response = browser_as("rep1").post(
        reverse("leads:import"),
        {"file": SimpleUploadedFile("x.csv", b"name,city\nA,B\n")},
        follow=True,
    )
    assert response.status_code == 200
    assert "title" in response.content.decode()
    assert not LeadImport.objects.exists() and published == []


def test_the_upload_answers_when_the_broker_is_down_and_the_sweep_publishes_later(
    org, browser_as, django_capture_on_commit_callbacks
):
    with mock.patch.object(run_lead_import, "apply_async", side_effect=OSError("broker down")):
        with django_capture_on_commit_callbacks(execute=True):
            response = browser_as("rep1").post(
                reverse("leads:import"), {"file": csv_file([HEADER, GOOD])}
            )
    assert response.status_code == 302
    job = LeadImport.objects.get()
    assert job.state == ImportState.QUEUED
    sent = []
    with mock.patch.object(
        run_lead_import, "apply_async", side_effect=lambda args, **kw: sent.append(args[0])
    ):
        assert sweep_stuck_imports(now=timezone.now()) == 0  # not yet overdue
        assert sweep_stuck_imports(now=timezone.now() + import_jobs.LEASE * 2) == 1
    assert sent == [job.pk]


class Crash(BaseException):
    """A worker killed mid-chunk: nothing of the open chunk commits."""


def test_resume_after_a_crash_mid_file_creates_each_lead_once(
    org, published, browser_as, django_capture_on_commit_callbacks
):
    rows = [HEADER, GOOD, ROW_A, ROW_B, BAD_SOURCE, ROW_C]
    job = upload(org.rep1, rows)
    real = importing.import_row
    calls = []

    def crash_on_the_third_lead(**kwargs):
        calls.append(kwargs["number"])
        if len(calls) == 3:
            raise Crash
        return real(**kwargs)

    with mock.patch.object(importing, "import_row", crash_on_the_third_lead):
        with pytest.raises(Crash):
            run_import(job.pk, chunk_rows=2)
    job.refresh_from_db()
    # Rows 2-3 committed as one chunk; the chunk of rows 4-5 died with nothing kept.
    assert (job.state, job.last_row, job.created_count) == ("running", 3, 2)
    assert Lead.objects.count() == 2 and job.rows.count() == 2

    # The page offers a resume once the lease has run out (the worker is gone).
    client = browser_as("rep1")
    page = client.get(reverse("leads:import_job", args=[job.pk])).content.decode()
    assert f"import/{job.pk}/resume/" not in page
    LeadImport.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    page = client.get(reverse("leads:import_job", args=[job.pk])).content.decode()
    assert f"import/{job.pk}/resume/" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("leads:import_resume", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == ImportState.QUEUED and published[-1] == job.pk

    job = run_import(job.pk, chunk_rows=2)
    assert job.state == ImportState.DONE
    assert [(r, o) for r, o, _lead in outcomes(job)] == [
        (2, "created"),
        (3, "created"),
        (4, "created"),
        (5, "refused"),
        (6, "created"),
    ]
    assert Lead.objects.count() == 4
    assert sorted(Lead.objects.values_list("title", flat=True)) == sorted(
        r[0] for r in [GOOD, ROW_A, ROW_B, ROW_C]
    )


def test_the_sweep_resumes_only_jobs_whose_lease_ran_out(org, published):
    live = upload(org.rep1, [HEADER, GOOD])
    dead = upload(org.rep2, [HEADER, ROW_A])
    now = timezone.now()
    LeadImport.objects.filter(pk=live.pk).update(
        state="running", lease_until=now + timedelta(minutes=1)
    )
    LeadImport.objects.filter(pk=dead.pk).update(
        state="running", lease_until=now - timedelta(minutes=1)
    )
    published.clear()
    assert sweep_stuck_imports(now=now) == 1
    assert published == [dead.pk]
    assert run_import(dead.pk).state == ImportState.DONE
    assert Lead.objects.get().title == ROW_A[0]


def test_only_the_uploader_or_an_admin_may_resume(org, published):
    job = upload(org.rep1, [HEADER, GOOD])
    LeadImport.objects.filter(pk=job.pk).update(state="failed")
    from ltc.core.errors import NotAllowed, TransitionRefused

    with pytest.raises(NotAllowed):
        resume_import(job=job, by=org.manager)
    assert resume_import(job=job, by=org.admin).state == ImportState.QUEUED
    run_import(job.pk)
    with pytest.raises(TransitionRefused):
        resume_import(job=job, by=org.rep1)  # done: nothing to resume


@pytest.mark.parametrize(
    "name,sees",
    [
        ("rep1", True),
        ("manager", True),
        ("admin", True),
        ("rep2", False),
        ("rep3", False),
        ("marketing", False),
        ("finance", False),
    ],
)
def test_an_import_is_seen_by_its_uploader_their_manager_and_admins_only(
    org, published, browser_as, name, sees
):
    job = run_import(upload(org.rep1, [HEADER, GOOD]).pk)
    client = browser_as(name)
    for url in (
        reverse("leads:import_job", args=[job.pk]),
        reverse("leads:import_progress", args=[job.pk]),
    ):
        assert client.get(url).status_code == (200 if sees else 404)
    resume = client.post(reverse("leads:import_resume", args=[job.pk]))
    assert resume.status_code == (302 if sees else 404)
    listed = client.get(reverse("leads:import")).content.decode()
    assert (reverse("leads:import_job", args=[job.pk]) in listed) == sees
    assert set(LeadImport.objects.visible_to(org.user(name))) == ({job} if sees else set())


def _many_rows(count, start=0):
    return [
        [f"项目 {i}", f"公司 {i}", "", f"1370000{i:04d}", "", "website", "", "CNY"]
        for i in range(start, start + count)
    ]


def test_job_page_and_progress_run_a_bounded_number_of_queries(
    org, published, browser_as, django_assert_max_num_queries
):
    small = run_import(upload(org.rep1, [HEADER, *_many_rows(3)], "small.csv").pk)
    big = run_import(upload(org.rep1, [HEADER, *_many_rows(120, 100), BAD_SOURCE], "big.csv").pk)
    assert big.rows.count() == 121
    client = browser_as("rep1")
    for job, page in ((small, 1), (big, 1), (big, 3)):
        url = reverse("leads:import_job", args=[job.pk]) + f"?page={page}"
        with django_assert_max_num_queries(12):
            response = client.get(url)
        assert response.status_code == 200
    body = client.get(reverse("leads:import_job", args=[big.pk]) + "?page=3").content.decode()
    assert "来源:" in body and "<script" not in body.split("</header>")[-1]
    with django_assert_max_num_queries(8):
        assert client.get(reverse("leads:import_progress", args=[big.pk])).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("leads:import")).status_code == 200


def test_progress_is_polled_while_running_and_the_page_reloads_when_it_ends(
    org, published, browser_as
):
    job = upload(org.rep1, [HEADER, GOOD, ROW_A])
    client = browser_as("rep1")
    progress = reverse("leads:import_progress", args=[job.pk])
    running = client.get(progress + "?was=queued")
    assert 'hx-trigger="every 2s"' in running.content.decode()
    assert "HX-Refresh" not in running.headers
    assert 'value="0"' in running.content.decode()
    run_import(job.pk)
    done = client.get(progress + "?was=queued")
    assert done.headers["HX-Refresh"] == "true"
    assert "hx-trigger" not in done.content.decode()
    assert 'value="100"' in done.content.decode()


@pytest.mark.django_db(transaction=True)
def test_an_upload_is_imported_by_a_real_worker(org, celery_app, celery_worker, browser_as):
    assert not celery_app.conf.task_always_eager
    response = browser_as("rep1").post(
        reverse("leads:import"), {"file": csv_file([HEADER, GOOD, ROW_A, BAD_SOURCE])}
    )
    assert response.status_code == 302
    job = LeadImport.objects.get()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state == ImportState.DONE:
            break
        time.sleep(0.05)
    assert (job.state, job.created_count, job.refused_count) == ("done", 2, 1)
    assert Lead.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_of_one_job_at_once_create_each_lead_once(postgres, org, published):
    job = upload(org.rep1, [HEADER, *_many_rows(40)])
    results = run_at_once(lambda _n: run_import(job.pk, chunk_rows=3), [1, 2, 3])
    assert not [r for r in results if isinstance(r, BaseException)], results
    job.refresh_from_db()
    assert (job.state, job.created_count, job.rows.count()) == ("done", 40, 40)
    assert Lead.objects.count() == 40


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_files_with_the_same_rows_at_once_create_each_lead_once(postgres, org, published):
    rows = _many_rows(30)
    jobs = [upload(org.rep1, [HEADER, *rows]), upload(org.rep2, [HEADER, *rows])]
    results = run_at_once(lambda job: run_import(job.pk, chunk_rows=2), jobs)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert Lead.objects.count() == 30
    assert LeadImportRow.objects.filter(outcome=RowOutcome.CREATED).count() == 30
    assert LeadImportRow.objects.filter(outcome=RowOutcome.ALREADY_IMPORTED).count() == 30


API = "/api/v1/leads/imports/"


def test_the_api_uploads_a_file_once_and_lists_each_rows_outcome(
    org, published, api, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    client = api("rep1")
    content = "\n".join(",".join(r) for r in [HEADER, GOOD, BAD_SOURCE]).encode()
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(API, {"file": SimpleUploadedFile("a.csv", content)}, format="multipart")
    assert first.status_code == 201, first.content
    job_id = first.json()["id"]
    assert first.json()["state"] == "queued" and published == [job_id]
    again = client.post(API, {"file": SimpleUploadedFile("b.csv", content)}, format="multipart")
    assert again.status_code == 200 and again.json()["id"] == job_id
    run_import(job_id)
    with django_assert_max_num_queries(8):
        detail = client.get(f"{API}{job_id}/")
    assert detail.json()["state"] == "done" and detail.json()["percent"] == 100
    with django_assert_max_num_queries(8):
        rows = client.get(f"{API}{job_id}/rows/")
    results = rows.json()["results"]
    assert [(r["row"], r["outcome"]) for r in results] == [(2, "created"), (3, "refused")]
    assert results[1]["errors"][0].startswith("来源:")
    with django_assert_max_num_queries(8):
        assert [j["id"] for j in client.get(API).json()["results"]] == [job_id]
    refused = client.post(f"{API}{job_id}/resume/")
    assert refused.status_code == 409


def test_the_api_refuses_a_bad_file_naming_the_field(org, published, api):
    response = api("rep1").post(
        API,
        {"file": SimpleUploadedFile("x.pdf", b"%PDF")},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "file" in response.json()
    assert not LeadImport.objects.exists()


@pytest.mark.parametrize("name,sees", [("manager", True), ("rep2", False), ("finance", False)])
def test_the_api_scopes_import_jobs(org, published, api, name, sees):
    job = upload(org.rep1, [HEADER, GOOD])
    LeadImport.objects.filter(pk=job.pk).update(state="failed")
    client = api(name)
    assert client.get(f"{API}{job.pk}/").status_code == (200 if sees else 404)
    assert client.get(f"{API}{job.pk}/rows/").status_code == (200 if sees else 404)
    # A manager sees the job but only its uploader or an admin may resume it.
    assert client.post(f"{API}{job.pk}/resume/").status_code == (403 if sees else 404)
    assert api("rep1").post(f"{API}{job.pk}/resume/").status_code == 202


def test_a_job_whose_file_is_gone_fails_with_the_reason_and_can_be_resumed(org, published):
    job = upload(org.rep1, [HEADER, GOOD])
    job.file.delete(save=False)
    job = run_import(job.pk)
    assert job.state == ImportState.FAILED and job.error
    assert import_jobs.is_resumable(job)
    assert not Lead.objects.exists()


def test_beat_runs_the_sweep_and_the_tasks_are_registered(settings):
    from ltc.celery import app

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "leads.tasks.sweep_stuck_imports" in tasks
    app.loader.import_default_modules()
    assert {"leads.tasks.sweep_stuck_imports", "leads.tasks.run_lead_import"} <= set(app.tasks)
