import subprocess
import sys


def test_cli_without_command_explains_usage():
    proc = subprocess.run([sys.executable, "-m", "signering.cli"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "COMMAND" in proc.stderr


def test_core_never_imports_flask():
    code = "import sys, pkgutil, importlib, signering\n" \
           "for m in pkgutil.walk_packages(signering.__path__, 'signering.'):\n" \
           "    importlib.import_module(m.name)\n" \
           "print('flask' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"
