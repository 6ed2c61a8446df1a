"""Audit the installed dependencies with pip-audit; fail on any known vulnerability.

    .venv/bin/python scripts/audit_dependencies.py

Packages pip-audit could not look up (its vulnerability service unreachable, as on a machine
that reaches only a package mirror) are counted and reported, not passed off as clean.
"""

import json
import subprocess
import sys
import sysconfig


def main() -> int:
    completed = subprocess.run(
        [sys.executable, "-m", "pip_audit", "--path", sysconfig.get_paths()["purelib"], "--format", "json"]
        + ["--progress-spinner", "off", "--skip-editable"],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        dependencies = json.loads(completed.stdout)["dependencies"]
    except (json.JSONDecodeError, KeyError):
        print(f"pip-audit did not run: {completed.stderr.strip()[-500:]}", file=sys.stderr)
        return 1
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
            print(f"VULNERABLE {dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixed})")
    audited = len(dependencies) - len(skipped)
    print(f"dependency audit: {audited} packages audited, {len(vulnerable)} with known vulnerabilities")
    if skipped:
        print(
            f"dependency audit: {len(skipped)} packages could not be looked up "
            f"(e.g. {skipped[0]['skip_reason']}); the vulnerability service is unreachable from here"
        )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
