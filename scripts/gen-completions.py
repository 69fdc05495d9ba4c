#!/usr/bin/env python3
"""Writes bash, zsh and fish completions for one tool from its own option table.

    scripts/gen-completions.py build/bin/trace-read OUTDIR

runs `TOOL --option-table` (the CLI11 definitions the tool parses with, as JSON: see
libstream/include/libstream/completion.hpp) and writes OUTDIR/bash/NAME, OUTDIR/zsh/_NAME and
OUTDIR/fish/NAME.fish. A value is completed from its choices when the option lists them
(`a|b|c`, or CLI11's `{a,b,c}`), as a file name when it is a FILE, a folder when it is a DIR,
and not at all otherwise; positional arguments are files.
"""
import json
import os
import re
import subprocess
import sys


def choices(value):
    """The values an option accepts, when its type name enumerates them."""
    members = re.search(r"\{([^{}]*)\}", value)
    if members:
        return [item for item in members.group(1).split(",") if item]
    if re.fullmatch(r"[a-z0-9][a-z0-9_-]*(\|[a-z0-9][a-z0-9_-]*)+", value):
        return value.split("|")
    return []


def kind(option):
    """'flag', 'choice', 'file', 'dir' or 'text'."""
    value = option["value"]
    if value is None:
        return "flag"
    if choices(value):
        return "choice"
    if re.search(r"\bFILE\b", value) or value in ("PATH",):
        return "file"
    if re.search(r"\bDIR\b", value):
        return "dir"
    # An option with a plain type (TEXT) still says what it takes by its name: --vocab-dir.
    long_names = [name for name in option["names"] if name.startswith("--")]
    if any(name.endswith(("-dir", "-folder")) for name in long_names):
        return "dir"
    if any(name.endswith(("-file", "-path")) for name in long_names):
        return "file"
    return "text"


def summary(description):
    """The description's first clause, short enough for a completion menu."""
    text = " ".join(description.split())
    text = re.split(r"(?<=[a-z)])[.;] ", text)[0]
    if text.count("(") > text.count(")"):  # cut inside a parenthesis: drop it whole
        text = text[:text.rfind("(")].rstrip()
    return text if len(text) <= 90 else text[:87].rstrip() + "..."


def function_name(tool):
    return "_" + re.sub(r"[^A-Za-z0-9_]", "_", tool)


def bash(table):
    tool = table["tool"]
    options = table["options"]
    by_kind = {}
    for option in options:
        by_kind.setdefault(kind(option), []).extend(option["names"])
    lines = [
        "# bash completion for %s (generated from its option table; do not edit)" % tool,
        "%s() {" % function_name(tool),
        '  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}',
        '  case $prev in',
    ]
    for option in options:
        if kind(option) == "choice":
            lines.append('    %s) COMPREPLY=($(compgen -W "%s" -- "$cur")); return ;;' %
                         ("|".join(option["names"]), " ".join(choices(option["value"]))))
    if by_kind.get("file"):
        lines.append('    %s) COMPREPLY=($(compgen -f -- "$cur")); return ;;' % "|".join(by_kind["file"]))
    if by_kind.get("dir"):
        lines.append('    %s) COMPREPLY=($(compgen -d -- "$cur")); return ;;' % "|".join(by_kind["dir"]))
    if by_kind.get("text"):
        lines.append('    %s) COMPREPLY=(); return ;;' % "|".join(by_kind["text"]))
    names = " ".join(name for option in options for name in option["names"])
    lines += [
        '  esac',
        '  if [[ $cur == -* ]]; then',
        '    COMPREPLY=($(compgen -W "%s" -- "$cur"))' % names,
        '  else',
        '    COMPREPLY=($(compgen -f -- "$cur"))',
        '  fi',
        '}',
        'complete -o filenames -o bashdefault -F %s %s' % (function_name(tool), tool),
    ]
    return "\n".join(lines) + "\n"


def zsh_quote(text):
    """Text inside a single-quoted _arguments spec's [description]."""
    text = text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]").replace(":", "\\:")
    return text.replace("'", "'\\''")


def shown(value):
    """A value's name without CLI11's appended checks ("INT:INT in [1 - 19]" -> "INT")."""
    return value.split(":")[0] or "VALUE"


def zsh(table):
    tool = table["tool"]
    lines = ["#compdef %s" % tool,
             "# zsh completion for %s (generated from its option table; do not edit)" % tool,
             "_arguments -s -S \\"]
    for option in table["options"]:
        names = option["names"]
        description = zsh_quote(summary(option["description"]))
        action = ""
        if kind(option) == "choice":
            action = ":%s:(%s)" % (zsh_quote(shown(option["value"])), " ".join(choices(option["value"])))
        elif kind(option) == "file":
            action = ":%s:_files" % zsh_quote(shown(option["value"]))
        elif kind(option) == "dir":
            action = ":%s:_files -/" % zsh_quote(shown(option["value"]))
        elif kind(option) == "text":
            action = ":%s: " % zsh_quote(shown(option["value"]))
        exclusion = "(%s)" % " ".join(names) if len(names) > 1 else ""
        for name in names:
            lines.append("  '%s%s[%s]%s' \\" % (exclusion, name, description, action))
    if table["positionals"]:
        lines.append("  '*:%s:_files'" % zsh_quote(table["positionals"][0]["value"] or "FILE"))
    else:
        lines[-1] = lines[-1][:-2]
    return "\n".join(lines) + "\n"


def fish_quote(text):
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def fish(table):
    tool = table["tool"]
    lines = ["# fish completion for %s (generated from its option table; do not edit)" % tool]
    for option in table["options"]:
        parts = ["complete -c", tool]
        for name in option["names"]:
            parts.append(("-s " if not name.startswith("--") else "-l ") + name.lstrip("-"))
        option_kind = kind(option)
        if option_kind == "choice":
            parts.append("-x -a " + fish_quote(" ".join(choices(option["value"]))))
        elif option_kind == "file":
            parts.append("-r -F")
        elif option_kind == "dir":
            parts.append("-x -a '(__fish_complete_directories)'")
        elif option_kind == "text":
            parts.append("-x")
        parts.append("-d " + fish_quote(summary(option["description"])))
        lines.append(" ".join(parts))
    return "\n".join(lines) + "\n"


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gen-completions.py TOOL OUTDIR")
    binary, out = sys.argv[1], sys.argv[2]
    result = subprocess.run([binary, "--option-table"], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit("gen-completions: %s --option-table failed (exit %d): %s" %
                 (binary, result.returncode, result.stderr.strip()))
    table = json.loads(result.stdout)
    tool = table["tool"]
    for folder, name, text in (("bash", tool, bash(table)), ("zsh", "_" + tool, zsh(table)),
                               ("fish", tool + ".fish", fish(table))):
        os.makedirs(os.path.join(out, folder), exist_ok=True)
        with open(os.path.join(out, folder, name), "w", encoding="utf-8") as file:
            file.write(text)


if __name__ == "__main__":
    main()
