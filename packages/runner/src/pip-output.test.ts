import { describe, expect, it } from "vitest";
import { isPipSummaryLine, pipFailureMessage } from "./pip-output.js";

// pip 23's output with an index nobody listens on (stdout's "Looking in" lines, then stderr).
const UNREACHABLE = `Looking in indexes: http://127.0.0.1:9/simple
WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPConnection object at 0x7f>: Failed to establish a new connection: [Errno 111] Connection refused')': /simple/nosuchpkg/
ERROR: Could not find a version that satisfies the requirement nosuchpkg==1.0 (from versions: none)
ERROR: No matching distribution found for nosuchpkg==1.0
`;

describe("pipFailureMessage", () => {
  it("names the requirement, the index and why it did not answer", () => {
    expect(pipFailureMessage(UNREACHABLE, "requirements.txt")).toBe(
      "could not install nosuchpkg==1.0 (requirements.txt): the package index http://127.0.0.1:9/simple did not answer (Connection refused). " +
        "Point pip at a reachable index (PIP_INDEX_URL, pip.conf) or at local packages (PIP_FIND_LINKS, PIP_NO_INDEX=1)",
    );
  });

  it("says pip's default index when pip names none, and the find-links it looked in", () => {
    const output = "Looking in links: /opt/wheels\nERROR: Could not find a version that satisfies the requirement torch==9.9 (from versions: 2.1.0)\nERROR: No matching distribution found for torch==9.9\n";
    expect(pipFailureMessage(output, "requirements.txt")).toBe(
      "could not install torch==9.9 (requirements.txt): no matching distribution in the package index https://pypi.org/simple (pip's default) and the links /opt/wheels; check the name and version",
    );
  });

  it("reports a timeout as such", () => {
    const output = "WARNING: Retrying (Retry(total=0)) after connection broken by 'ConnectTimeoutError(<x>, 'Connection to 10.0.0.1 timed out. (connect timeout=5)')': /simple/a/\nERROR: No matching distribution found for a\n";
    expect(pipFailureMessage(output, "requirements.txt")).toMatch(/^could not install a \(requirements\.txt\): .* did not answer \(timed out\)\. /);
  });

  it("falls back to pip's own ERROR lines, and to nothing when there are none", () => {
    expect(pipFailureMessage("ERROR: Invalid requirement: '!!' (from line 1 of requirements.txt)\n", "requirements.txt")).toBe(
      "could not install requirements.txt: Invalid requirement: '!!' (from line 1 of requirements.txt)",
    );
    expect(pipFailureMessage("Traceback (most recent call last):\nKeyError: 1\n", "requirements.txt")).toBeUndefined();
  });

  it("keeps only the lines that name where pip looks", () => {
    expect(isPipSummaryLine("Looking in indexes: a, b")).toBe(true);
    expect(isPipSummaryLine("Collecting numpy")).toBe(false);
  });
});
