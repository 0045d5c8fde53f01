"""No secret is committed: no key files, no private keys or cloud/API tokens, and no password or
secret key written into code other than the documented demo password (``demo1234``) and the
Dockerfile's build-only placeholder. Scans every file git tracks or would add."""

import math
import re
import subprocess
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Built from pieces so that this file does not match itself.
PRIVATE_KEY = re.compile("-----BEGIN ([A-Z]+ )?" + "PRIVATE KEY-----")
TOKENS = {
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "Stripe key": re.compile(r"\b[sr]k_live_[A-Za-z0-9]{16,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
}
ASSIGNED_SECRET = re.compile(
    r"""(?ix)\b(secret_key|password|passwd|api_key|apikey|access_key|private_key|auth_token)
    \s*[:=]\s*["']([^"'\s{}$]{6,})["']"""
)
ALLOWED_VALUES = {"demo1234", "build-only-not-a-secret"}
KEY_FILES = re.compile(r"(^|/)(\.env|secret_key|id_rsa|id_ed25519|.*\.pem|.*\.key|.*\.p12)$")
BINARY = (".mo", ".png", ".jpg", ".ico", ".woff", ".woff2", ".gz", ".xlsx", ".sqlite3")


def _repo_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [line for line in out.splitlines() if (ROOT / line).is_file()]


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def test_no_key_or_environment_file_is_tracked():
    files = _repo_files()
    assert files, "git lists the repository's files"
    assert [f for f in files if KEY_FILES.search(f)] == []


def test_no_private_key_token_or_hard_coded_secret_in_any_file():
    findings = []
    for name in _repo_files():
        if name.endswith(BINARY) or "/migrations/" in name and name.endswith(".py") is False:
            continue
        try:
            text = (ROOT / name).read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if PRIVATE_KEY.search(text):
            findings.append(f"{name}: private key")
        for label, pattern in TOKENS.items():
            if pattern.search(text):
                findings.append(f"{name}: {label}")
        in_tests = name.startswith("tests/")
        for match in ASSIGNED_SECRET.finditer(text):
            value = match.group(2)
            if value in ALLOWED_VALUES:
                continue
            # Tests may set made-up passwords on their own users; a long random-looking value
            # is a real credential wherever it is.
            if in_tests and _entropy(value) < 4.0:
                continue
            findings.append(f"{name}: {match.group(1)} = {value[:4]}…")
    assert findings == []


def test_the_scanner_finds_what_it_looks_for():
    """The patterns are live: each one matches a sample (built here, never stored)."""
    samples = {
        "AWS access key": "AKIA" + "ABCDEFGHIJKLMNOP",
        "GitHub token": "ghp_" + "a1" * 18,
        "Slack token": "xoxb-" + "1234567890-abc",
        "Stripe key": "sk_live_" + "a" * 20,
        "Google API key": "AIza" + "b" * 35,
    }
    for label, sample in samples.items():
        assert TOKENS[label].search(f"x = '{sample}'"), label
    assert PRIVATE_KEY.search("-----BEGIN RSA " + "PRIVATE KEY-----")
    assert ASSIGNED_SECRET.search('SECRET_KEY = "' + "k3y" * 5 + '"')
    assert _entropy("Zq8#x1Lk9@pW2vB7mN4c") > 4.0 > _entropy("right-password-1")
