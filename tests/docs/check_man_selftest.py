#!/usr/bin/env python3
"""Shows that check_man.py can fail: it is run on small pages and a fake
program that are right, and on ones with each kind of fault it must catch
(a groff warning, an over-wide line, an option missing on either side, an
exit status missing), and must pass, fail or skip accordingly.

Usage: check_man_selftest.py CHECK_MAN_PY"""
import os
import stat
import subprocess
import sys
import tempfile

HELP = """Usage: prog [options] URI
Does things.

Group:
  -a, --alpha X        first option
      --beta           second one; mentions --gamma in passing
  -q, --quiet          quiet
      --version        print the version

Exit status: 0 success, 1 failure, 4 a 4.xx answer.

Example:
  prog --alpha 1 \\
      --not-an-option coap://localhost/
"""

PAGE = r""".TH PROG 1 2026-01-01 test "User Commands"
.SH NAME
prog \- does things
.SH SYNOPSIS
.B prog
.RI [ options ]
.I URI
.SH DESCRIPTION
Does things with \fIURI\fP; see
.B \-\-alpha
below.
.SH OPTIONS
.SS Group
.TP
.BR \-a ", " \-\-alpha " \fIX\fP"
The first option.
.TP
.B \-\-beta
The second one.
.TP
.BR \-q ", " \-\-quiet
Quiet.
.TP
.B \-\-version
Print the version.
.SH EXIT STATUS
.TP
.B 0
Success.
.TP
.B 1
Failure.
.TP
.B 4
A 4.xx answer.
.SH EXAMPLES
.EX
prog \-\-alpha 1 coap://localhost/
.EE
"""


def run(checker, page_text, program=True, help_text=HELP, tmp=None):
    page = os.path.join(tmp, "prog.1")
    with open(page, "w") as f:
        f.write(page_text)
    prog = os.path.join(tmp, "prog")
    if os.path.exists(prog):
        os.unlink(prog)
    if program:
        with open(prog, "w") as f:
            f.write("#!/bin/sh\ncat <<'END'\n" + help_text + "END\n")
        os.chmod(prog, stat.S_IRWXU)
    p = subprocess.run([sys.executable, checker, page, "--program", prog],
                       capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout + p.stderr


def main(argv):
    checker = argv[1]
    cases = [
        ("right page", PAGE, True, HELP, 0, "OPTIONS lists exactly the 6"),
        ("undefined macro", PAGE.replace(".SH EXAMPLES", ".XX\n.SH EXAMPLES"),
         True, HELP, 1, "not defined"),
        ("over-wide example",
         PAGE.replace("coap://localhost/\n.EE",
                      "coap://localhost/" + "x" * 80 + "\n.EE"),
         True, HELP, 1, "wider than 80"),
        ("option only in --help", PAGE.replace(".TP\n.B \\-\\-beta\nThe second one.\n", ""),
         True, HELP, 1, "--beta is in --help but not in OPTIONS"),
        ("option only in the page", PAGE, True,
         HELP.replace("  -q, --quiet          quiet\n", ""), 1,
         "-q is in OPTIONS but not in --help"),
        ("exit status only in --help", PAGE, True,
         HELP.replace("4 a 4.xx answer.", "4 a 4.xx answer, 5 a 5.xx one."),
         1, "exit statuses differ"),
        ("program not built", PAGE, False, HELP, 77, "SKIP"),
    ]
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, page, program, help_text, want_rc, want_text in cases:
            rc, out = run(checker, page, program, help_text, tmp)
            if rc == want_rc and want_text in out:
                print(f"ok   {name}: status {rc}")
            else:
                failed += 1
                print(f"FAIL {name}: status {rc} (want {want_rc}), output "
                      f"should contain {want_text!r}:\n{out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
