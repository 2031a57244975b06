"""pyproject.toml: the licence as an SPDX expression (PEP 639). setuptools warned that the TOML
table form (``license = { text = … }``) stops working on 2027-02-18."""

from __future__ import annotations

import os
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_license_is_an_spdx_string_and_the_build_backend_understands_it():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as fh:
        project = tomllib.load(fh)
    assert project["project"]["license"] == "EUPL-1.2"
    # setuptools reads SPDX license expressions from version 77 on.
    assert "setuptools>=77" in project["build-system"]["requires"]
    assert not any(c.startswith("License ::") for c in project["project"].get("classifiers", []))
