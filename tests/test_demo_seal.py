"""`signering demo-seal`: the whole chain without the web app, and clean failures."""

from __future__ import annotations

import json
import subprocess
import sys


def cli(*args):
    return subprocess.run([sys.executable, "-m", "signering.cli", *args], capture_output=True, text=True, timeout=120)


def test_demo_seal_makes_a_valid_sealed_pdf(tmp_path, protocol_pdf):
    src, out = tmp_path / "in.pdf", tmp_path / "out.pdf"
    src.write_bytes(protocol_pdf)
    proc = cli("demo-seal", str(src), str(out), "--board", "Kommunstyrelsens allmänna utskott", "--date", "2024-04-16",
               "--signer", "Siv Sjödin|sekreterare|siv@example.org",
               "--signer", "Birgitta Häggkvist|ordforande|b@example.org",
               "--signer", "John Åberg|justerare|john@example.org")
    assert proc.returncode == 0, proc.stderr
    assert "demo keys, not for production" in proc.stderr
    report = json.loads(cli("verify", str(out), "--json").stdout)
    assert report["status"] == "valid"
    assert [s["signer"] for s in report["signatures"][:3]] == ["Siv Sjödin", "Birgitta Häggkvist", "John Åberg"]
    data = out.read_bytes()
    assert all(address not in data for address in (b"siv@example.org", b"b@example.org", b"john@example.org"))


def test_demo_seal_without_signers_uses_three_demo_people(tmp_path, protocol_pdf):
    src, out = tmp_path / "in.pdf", tmp_path / "out.pdf"
    src.write_bytes(protocol_pdf)
    assert cli("demo-seal", str(src), str(out)).returncode == 0
    report = json.loads(cli("verify", str(out), "--json").stdout)
    assert [s["role"] for s in report["signatures"][:3]] == ["sekreterare", "ordforande", "justerare"]


def test_demo_seal_bad_input_leaves_no_output(tmp_path, protocol_pdf):
    out = tmp_path / "out.pdf"
    png = tmp_path / "bild.pdf"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    proc = cli("demo-seal", str(png), str(out))
    assert proc.returncode == 2 and "ingen PDF" in proc.stderr and not out.exists()
    src = tmp_path / "in.pdf"
    src.write_bytes(protocol_pdf)
    for bad in (["--signer", "Anna|kassör|anna@example.org"], ["--date", "16/4 2024"],
                ["--signer", "Anna|ordforande|a@example.org", "--signer", "Bo|sekreterare|b@example.org",
                 "--signer", "Cia|justerare|c@example.org"]):
        proc = cli("demo-seal", str(src), str(out), *bad)
        assert proc.returncode == 2, (bad, proc.stderr)
        assert proc.stderr.strip().splitlines()[-1].startswith("signering: ") and "Traceback" not in proc.stderr
        assert not out.exists()
    assert list(tmp_path.iterdir()) == [png, src] or sorted(tmp_path.iterdir()) == sorted([png, src])
