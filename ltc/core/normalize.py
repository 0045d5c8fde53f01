"""Normalised keys for finding the same person or company written differently."""

import re
import unicodedata

_COMPANY_SUFFIXES = [
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "集团",
    "公司",
    "co ltd",
    "co., ltd.",
    "co., ltd",
    "co ltd.",
    "company limited",
    "limited",
    "ltd",
    "inc",
    "corp",
    "corporation",
    "gmbh",
    "llc",
]


def phone_key(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if len(digits) >= 6 else ""


def email_key(email: str) -> str:
    return (email or "").strip().lower()


def company_key(name: str) -> str:
    text = unicodedata.normalize("NFKC", name or "").lower().strip()
    text = re.sub(r"[\s\.,，。()（）\-_&'\"]+", " ", text).strip()
    changed = True
    while changed and text:
        changed = False
        for suffix in _COMPANY_SUFFIXES:
            plain = re.sub(r"[\s\.,]+", " ", suffix).strip()
            if text.endswith(plain) and len(text) > len(plain):
                text = text[: -len(plain)].strip()
                changed = True
    return re.sub(r"\s+", "", text)
