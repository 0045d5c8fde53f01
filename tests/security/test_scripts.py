"""What users type stays text in the browser: no page runs an inline script or handler (so the
policy can refuse them all), and the dashboard charts escape every value from the data before
ECharts renders a tooltip as HTML."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def test_no_template_carries_an_inline_script_or_event_handler():
    offenders = [
        str(path.relative_to(ROOT))
        for path in TEMPLATES
        if INLINE_HANDLER.search(path.read_text()) or INLINE_SCRIPT.search(path.read_text())
    ]
    assert TEMPLATES and offenders == []


@pytest.mark.django_db
def test_the_policy_refuses_inline_scripts_on_pages_but_not_on_the_api_docs(browser_as):
    client = browser_as("rep1")
    page = client.get(reverse("leads:pool"))["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", page).group(1).split()
    assert script_src == ["'self'"]
    docs = client.get("/api/docs/")["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline'" in docs
    assert "frame-ancestors 'none'" in docs


@pytest.mark.django_db
def test_confirmations_are_data_attributes_that_the_static_script_reads(org, browser_as):
    from tests.factories import held_lead

    lead = held_lead(org.rep1)
    html = (
        browser_as("rep1")
        .get(reverse("leads:detail", args=[lead.pk]), HTTP_ACCEPT_LANGUAGE="en")
        .content.decode()
    )
    assert 'data-confirm="Give this lead back to the pool?"' in html
    assert "onsubmit" not in html
    assert "/static/js/ltc.js" in html
    script = (ROOT / "static/js/ltc.js").read_text()
    assert "data-confirm" in script and "data-autosubmit" in script and "data-print" in script


HARNESS = r"""
const fs = require("fs");
let ready = null, option = null;
const spec = JSON.parse(process.argv[3]);
global.window = {
  echarts: { init: () => ({ setOption: (o) => { option = o; }, on: () => {}, resize: () => {} }) },
  addEventListener: () => {},
};
global.document = {
  addEventListener: (name, fn) => { ready = fn; },
  getElementById: () => ({ textContent: JSON.stringify(spec) }),
  querySelectorAll: () => [{ getAttribute: () => "chart", classList: { add: () => {} },
                             closest: () => null, style: {} }],
};
eval(fs.readFileSync(process.argv[2], "utf8"));
ready();
const html = option.tooltip.formatter([
  { seriesIndex: 0, value: 5, marker: "<span class=dot></span>", axisValueLabel: spec.categories[0] },
]);
process.stdout.write(html);
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the chart script")
def test_chart_tooltips_escape_names_that_came_from_the_data(tmp_path):
    harness = tmp_path / "harness.js"
    harness.write_text(HARNESS)
    spec = {
        "title": "Competitors",
        "categories": ['<img src=x onerror="alert(1)">'],
        "series": [{"name": "<script>alert(2)</script>", "data": [5]}],
        "links": [],
    }
    html = subprocess.run(
        ["node", str(harness), str(ROOT / "static/js/dashboards.js"), json.dumps(spec)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    assert "<img" not in html and "<script" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert html.startswith("&lt;img") and "<span class=dot></span>" in html  # ECharts' own dot
