"""Firefox: `web-ext lint` on the same manifest must report 0 errors."""
import json
import subprocess

from ext_env import EXT_DIR, REPO


def test_web_ext_lint_has_no_errors(node, node_modules):
    cli = node_modules / "web-ext" / "bin" / "web-ext.js"
    proc = subprocess.run([node, str(cli), "lint", "--source-dir", str(EXT_DIR), "--output", "json", "--no-config-discovery"],
                          cwd=REPO, capture_output=True, text=True, timeout=180)
    report = json.loads(proc.stdout[proc.stdout.index("{"):])
    assert report["summary"]["errors"] == 0, report["errors"]
    # The only accepted warning: Firefox ignores Chrome's service_worker key (it uses background.scripts).
    codes = {w["code"] for w in report["warnings"]}
    assert codes <= {"MANIFEST_FIELD_UNSUPPORTED"}, report["warnings"]
