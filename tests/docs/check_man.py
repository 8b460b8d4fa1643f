#!/usr/bin/env python3
"""Checks one man page: it renders without a single groff/man warning and
fits 80 columns, and, for a program's page, its OPTIONS section lists
exactly the options the program's --help prints (and its EXIT STATUS
section the statuses --help names).

Usage: check_man.py PAGE [--program PATH]
Exit 0 pass, 1 fail, 77 skip (the program is not built yet; the rendering
was still checked)."""
import os
import re
import shutil
import subprocess
import sys

WIDTH = 80


def render(page, width):
    """The page as plain text (overstrike removed) and groff's stderr."""
    env = dict(os.environ, LC_ALL="C.UTF-8", MANROFFSEQ="",
               MANWIDTH=str(width), MAN_KEEP_FORMATTING="")
    env.pop("MANPAGER", None)
    env.pop("PAGER", None)
    # --warnings=w is groff's -ww: every warning class, not only 'mac'.
    p = subprocess.run(["man", "--warnings=w", "-E", "UTF-8", "-l", "-Tutf8",
                        page], env=env, capture_output=True, timeout=60)
    text = p.stdout.decode("utf-8", "replace")
    text = re.sub(r".\x08", "", text)
    return p.returncode, text, p.stderr.decode("utf-8", "replace")


def sections(text):
    """{HEADING: [lines]} of the rendered page."""
    out, cur = {}, None
    for line in text.splitlines():
        if re.fullmatch(r"[A-Z][A-Z0-9 ]*", line.rstrip()):
            cur = line.strip()
            out[cur] = []
        elif cur:
            out[cur].append(line)
    return out


OPT_RE = re.compile(r"(?<![\w-])(--?[A-Za-z0-9][A-Za-z0-9-]*)")


def lead_options(line):
    """Options in the leading part of an option-list line: the text up to
    the first gap of two spaces (where the description column starts)."""
    lead = re.split(r"\s{2,}", line.strip(), maxsplit=1)[0]
    return set(OPT_RE.findall(lead))


def help_options(help_text):
    opts = set()
    for line in help_text.splitlines():
        if re.match(r"\s*examples?:", line, re.I):
            break   # example command lines are not option lists
        if re.match(r"\s+-", line):
            opts |= lead_options(line)
    return opts


def man_options(sec):
    """Options in the tags of the OPTIONS section: lines indented exactly
    as .TP tags are (7 columns) that start with '-'."""
    opts = set()
    for line in sec.get("OPTIONS", []):
        if re.match(r" {7}-", line):
            opts |= lead_options(line)
    return opts


def help_statuses(help_text):
    m = re.search(r"Exit status:(.*?)(\n\s*\n|\Z)", help_text, re.S | re.I)
    if not m:
        return None
    return set(re.findall(r"(?:^|[\s,:])(\d+) (?=[a-z(])", m.group(1)))


def man_statuses(sec):
    out = set()
    for line in sec.get("EXIT STATUS", []):
        m = re.match(r" {7}(\d+)(\s|$)", line)
        if m:
            out.add(m.group(1))
    return out


def main(argv):
    if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--program"):
        print(__doc__, file=sys.stderr)
        return 1
    page = argv[1]
    program = argv[3] if len(argv) == 4 else None
    name = os.path.basename(page)
    if not os.path.isfile(page):
        print(f"FAIL {name}: page missing ({page})")
        return 1
    if not shutil.which("man") or not shutil.which("groff"):
        print("FAIL: man and groff are needed (Debian: man-db groff-base; "
              "tools/deps.sh installs them)")
        return 1

    failed = False
    rc, text, err = render(page, WIDTH)
    if rc != 0 or err.strip():
        print(f"FAIL {name}: man -l reported (status {rc}):")
        print(err.rstrip())
        failed = True
    elif len(text.splitlines()) < 10:
        print(f"FAIL {name}: rendered to almost nothing")
        failed = True
    else:
        print(f"ok   {name}: renders without warnings")
    wide = [l for l in text.splitlines() if len(l.expandtabs()) > WIDTH]
    if wide:
        print(f"FAIL {name}: {len(wide)} line(s) wider than {WIDTH} columns:")
        for l in wide:
            print("     |" + l)
        failed = True

    if program is None:
        return 1 if failed else 0
    if not os.access(program, os.X_OK):
        print(f"SKIP {name}: {program} is not built yet; only the rendering "
              "was checked")
        return 1 if failed else 77

    p = subprocess.run([program, "--help"], capture_output=True, timeout=30,
                       env=dict(os.environ, LC_ALL="C"))
    help_text = p.stdout.decode("utf-8", "replace")
    if p.returncode != 0 or not help_text.strip():
        print(f"FAIL {name}: {program} --help failed (status {p.returncode})")
        return 1
    sec = sections(text)
    in_help, in_man = help_options(help_text), man_options(sec)
    if not in_man:
        print(f"FAIL {name}: no options found in its OPTIONS section")
        failed = True
    else:
        missing, extra = in_help - in_man, in_man - in_help
        for o in sorted(missing):
            print(f"FAIL {name}: {o} is in --help but not in OPTIONS")
        for o in sorted(extra):
            print(f"FAIL {name}: {o} is in OPTIONS but not in --help")
        if missing or extra:
            failed = True
        else:
            print(f"ok   {name}: OPTIONS lists exactly the {len(in_help)} "
                  "options of --help: " + " ".join(sorted(in_help)))

    hs = help_statuses(help_text)
    if hs is not None:
        ms = man_statuses(sec)
        if hs != ms:
            print(f"FAIL {name}: exit statuses differ: --help names "
                  f"{sorted(hs, key=int)}, EXIT STATUS lists "
                  f"{sorted(ms, key=int)}")
            failed = True
        else:
            print(f"ok   {name}: EXIT STATUS lists the statuses of --help: "
                  + " ".join(sorted(hs, key=int)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
