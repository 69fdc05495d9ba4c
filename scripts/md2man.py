#!/usr/bin/env python3
"""Writes a man page (roff, man macros, tbl) from one of the project's Markdown manuals.

    scripts/md2man.py tools/trace-read/README.md trace-read.1
    scripts/md2man.py --name trace-v1 --section 5 --summary "the session record" docs/trace-v1.md trace-v1.5

The manuals stay the source of truth; this renders the subset of Markdown they use: headings,
paragraphs, indented and fenced code blocks, pipe tables (two-column option tables become
tagged paragraphs, wider ones tbl tables), bulleted and numbered lists, inline code, bold,
emphasis and links. A manual titled "# NAME(SECTION)" names its page; any other needs --name
and --section. Written here rather than taken from pandoc, whose Debian package installs
170 MB for what is a few hundred lines over this subset.
"""
import argparse
import re
import sys

VERSION_TEXT = "tracemill"


def escape(text):
    """Roff-escapes plain text (no markup)."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return text


INLINE = re.compile(r"`([^`]+)`|\*\*(.+?)\*\*|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])|!?\[([^\]]+)\]\(([^)]+)\)")


def inline(text):
    """Markdown inline markup to roff fonts: code and bold as bold, emphasis as italics."""
    out = []
    position = 0
    for match in INLINE.finditer(text):
        out.append(escape(text[position:match.start()]))
        code, bold, emphasis, link_text, _target = match.groups()
        if code is not None:
            out.append("\\fB" + escape(code) + "\\fR")
        elif bold is not None:
            out.append("\\fB" + inline(bold) + "\\fR")
        elif emphasis is not None:
            out.append("\\fI" + inline(emphasis) + "\\fR")
        else:
            out.append(inline(link_text))
        position = match.end()
    out.append(escape(text[position:]))
    return "".join(out)


def text_line(roff):
    """A line of running text: a leading . or ' would be read as a request."""
    return "\\&" + roff if roff.startswith((".", "'")) else roff


def split_row(line):
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|") and not line.endswith("\\|"):
        line = line[:-1]
    cells = re.split(r"(?<!\\)\|", line)
    return [cell.strip().replace("\\|", "|") for cell in cells]


def is_table_rule(line):
    return re.fullmatch(r"\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*", line) is not None


