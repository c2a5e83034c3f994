"""Run axe-core (from npm, built into node_modules by the asset build) on the page in the browser, WCAG 2.x A and AA."""

from pathlib import Path

from audit_app import PROJECT_ROOT

AXE_SCRIPT = Path(PROJECT_ROOT) / "node_modules" / "axe-core" / "axe.min.js"
#: The URL path (on the app's own origin) the browser fixtures answer with ``AXE_SCRIPT``, so that axe loads as a
#: same-origin script that the Content-Security-Policy (``script-src 'self'``) allows; see ``conftest.py``.
AXE_URL_PATH = "/__browser-tests__/axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

_RUN = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target, html: n.html, summary: n.failureSummary})),
  }));
}"""


def inject_axe(page):
    """Load axe-core into the page once (a no-op if this document already has it).

    ``page.add_script_tag(path=...)`` would insert an inline script, which our CSP refuses; the script is added by
    URL instead, on the app's origin, and the browser fixtures fulfil that URL from ``AXE_SCRIPT``.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE_URL_PATH)


def axe_violations(page):
    """The WCAG 2.0/2.1/2.2 A and AA violations axe finds on the current document."""
    inject_axe(page)
    return page.evaluate(_RUN, WCAG_TAGS)


def format_violations(violations, url):
    """A readable report: each violation's id, impact, help and the nodes it found."""
    lines = [f"axe-core found {len(violations)} WCAG A/AA violation(s) on {url}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            lines.append(f"    target {node['target']}: {node['html'][:200]}")
            if node.get("summary"):
                lines.extend(f"      {line}" for line in node["summary"].splitlines())
    return "\n".join(lines)


def assert_no_axe_violations(page):
    """Fail with a readable report when axe finds any WCAG 2.x A or AA violation on the current document."""
    violations = axe_violations(page)
    assert not violations, format_violations(violations, page.url)