class Converter:
    def __init__(self, lines):
        self.lines = lines
        self.out = []
        self.uses_tables = False

    def emit(self, line):
        self.out.append(line)

    def paragraph(self, text, macro=".PP"):
        self.emit(macro)
        self.emit(text_line(inline(text)))

    def code_block(self, code_lines):
        self.emit(".IP")
        self.emit(".nf")
        for line in code_lines:
            self.emit(text_line(escape(line)))
        self.emit(".fi")
        self.emit(".PP")

    def table(self, rows):
        header, body = rows[0], rows[1:]
        if len(header) == 2:
            # An option table: each row a tagged paragraph, the classic OPTIONS look.
            for cells in body:
                self.emit(".TP")
                self.emit(text_line(inline(cells[0])))
                self.emit(text_line(inline(cells[1] if len(cells) > 1 else "")))
            self.emit(".PP")
            return
        self.uses_tables = True
        columns = len(header)
        self.emit(".TS")
        self.emit("allbox tab(\x07);")
        self.emit(" ".join(["lb"] * columns))
        # Fixed widths (a table never outgrows an 80-column terminal), the last one stretched.
        widths = ["lw(%dn)" % max(8, 60 // columns)] * columns
        widths[-1] += "x"
        self.emit(" ".join(widths) + ".")
        for cells in [header] + body:
            cells = (cells + [""] * columns)[:columns]
            self.emit("\x07".join("T{\n" + text_line(inline(cell)) + "\nT}" for cell in cells))
        self.emit(".TE")
        self.emit(".sp")

    def list_items(self, index):
        """A bulleted or numbered list from lines[index]; returns the index after it."""
        lines = self.lines
        while index < len(lines):
            match = re.match(r"(\s*)([-*]|\d+\.)\s+(.*)", lines[index])
            if not match or match.group(1):
                break
            marker, text = match.group(2), match.group(3)
            index += 1
            while index < len(lines) and lines[index].startswith("  ") and lines[index].strip() \
                    and not re.match(r"\s{0,3}([-*]|\d+\.)\s", lines[index]):
                text += " " + lines[index].strip()
                index += 1
            self.emit(".IP \\(bu 2" if marker in "-*" else ".IP %s 4" % marker)
            self.emit(text_line(inline(text)))
        self.emit(".PP")
        return index

    def body(self):
        lines = self.lines
        index = 0
        while index < len(lines):
            line = lines[index]
            if not line.strip():
                index += 1
                continue
            if line.startswith("```"):
                end = index + 1
                while end < len(lines) and not lines[end].startswith("```"):
                    end += 1
                self.code_block(lines[index + 1:end])
                index = end + 1
                continue
            if line.startswith("    "):
                block = []
                while index < len(lines) and (lines[index].startswith("    ") or not lines[index].strip()):
                    block.append(lines[index][4:])
                    index += 1
                while block and not block[-1].strip():
                    block.pop()
                self.code_block(block)
                continue
            heading = re.match(r"(#{2,6})\s+(.*)", line)
            if heading:
                level, title = len(heading.group(1)), heading.group(2).strip()
                if level == 2:
                    self.emit(".SH " + quote(inline(title.upper())))
                else:
                    self.emit(".SS " + quote(inline(title)))
                index += 1
                continue
            if line.lstrip().startswith("|") and index + 1 < len(lines) and is_table_rule(lines[index + 1]):
                rows = [split_row(line)]
                index += 2
                while index < len(lines) and lines[index].lstrip().startswith("|"):
                    rows.append(split_row(lines[index]))
                    index += 1
                self.table(rows)
                continue
            if re.match(r"([-*]|\d+\.)\s+", line):
                index = self.list_items(index)
                continue
            text = [line.strip()]
            index += 1
            while index < len(lines) and lines[index].strip() and not lines[index].startswith(("    ", "#", "```", "|")) \
                    and not re.match(r"([-*]|\d+\.)\s+", lines[index]):
                text.append(lines[index].strip())
                index += 1
            self.paragraph(" ".join(text))


def quote(text):
    return '"' + text.replace('"', '\\(dq') + '"'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", help="page name (default: from a '# NAME(SECTION)' title)")
    parser.add_argument("--section", help="manual section (default: from the title)")
    parser.add_argument("--summary", help="the NAME line's summary, for a manual without a NAME section")
    parser.add_argument("--version", default="", help="project version shown in the footer")
    parser.add_argument("input")
    parser.add_argument("output")
    args = parser.parse_args()
    with open(args.input, encoding="utf-8") as file:
        lines = file.read().split("\n")
    title = re.match(r"#\s+(\S+)\((\d)\)\s*$", lines[0]) if lines else None
    name = args.name or (title.group(1) if title else None)
    section = args.section or (title.group(2) if title else None)
    if not name or not section:
        sys.exit("md2man: %s: the title is not 'NAME(SECTION)': give --name and --section" % args.input)
    body = lines[1:] if lines and lines[0].startswith("# ") else lines
    converter = Converter(body)
    if args.summary:
        converter.emit(".SH NAME")
        converter.emit(escape(name) + " \\- " + inline(args.summary))
        if not next((line for line in body if line.strip()), "").startswith("## "):
            converter.emit(".SH DESCRIPTION")
    converter.body()
    head = []
    if converter.uses_tables:
        head.append("'\\\" t")  # tells man to run tbl
    head.append(".\\\" Generated by scripts/md2man.py from %s; edit that file, not this one." % args.input)
    head.append('.TH %s %s "" %s "tracemill manual"' % (quote(escape(name.upper())), section,
                                                        quote(("tracemill " + args.version).strip())))
    head.append(".ad l")  # ragged right: long option names and paths do not stretch lines
    head.append(".nh")  # no hyphenation: a hyphen inserted into an option or path misleads
    text = "\n".join(head + converter.out) + "\n"
    with open(args.output, "w", encoding="utf-8") as file:
        file.write(text)


if __name__ == "__main__":
    main()
